import assert from 'node:assert/strict';
import { api, type ApiResponse } from '../harness/http.js';
import { poll } from '../harness/poll.js';

/** One API call as `token`, in `namespace` (sent as X-Vault-Namespace) when given. */
export function nsCall<T = Record<string, unknown>>(address: string, token: string, method: string, path: string, options: { namespace?: string; body?: unknown } = {}): Promise<ApiResponse<T>> {
  return api<T>(address, method, path, {
    token,
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.namespace ? { headers: { 'X-Vault-Namespace': options.namespace } } : {}),
  });
}

/** Asserts a 2xx and answers the body. */
export function expect2xx<T>(res: ApiResponse<T>, what: string): T {
  assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${res.text}`);
  return res.body;
}

/** A token created at `<namespace>/auth/token/create` with these policies (root creates it). */
export async function tokenIn(address: string, rootToken: string, namespace: string, policies: string[]): Promise<string> {
  const res = await nsCall<{ auth: { client_token: string } }>(address, rootToken, 'POST', 'auth/token/create', { namespace, body: { policies, ttl: '1h' } });
  return expect2xx(res, `token in ${namespace || 'root'}`).auth.client_token;
}

/**
 * Deletes a namespace as Vault's asynchronous delete does (200, status in-progress) and waits
 * until it is gone (its read answers 404).
 */
export async function deleteNamespace(address: string, rootToken: string, path: string, options: { namespace?: string } = {}): Promise<void> {
  const res = await nsCall<{ data: { status: string } }>(address, rootToken, 'DELETE', `sys/namespaces/${path}`, options);
  assert.deepEqual([res.status, res.body.data?.status], [200, 'in-progress'], res.text);
  await poll(`namespace ${path} deleted`, async () => (await nsCall(address, rootToken, 'GET', `sys/namespaces/${path}`, options)).status === 404, { timeoutMs: 60_000 });
}
