import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { assertErrorAnswer } from '../harness/errors.js';
import type { ApiResponse } from '../harness/http.js';
import { poll } from '../harness/poll.js';
import { closingRequest } from '../sys/fixture.js';

/** A dev server started in this process from an HCL file holding the given listener stanzas. */
export interface ListenerServer {
  /** Base URL of each listener, in the order the file gives them. */
  addresses: string[];
  rootToken: string;
  dir: string;
  running: RunningServer;
  destroy(): Promise<void>;
}

/**
 * Writes `storage "sqlite"` plus `listeners` (HCL text) to a config file in a temp dir, loads it
 * with the server's own config loader and starts a dev server from it, so every listener option
 * goes through the same parsing and wiring as `coffer server -config`.
 */
export async function startFromHcl(listeners: string): Promise<ListenerServer> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-listener-'));
  const file = join(dir, 'coffer.hcl');
  await writeFile(file, `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}\n${listeners}`);
  const rootToken = `root-${randomBytes(12).toString('hex')}`;
  const running = await startServer({ config: await loadConfig(file), dev: { rootTokenId: rootToken }, logger: pino({ level: 'silent' }) });
  return {
    addresses: running.addresses,
    rootToken,
    dir,
    running,
    destroy: async () => {
      await running.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The 403 a secret read from outside a listener's secret_read_allowed_cidrs gets. */
export const SECRET_READ_REFUSED = /^permission denied: secret reads are not allowed from this client address$/;

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Source address of the connection (any 127/8 address works on loopback). */
  from?: string;
  /** Sent as given; an array value is sent as that many header lines. */
  headers?: Record<string, string | string[]>;
}

/**
 * One request on its own connection (closed after the answer), from `from`, with headers that may
 * repeat — what a proxy chain sends. IPv6 base URLs ("http://[::1]:port") work.
 */
export function call<T = Record<string, unknown>>(address: string, method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const { from, ...rest } = options;
  return closingRequest<T>(address, method, path, { ...rest, localAddress: from });
}

/** Asserts the status, showing the body otherwise; given a message, the answer is an error answer with an error matching it. */
export function expectStatus(res: ApiResponse<unknown>, status: number, message?: RegExp): void {
  if (message) assertErrorAnswer(res, status, message);
  else assert.equal(res.status, status, `expected ${status}, got ${res.status} ${res.text}`);
}

/** Enables a file audit device writing to `<dir>/audit.log` (as root, from 127.0.0.1) and returns the file's path. */
export async function enableFileAudit(address: string, rootToken: string, dir: string, headers: Record<string, string> = {}): Promise<string> {
  const filePath = join(dir, 'audit.log');
  const res = await call(address, 'PUT', 'sys/audit/file', { token: rootToken, from: '127.0.0.1', headers, body: { type: 'file', options: { file_path: filePath } } });
  expectStatus(res, 204);
  return filePath;
}

interface AuditLine {
  type: string;
  request: { path: string; remote_address: string };
  error?: string;
}

/**
 * The remote_address of the audit entries (request and response) for `path`, polling until both
 * are there: each request writes two lines, and a refused one (403) two as well.
 */
export async function auditedAddresses(filePath: string, path: string, timeoutMs = 5_000): Promise<string[]> {
  let found = 0;
  return poll(
    `no request and response audit entries for ${path}`,
    async () => {
      const lines = (await readFile(filePath, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '');
      const matching = lines.map((l) => JSON.parse(l) as AuditLine).filter((e) => e.request?.path === path);
      found = matching.length;
      return matching.length >= 2 ? matching.map((e) => e.request.remote_address) : undefined;
    },
    { timeoutMs, detail: () => `found ${found}` },
  );
}

/** Every audit line's request path, for asserting that a refused request left no entry at all. */
export async function auditedPaths(filePath: string): Promise<string[]> {
  const lines = (await readFile(filePath, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '');
  return lines.map((l) => (JSON.parse(l) as AuditLine).request?.path);
}

/** A token from a token role bound to `cidrs`, created as root from 127.0.0.1 over `address` with `headers`. */
export async function boundToken(address: string, rootToken: string, role: string, cidrs: string[], headers: Record<string, string> = {}): Promise<string> {
  expectStatus(await call(address, 'POST', `auth/token/roles/${role}`, { token: rootToken, from: '127.0.0.1', headers, body: { allowed_policies: ['app'], token_bound_cidrs: cidrs } }), 204);
  const res = await call<{ auth: { client_token: string } }>(address, 'POST', `auth/token/create/${role}`, { token: rootToken, from: '127.0.0.1', headers });
  expectStatus(res, 200);
  return res.body.auth.client_token;
}
