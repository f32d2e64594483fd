import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopProcess, waitFor } from './process.js';

/** The repository root (this file runs from dist/test/harness/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const COFFER_BIN = join(REPO_ROOT, 'bin/coffer.js');

export interface TestServer {
  address: string;
  rootToken: string;
  pid: number;
  /** Temp dir holding this server's files (config, SQLite database). */
  dir: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Stops the process (SIGTERM, then SIGKILL) and keeps its files. */
  stop(): Promise<void>;
  /** Starts the same server again on the same files (non-dev servers only). */
  restart(): Promise<TestServer>;
  /** Stops the process and removes its temp dir. */
  destroy(): Promise<void>;
}

export interface StartOptions {
  /** Dev mode (default) or a config file with SQLite storage in the temp dir. */
  dev?: boolean;
  rootTokenId?: string;
  /** For non-dev servers: base64 32-byte master key (a random one by default). */
  masterKey?: string;
  dir?: string;
  env?: Record<string, string>;
}

/** Starts `coffer server` as a real process on a free loopback port and waits until it answers. */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dev = options.dev ?? true;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'coffer-test-')));
  const masterKey = options.masterKey ?? randomBytes(32).toString('base64');
  let args: string[];
  if (dev) {
    const rootTokenId = options.rootTokenId ?? `root-${randomBytes(16).toString("hex")}`;
    args = ['server', '-dev', '-dev-listen-address=127.0.0.1:0', `-dev-root-token-id=${rootTokenId}`];
  } else {
    const config = join(dir, 'coffer.hcl');
    await writeFile(
      config,
      `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\nseal "local" {}\n`,
    );
    args = ['server', `-config=${config}`];
  }
  const child = spawn(process.execPath, [COFFER_BIN, ...args], {
    env: { ...process.env, COFFER_LOCAL_MASTER_KEY: masterKey, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const address = await waitFor(child, () => /Api Address: (\S+)/.exec(output)?.[1], () => output);
  let rootToken = dev ? /Root Token: (\S+)/.exec(output)?.[1] ?? '' : '';
  if (!dev) rootToken = await initializeIfNeeded(address);

  const server: TestServer = {
    address,
    rootToken,
    pid: child.pid!,
    dir,
    output: () => output,
    stop: () => stopProcess(child),
    restart: async () => {
      await stopProcess(child);
      const next = await startServer({ ...options, dev: false, dir, masterKey });
      return { ...next, rootToken };
    },
    destroy: async () => {
      await stopProcess(child);
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** A non-dev store is initialized on first start (restarts keep the first root token). */
async function initializeIfNeeded(address: string): Promise<string> {
  const status = (await (await fetch(`${address}/v1/sys/init`)).json()) as { initialized: boolean };
  if (status.initialized) return '';
  const res = await fetch(`${address}/v1/sys/init`, { method: 'PUT', body: '{}' });
  const body = (await res.json()) as { root_token: string };
  return body.root_token;
}
