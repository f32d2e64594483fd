import assert from 'node:assert/strict';
import { api, type ApiResponse } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';

// Helpers for the identity tests: one dev server per file, driven over HTTP as a Vault client would.

export interface Identity {
  server: TestServer;
  root: string;
  /** Calls the API, as root unless another token is given. */
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token?: string): Promise<ApiResponse<T>>;
}

export async function startIdentityServer(): Promise<Identity> {
  const server = await startServer();
  const root = server.rootToken;
  return {
    server,
    root,
    call: <T>(method: string, path: string, body?: unknown, token = root) => api<T>(server.address, method, path, { token, body }),
  };
}

export function assertStatus(res: ApiResponse<unknown>, status: number, what: string): void {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text}`);
}

/** Creates an entity through identity/entity and returns its id. */
export async function createEntity(id: Identity, body: Record<string, unknown> = {}): Promise<string> {
  const res = await id.call<{ data: { id: string } }>('POST', 'identity/entity', body);
  assertStatus(res, 200, 'create entity');
  return res.body.data.id;
}

/** Creates an internal group and returns its id. */
export async function createGroup(id: Identity, body: Record<string, unknown>): Promise<string> {
  const res = await id.call<{ data: { id: string } }>('POST', 'identity/group', body);
  assertStatus(res, 200, 'create group');
  return res.body.data.id;
}

/** The accessor of an auth mount, from GET sys/auth ("token/", "userpass/"). */
export async function authAccessor(id: Identity, mount: string): Promise<string> {
  const res = await id.call<{ data: Record<string, { accessor: string }> }>('GET', 'sys/auth');
  assertStatus(res, 200, 'sys/auth');
  const accessor = res.body.data[mount]?.accessor;
  assert.ok(accessor, `no auth mount ${mount}: ${res.text}`);
  return accessor;
}

export async function writePolicy(id: Identity, name: string, policy: string): Promise<void> {
  assertStatus(await id.call('PUT', `sys/policies/acl/${name}`, { policy }), 204, `write policy ${name}`);
}

/** Enables userpass at auth/userpass/ (Vault's API) and returns its accessor. */
export async function enableUserpass(id: Identity): Promise<string> {
  assertStatus(await id.call('POST', 'sys/auth/userpass', { type: 'userpass' }), 204, 'enable userpass');
  return authAccessor(id, 'userpass/');
}

export interface Login {
  token: string;
  entityId: string;
  policies: string[];
  identityPolicies: string[];
}

/** Creates a userpass user (with the given token_policies) and logs in as them. */
export async function userLogin(id: Identity, user: string, tokenPolicies: string[] = []): Promise<Login> {
  const password = `pw-${user}-secret`;
  assertStatus(await id.call('POST', `auth/userpass/users/${user}`, { password, token_policies: tokenPolicies }), 204, `create user ${user}`);
  return login(id, user, password);
}

export async function login(id: Identity, user: string, password = `pw-${user}-secret`): Promise<Login> {
  const res = await id.call<{ auth: { client_token: string; entity_id: string; policies: string[]; identity_policies?: string[] } }>(
    'POST',
    `auth/userpass/login/${user}`,
    { password },
    '',
  );
  assertStatus(res, 200, `login ${user}`);
  assert.ok(res.body.auth.entity_id, `login ${user} has no entity: ${res.text}`);
  return {
    token: res.body.auth.client_token,
    entityId: res.body.auth.entity_id,
    policies: res.body.auth.policies,
    identityPolicies: res.body.auth.identity_policies ?? [],
  };
}

/** Writes a KV v2 secret at secret/data/<path> as root. */
export async function writeSecret(id: Identity, path: string, data: Record<string, string>): Promise<void> {
  assertStatus(await id.call('POST', `secret/data/${path}`, { data }), 200, `write secret ${path}`);
}

/** The status a token gets reading a KV v2 secret. */
export async function readStatus(id: Identity, path: string, token: string): Promise<number> {
  return (await id.call('GET', `secret/data/${path}`, undefined, token)).status;
}
