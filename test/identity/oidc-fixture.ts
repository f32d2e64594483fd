import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { api, type ApiResponse } from '../harness/http.js';

// Helpers for the identity token tests (identity/oidc/*): every call goes over HTTP, as a client's
// would, and tokens are checked by jose against Coffer's published key set, as a verifier would.

/** One API call as `token`, in `namespace` (X-Vault-Namespace) when given. */
export function call<T = Record<string, unknown>>(address: string, token: string, method: string, path: string, body?: unknown, namespace?: string): Promise<ApiResponse<T>> {
  return api<T>(address, method, path, {
    token,
    ...(body === undefined ? {} : { body }),
    ...(namespace ? { headers: { 'X-Vault-Namespace': namespace } } : {}),
  });
}

/** Asserts the status and answers the body. */
export function expectStatus<T>(res: ApiResponse<T>, status: number, what: string): T {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text}`);
  return res.body;
}

/** The issuer of a namespace's tokens when no issuer is configured: `<address>/v1/<namespace/>identity/oidc`. */
export function defaultIssuer(address: string, namespace = ''): string {
  return `${address}/v1/${namespace ? `${namespace}/` : ''}identity/oidc`;
}

/** The policy a workload needs to get identity tokens and introspect them. */
export const TOKEN_POLICY = 'path "identity/oidc/token/*" { capabilities = ["read"] }\npath "identity/oidc/introspect" { capabilities = ["update"] }\n';

/** What GET identity/oidc/token/:name answers. */
export interface IdentityToken {
  token: string;
  client_id: string;
  ttl: number;
}

/** An identity token of `role` for the caller of `token` (200 expected). */
export async function identityToken(address: string, token: string, role: string, namespace?: string): Promise<IdentityToken> {
  const res = await call<{ data: IdentityToken }>(address, token, 'GET', `identity/oidc/token/${role}`, undefined, namespace);
  return expectStatus(res, 200, `token of ${role}`).data;
}

/** A role's client id (GET identity/oidc/role/:name as `token`). */
export async function clientIdOf(address: string, token: string, role: string, namespace?: string): Promise<string> {
  const res = await call<{ data: { client_id: string } }>(address, token, 'GET', `identity/oidc/role/${role}`, undefined, namespace);
  return expectStatus(res, 200, `read role ${role}`).data.client_id;
}

/** Verifies `jwt` as a relying party would: keys from the issuer's .well-known/keys (fetched afresh), issuer and audience. */
export async function verifyIdentityToken(issuer: string, jwt: string, audience: string): Promise<JWTPayload> {
  const keys = createRemoteJWKSet(new URL(`${issuer}/.well-known/keys`));
  return (await jwtVerify(jwt, keys, { issuer, audience })).payload;
}

/** True once the issuer no longer publishes the key that signed `jwt` (jose finds no key for its kid). */
export async function keyWithdrawn(issuer: string, jwt: string, audience: string): Promise<boolean> {
  try {
    await verifyIdentityToken(issuer, jwt, audience);
    return false;
  } catch (err) {
    if (err instanceof errors.JWKSNoMatchingKey) return true;
    throw err;
  }
}

/** The kid in a JWT's header. */
export function kidOf(jwt: string): string {
  const kid = decodeProtectedHeader(jwt).kid;
  assert.ok(kid, `no kid in ${jwt}`);
  return kid;
}

/** The kids .well-known/keys publishes now (no token sent). */
export async function publishedKids(issuer: string): Promise<string[]> {
  const res = await fetch(`${issuer}/.well-known/keys`);
  assert.equal(res.status, 200, `GET .well-known/keys: ${res.status}`);
  return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
}

/** Logs a userpass user in (POST auth/userpass/login/:user) and answers its token and entity id. */
export async function userpassLogin(address: string, user: string, password: string, namespace?: string): Promise<{ token: string; entityId: string }> {
  const res = await call<{ auth: { client_token: string; entity_id: string } }>(address, '', 'POST', `auth/userpass/login/${user}`, { password }, namespace);
  const { auth } = expectStatus(res, 200, `login ${user}`);
  assert.ok(auth.entity_id, `login ${user} has no entity`);
  return { token: auth.client_token, entityId: auth.entity_id };
}

/**
 * Sets up a namespace (or the root, "") for identity tokens: userpass with a user whose policy may
 * read identity tokens, logged in; answers the login.
 */
export async function workload(address: string, root: string, user: string, namespace?: string): Promise<{ token: string; entityId: string }> {
  if ((await call(address, root, 'GET', 'sys/auth', undefined, namespace)).text.includes('"userpass/"') === false) {
    expectStatus(await call(address, root, 'POST', 'sys/auth/userpass', { type: 'userpass' }, namespace), 204, 'enable userpass');
  }
  expectStatus(await call(address, root, 'PUT', 'sys/policies/acl/identity-token', { policy: TOKEN_POLICY }, namespace), 204, 'policy');
  const password = `pw-${user}-oidc`;
  expectStatus(await call(address, root, 'POST', `auth/userpass/users/${user}`, { password, token_policies: ['identity-token'] }, namespace), 204, `user ${user}`);
  return userpassLogin(address, user, password, namespace);
}
