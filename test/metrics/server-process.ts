import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopProcess, waitFor } from '../harness/process.js';
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
  await writeFile(file, `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}\n${listeners.join('')}seal "local" {}\n${options.config ?? ''}\n`);
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
  try {
    await waitFor(child, () => (/Api Address: /.test(output) ? true : undefined), () => output);
  } catch (err) {
    await destroy();
    throw err;
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
