import { freePort } from '../harness/process.js';
import { startServer, type TestServer } from '../harness/server.js';

export { initialize } from '../harness/server.js';

/** A `coffer server` process started from a config file, on ports of its own, uninitialized. */
export interface ConfigServer extends TestServer {
  /** One base URL per listener, in the order given. */
  addresses: string[];
  /** The master key it runs with (COFFER_LOCAL_MASTER_KEY), for tests that look for it. */
  masterKey: string;
}

export interface ConfigServerOptions {
  /** Extra HCL inside each listener block, one entry per listener (default: one plain listener). */
  listeners?: string[];
  /** Extra top-level HCL (log_level, log_format, telemetry...). */
  config?: string;
  /** Extra command-line flags. */
  args?: string[];
}

/** The harness's startServer with one listener per entry, each on a port known before the start (SQLite in a temp dir, not initialized). */
export async function startConfigServer(options: ConfigServerOptions = {}): Promise<ConfigServer> {
  const extras = options.listeners ?? [''];
  const ports = await Promise.all(extras.map(() => freePort()));
  const listeners = extras.map((extra, i) => `listener "tcp" {\n  address = "127.0.0.1:${ports[i]}"\n  tls_disable = true\n${extra}\n}\n`);
  const server = await startServer({ config: { listeners, extra: options.config }, args: options.args, initialize: false });
  return { ...server, addresses: ports.map((p) => `http://127.0.0.1:${p}`), masterKey: server.masterKey! };
}
