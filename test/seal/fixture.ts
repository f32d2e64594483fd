import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../harness/server.js';

/** A `coffer server` process over a SQLite store in `dir`, started from a config this test writes. */
export type SealServer = TestServer;

export interface SealServerOptions {
  /** The seal stanza, e.g. `seal "shamir" {}`; default `seal "local" {}` ("" for no stanza: the default Shamir seal). */
  seal?: string;
  /** Environment on top of this process's, minus COFFER_LOCAL_MASTER_KEY and COFFER_BOOTSTRAP_TOKEN unless given here. */
  env?: Record<string, string>;
}

/** A fresh temp dir for one store; `remove` deletes it. */
export async function storeDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'coffer-seal-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The harness's startServer on `dir`'s store (same files on every call: a restart), not initialized. */
export function startSealServer(dir: string, options: SealServerOptions = {}): Promise<SealServer> {
  return startServer({
    dir,
    config: { seal: options.seal },
    masterKey: options.env?.COFFER_LOCAL_MASTER_KEY ?? null,
    env: { COFFER_BOOTSTRAP_TOKEN: undefined, ...options.env },
    initialize: false,
  });
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
