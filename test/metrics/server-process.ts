import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COFFER_BIN } from '../harness/server.js';

/** A `coffer server` process started from a config file this fixture writes, on its own ports. */
export interface ConfigServer {
  /** One base URL per listener, in the order given. */
  addresses: string[];
  /** The master key it runs with (COFFER_LOCAL_MASTER_KEY), for tests that look for it. */
  masterKey: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Stops the process (SIGTERM, then SIGKILL) and removes its temp dir. */
  destroy(): Promise<void>;
}

export interface ConfigServerOptions {
  /** Extra HCL inside each listener block, one entry per listener (default: one plain listener). */
  listeners?: string[];
  /** Extra top-level HCL (log_level, log_format, telemetry...). */
  config?: string;
  /** Extra command-line flags. */
  args?: string[];
}

/** Starts a non-dev server (SQLite in a temp dir, uninitialized) and waits for its banner. */
export async function startConfigServer(options: ConfigServerOptions = {}): Promise<ConfigServer> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-metrics-'));
  const ports = await Promise.all((options.listeners ?? ['']).map(() => freePort()));
  const listeners = (options.listeners ?? ['']).map(
    (extra, i) => `listener "tcp" {\n  address = "127.0.0.1:${ports[i]}"\n  tls_disable = true\n${extra}\n}\n`,
  );
  const file = join(dir, 'coffer.hcl');
  await writeFile(file, `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}\n${listeners.join('')}${options.config ?? ''}\n`);
  const masterKey = randomBytes(32).toString('base64');
  const child = spawn(process.execPath, [COFFER_BIN, 'server', `-config=${file}`, ...(options.args ?? [])], {
    env: { ...process.env, COFFER_LOCAL_MASTER_KEY: masterKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const destroy = async () => {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!/Api Address: /.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await destroy();
      throw new Error(`server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { addresses: ports.map((p) => `http://127.0.0.1:${p}`), masterKey, output: () => output, destroy };
}

/** PUT sys/init on a fresh store; answers the root token. */
export async function initialize(address: string): Promise<string> {
  const res = await fetch(`${address}/v1/sys/init`, { method: 'PUT', body: '{}' });
  if (res.status !== 200) throw new Error(`sys/init answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { root_token: string }).root_token;
}

/** Polls `probe` until it answers true, or fails after `timeoutMs` with `describe()`. */
export async function until(probe: () => boolean | Promise<boolean>, describe: () => string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${describe()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
