import assert from 'node:assert/strict';
import { api, type ApiResponse } from '../harness/http.js';

/** Vault's success shape for a write with nothing to say. */
export function assertNoContent(res: ApiResponse<unknown>, what: string): void {
  assert.equal(res.status, 204, `${what}: expected 204, got ${res.status} ${res.text}`);
}

/** Asserts an error answer: its status, and (when given) that one of its `errors` matches. */
export function assertError(res: ApiResponse<unknown>, status: number, message?: RegExp): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status} ${res.text}`);
  const errors = (res.body as { errors?: unknown }).errors;
  assert.ok(Array.isArray(errors), `expected an errors array, got ${res.text}`);
  if (message) assert.ok(errors.some((e) => message.test(String(e))), `no error matches ${message}: ${res.text}`);
}

/** Writes an ACL policy as root. */
export async function writePolicy(address: string, rootToken: string, name: string, policy: string): Promise<void> {
  assertNoContent(await api(address, 'PUT', `sys/policies/acl/${name}`, { token: rootToken, body: { policy } }), `write policy ${name}`);
}

export interface CreatedToken {
  token: string;
  accessor: string;
}

/** Creates a token through auth/token/create with the given request body. */
export async function createToken(address: string, parentToken: string, body: Record<string, unknown> = {}, path = 'auth/token/create'): Promise<CreatedToken> {
  const res = await api<{ auth: { client_token: string; accessor: string } }>(address, 'POST', path, { token: parentToken, body });
  assert.equal(res.status, 200, `token create: ${res.status} ${res.text}`);
  return { token: res.body.auth.client_token, accessor: res.body.auth.accessor };
}

/** Polls `probe` until it returns true, failing after `timeoutMs`. */
export async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${what}: not true within ${timeoutMs} ms`);
}
