import assert from 'node:assert/strict';
import type { JWTPayload } from 'jose';
import { api, type ApiResponse } from '../../harness/http.js';
import type { AuthBlock, WrapInfo } from '../../harness/vault-types.js';
import { enableAuthMethod } from '../../sys/fixture.js';

/** A login answer: the `auth` block on success, `errors` on refusal, `wrap_info` when wrapped. */
export type LoginResponse = ApiResponse<{ auth: AuthBlock; errors?: string[]; wrap_info?: WrapInfo }>;

export const AUDIENCE = 'coffer';

/** Claims of a token that a role binding `aud: coffer` accepts: valid for five minutes from now. */
export function claims(extra: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return { sub: 'alice', aud: AUDIENCE, iat: now, exp: now + 300, ...extra };
}

/** Enables a jwt auth method at `path` as root. */
export async function enableJwt(address: string, root: string, path: string, type: 'jwt' | 'oidc' = 'jwt'): Promise<void> {
  await enableAuthMethod(address, root, path, type);
}

/** Writes to a path as root and expects 204. */
export async function write(address: string, root: string, path: string, body: Record<string, unknown>): Promise<void> {
  const res = await api(address, 'POST', path, { token: root, body });
  assert.equal(res.status, 204, `write ${path}: ${res.status} ${res.text}`);
}

/** POSTs a login with no token. */
export async function login(address: string, mount: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<LoginResponse> {
  return api(address, 'POST', `auth/${mount}/login`, { body, headers });
}

/** Asserts a successful login and returns its auth block. */
export function loggedIn(res: LoginResponse): AuthBlock {
  assert.equal(res.status, 200, `login: ${res.status} ${res.text}`);
  assert.ok(res.body.auth?.client_token, `login answered no token: ${res.text}`);
  return res.body.auth;
}

/** The entity aliases of an entity (identity/entity/id/:id, as root). */
export async function entityAliases(address: string, root: string, entityId: string): Promise<{ name: string; mount_accessor: string; metadata: Record<string, string> | null }[]> {
  const res = await api<{ data: { aliases: { name: string; mount_accessor: string; metadata: Record<string, string> | null }[] } }>(
    address,
    'GET',
    `identity/entity/id/${entityId}`,
    { token: root },
  );
  assert.equal(res.status, 200, `entity read: ${res.status} ${res.text}`);
  return res.body.data.aliases;
}

/** The accessor of an auth mount (sys/auth). */
export async function mountAccessor(address: string, root: string, path: string): Promise<string> {
  const res = await api<{ data: Record<string, { accessor: string }> }>(address, 'GET', 'sys/auth', { token: root });
  assert.equal(res.status, 200, res.text);
  const accessor = res.body.data[`${path}/`]?.accessor;
  assert.ok(accessor, `no accessor for ${path}/ in ${res.text}`);
  return accessor;
}

