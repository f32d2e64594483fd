import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess, waitFor } from '../harness/process.js';
import { COFFER_BIN } from '../harness/server.js';

/** A `coffer server` process over a SQLite store in `dir`, started from a config this test writes. */
export interface SealServer {
  address: string;
  dir: string;
  output(): string;
  stop(): Promise<void>;
}

export interface SealServerOptions {
  /** The seal stanza, e.g. `seal "shamir" {}`; default `seal "local" {}` ("" for no stanza: the default Shamir seal). */
  seal?: string;
  /** Environment on top of this process's, minus COFFER_LOCAL_MASTER_KEY unless given here. */
  env?: Record<string, string>;
}

/** A fresh temp dir for one store; `remove` deletes it. */
export async function storeDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'coffer-seal-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Starts a server on `dir`'s store (same files on every call: a restart) and waits for its address. */
export async function startSealServer(dir: string, options: SealServerOptions = {}): Promise<SealServer> {
  const config = join(dir, 'coffer.hcl');
  await writeFile(
    config,
    `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n${options.seal ?? 'seal "local" {}'}\n`,
  );
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (!options.env?.COFFER_LOCAL_MASTER_KEY) delete env.COFFER_LOCAL_MASTER_KEY;
  if (!options.env?.COFFER_BOOTSTRAP_TOKEN) delete env.COFFER_BOOTSTRAP_TOKEN;
  const child = spawn(process.execPath, [COFFER_BIN, 'server', `-config=${config}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const address = await waitFor(child, () => /Api Address: (\S+)/.exec(output)?.[1], () => output);
  return { address, dir, output: () => output, stop: () => stopProcess(child) };
}

/** A random local master key, base64 (for COFFER_LOCAL_MASTER_KEY). */
export const masterKey = () => randomBytes(32).toString('base64');

/** JSON request to a server; answers status and parsed body (undefined for 204). */
export async function call(address: string, method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const res = await fetch(`${address}/v1/${path}`, {
    method,
    headers: { ...(options.token ? { 'x-vault-token': options.token } : {}), ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON shapes
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}
