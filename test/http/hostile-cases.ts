/**
 * Hostile requests as data: each row says what is sent and what the user must see.
 * hostile.test.ts turns every row into one test, which also proves the server stayed up
 * and that nothing observable changed.
 *
 * Fixtures the rows rely on (created by the test before any row runs):
 *   secret/ (KV v2) with secret/data/fixture at versions 1 and 2
 *   hkv1/ (KV v1) with hkv1/fixture
 *   cubbyhole/fixture in the root token's cubbyhole
 *   policy "hostile-fixture"
 *   auth methods: approle/ (role "fixture"), userpass/ (user "fixture", password FIXTURE_PASSWORD),
 *   jwt/ (static EC key, role "fixture"), kubernetes/ (API server address nobody answers, role "fixture")
 *   token role "fixture" (allowed_policies ["hostile-fixture"]), identity entity "fixture"
 *   identity token key "fixture" (ES256, every client id allowed) and role "fixture" using it
 */

/** The userpass fixture user's password. */
export const FIXTURE_PASSWORD = 'fixture-password-1';
/** An unsigned JWT ("alg": "none") that claims everything a role could want. */
const UNSIGNED_JWT = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
  JSON.stringify({ sub: 'intruder', aud: 'coffer', exp: 4_102_444_800 }),
).toString('base64url')}.`;

/** Who sends the request. */
export type Credential =
  | 'root'
  | 'none'
  | 'garbage' // X-Vault-Token that was never issued
  | 'bearer-garbage' // the same, as Authorization: Bearer
  | 'expired' // a token created with ttl=1s, after it expired
  | 'revoked' // a token revoked through auth/token/revoke
  | 'limited'; // a live token holding only the default policy

export interface HostileCase {
  /** Route family, e.g. "secret/data". */
  family: string;
  /** What was sent, in words, for the test name. */
  sent: string;
  method: string;
  /** Sent verbatim after /v1/. */
  path: string;
  /** JSON-encoded as the body. */
  body?: unknown;
  /** Sent as the body byte for byte (malformed JSON, invalid UTF-8). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  chunked?: boolean;
  as?: Credential;
  /** The expected status; '4xx' where Vault's exact code is not pinned down by its docs. */
  status: number | '4xx';
  /** Must match the joined `errors`; when absent, 400 and 403 still need a non-empty message. */
  message?: RegExp;
}

const DENIED = /permission denied/;
/** 33 MiB: just over Vault's default max_request_size of 32 MiB. */
const HUGE_BODY = `{"data": {"blob": "${'a'.repeat(33 * 1024 * 1024)}"}}`;
const JSON_SHAPE = /JSON|json|object|body/;
const POLICY_TEXT = 'path "secret/data/*" {\n  capabilities = ["read"]\n}\n';

/** One representative request per route family, replayed with every bad credential. */
const familyRequests: ReadonlyArray<Pick<HostileCase, 'family' | 'method' | 'path' | 'body'>> = [
  { family: 'sys/mounts', method: 'GET', path: 'sys/mounts' },
  { family: 'sys/mounts/<path>', method: 'POST', path: 'sys/mounts/hostile-new', body: { type: 'kv' } },
  { family: 'sys/mounts/<path>', method: 'DELETE', path: 'sys/mounts/hkv1' },
  { family: 'sys/mounts/<path>/tune', method: 'POST', path: 'sys/mounts/secret/tune', body: { max_lease_ttl: '1h' } },
  { family: 'sys/policy', method: 'GET', path: 'sys/policy' },
  { family: 'sys/policy/<name>', method: 'PUT', path: 'sys/policy/hostile-fixture', body: { policy: 'path "*" {\n  capabilities = ["sudo"]\n}\n' } },
  { family: 'sys/policy/<name>', method: 'DELETE', path: 'sys/policy/hostile-fixture' },
  { family: 'sys/policies/acl', method: 'LIST', path: 'sys/policies/acl' },
  { family: 'sys/policies/acl/<name>', method: 'PUT', path: 'sys/policies/acl/hostile-new', body: { policy: POLICY_TEXT } },
  { family: 'sys/capabilities-self', method: 'POST', path: 'sys/capabilities-self', body: { paths: ['secret/data/fixture'] } },
  { family: 'auth/token/create', method: 'POST', path: 'auth/token/create', body: { policies: ['root'] } },
  { family: 'auth/token/lookup-self', method: 'GET', path: 'auth/token/lookup-self' },
  { family: 'auth/token/renew-self', method: 'POST', path: 'auth/token/renew-self', body: {} },
  { family: 'auth/token/accessors', method: 'LIST', path: 'auth/token/accessors' },
  { family: 'secret/data', method: 'GET', path: 'secret/data/fixture' },
  { family: 'secret/data', method: 'POST', path: 'secret/data/fixture', body: { data: { stolen: 'yes' } } },
  { family: 'secret/metadata', method: 'DELETE', path: 'secret/metadata/fixture' },
  { family: 'secret/delete', method: 'POST', path: 'secret/delete/fixture', body: { versions: [1] } },
  { family: 'secret/destroy', method: 'PUT', path: 'secret/destroy/fixture', body: { versions: [1] } },
  { family: 'secret/subkeys', method: 'GET', path: 'secret/subkeys/fixture' },
  { family: 'secret/config', method: 'POST', path: 'secret/config', body: { max_versions: 1 } },
  { family: 'kv v1', method: 'GET', path: 'hkv1/fixture' },
  { family: 'kv v1', method: 'DELETE', path: 'hkv1/fixture' },
  { family: 'cubbyhole', method: 'POST', path: 'cubbyhole/fixture', body: { planted: 'yes' } },
  { family: 'sys/auth/<path>', method: 'POST', path: 'sys/auth/hostile-new', body: { type: 'userpass' } },
  { family: 'sys/auth/<path>', method: 'DELETE', path: 'sys/auth/approle' },
  { family: 'auth/approle/role', method: 'POST', path: 'auth/approle/role/fixture', body: { token_policies: ['root'] } },
  { family: 'auth/approle/role/secret-id', method: 'POST', path: 'auth/approle/role/fixture/secret-id', body: {} },
  { family: 'auth/approle/role/role-id', method: 'GET', path: 'auth/approle/role/fixture/role-id' },
  { family: 'auth/userpass/users', method: 'POST', path: 'auth/userpass/users/fixture', body: { password: 'taken-over' } },
  { family: 'auth/jwt/config', method: 'POST', path: 'auth/jwt/config', body: { jwks_url: 'http://127.0.0.1:9/keys' } },
  { family: 'auth/kubernetes/role', method: 'POST', path: 'auth/kubernetes/role/fixture', body: { bound_service_account_names: ['*'], bound_service_account_namespaces: ['*'] } },
  { family: 'auth/token/roles', method: 'POST', path: 'auth/token/roles/fixture', body: { allowed_policies: ['root'] } },
  { family: 'auth/token/create/<role>', method: 'POST', path: 'auth/token/create/fixture', body: {} },
  { family: 'identity/entity', method: 'POST', path: 'identity/entity', body: { name: 'intruder', policies: ['hostile-fixture'] } },
  { family: 'identity/group', method: 'POST', path: 'identity/group', body: { name: 'intruders', policies: ['hostile-fixture'] } },
  { family: 'identity/oidc/token', method: 'GET', path: 'identity/oidc/token/fixture' },
  { family: 'identity/oidc/key', method: 'POST', path: 'identity/oidc/key/fixture/rotate', body: { verification_ttl: 0 } },
];

const badCredentials: ReadonlyArray<{ as: Credential; words: string }> = [
  { as: 'none', words: 'no token' },
  { as: 'garbage', words: 'a never-issued X-Vault-Token' },
  { as: 'bearer-garbage', words: 'a never-issued Bearer token' },
  { as: 'expired', words: 'an expired token' },
  { as: 'revoked', words: 'a revoked token' },
];

const credentialCases: HostileCase[] = familyRequests.flatMap((req) =>
  badCredentials.map(({ as, words }) => ({
    ...req,
    sent: `${req.method} ${req.path} with ${words}`,
    as,
    status: 403,
    message: DENIED,
  })),
);

/** A live token with only the default policy, reaching outside it. */
type LimitedRequest = Omit<HostileCase, 'status' | 'as'> & { status?: HostileCase['status'] };
const limitedRequests: LimitedRequest[] = [
  { family: 'secret/data', sent: 'default-policy token reads secret/data/fixture', method: 'GET', path: 'secret/data/fixture' },
  { family: 'secret/metadata', sent: 'default-policy token deletes secret/metadata/fixture', method: 'DELETE', path: 'secret/metadata/fixture' },
  { family: 'sys/mounts/<path>', sent: 'default-policy token mounts an engine', method: 'POST', path: 'sys/mounts/hostile-new', body: { type: 'kv' } },
  { family: 'sys/mounts/<path>/tune', sent: 'default-policy token tunes secret/', method: 'POST', path: 'sys/mounts/secret/tune', body: { max_lease_ttl: '1h' } },
  { family: 'sys/policy/<name>', sent: 'default-policy token rewrites a policy', method: 'PUT', path: 'sys/policy/hostile-fixture', body: { policy: POLICY_TEXT } },
  { family: 'sys/policy/<name>', sent: 'default-policy token rewrites the default policy', method: 'PUT', path: 'sys/policy/default', body: { policy: 'path "*" {\n  capabilities = ["sudo", "create", "read", "update", "delete", "list"]\n}\n' } },
  { family: 'auth/token/create', sent: 'default-policy token creates a root token', method: 'POST', path: 'auth/token/create', body: { policies: ['root'] } },
  { family: 'auth/token/accessors', sent: 'default-policy token lists accessors', method: 'LIST', path: 'auth/token/accessors' },
  { family: 'kv v1', sent: 'default-policy token writes hkv1/fixture', method: 'POST', path: 'hkv1/fixture', body: { planted: 'yes' } },
  { family: 'sys/auth/<path>', sent: 'default-policy token enables an auth method', method: 'POST', path: 'sys/auth/hostile-new', body: { type: 'userpass' } },
  { family: 'auth/approle/role/secret-id', sent: 'default-policy token generates a SecretID', method: 'POST', path: 'auth/approle/role/fixture/secret-id', body: {} },
  { family: 'auth/userpass/users', sent: "default-policy token resets a user's password", method: 'POST', path: 'auth/userpass/users/fixture/password', body: { password: 'taken-over' } },
  { family: 'auth/token/roles', sent: 'default-policy token widens a token role', method: 'POST', path: 'auth/token/roles/fixture', body: { allowed_policies: ['root'] } },
  { family: 'identity/entity', sent: 'default-policy token gives itself policies through an entity', method: 'POST', path: 'identity/entity', body: { name: 'intruder', policies: ['hostile-fixture'] } },
  { family: 'identity/oidc/token', sent: 'default-policy token takes an identity token', method: 'GET', path: 'identity/oidc/token/fixture' },
  { family: 'identity/oidc/key', sent: 'default-policy token rotates a signing key away', method: 'POST', path: 'identity/oidc/key/fixture/rotate', body: { verification_ttl: 0 } },
  { family: 'identity/oidc/config', sent: 'default-policy token points the issuer elsewhere', method: 'POST', path: 'identity/oidc/config', body: { issuer: 'https://attacker.example' } },
  { family: 'path traversal', sent: 'default-policy token climbs from cubbyhole/ (allowed) to sys/policy via ".."', method: 'PUT', path: 'cubbyhole/../sys/policy/hostile-fixture', body: { policy: POLICY_TEXT }, status: '4xx', message: undefined },
  { family: 'path traversal', sent: 'default-policy token climbs from cubbyhole/ to secret/ via "%2e%2e"', method: 'GET', path: 'cubbyhole/%2e%2e/secret/data/fixture', status: '4xx', message: undefined },
];
const limitedTokenCases: HostileCase[] = limitedRequests.map((c) => ({ status: 403, message: DENIED, ...c, as: 'limited' }));

/** Well-authenticated (root) requests whose input is wrong. */
const badInputCases: HostileCase[] = [
  // Envelope: the body itself.
  { family: 'envelope', sent: 'a JSON array as the body', method: 'PUT', path: 'sys/policy/hostile-fixture', rawBody: '["policy"]', status: 400, message: JSON_SHAPE },
  { family: 'envelope', sent: 'a JSON string as the body', method: 'POST', path: 'secret/data/fixture', rawBody: '"data"', status: 400, message: JSON_SHAPE },
  { family: 'envelope', sent: 'a JSON number as the body', method: 'POST', path: 'sys/mounts/hostile-new', rawBody: '42', status: 400, message: JSON_SHAPE },
  { family: 'envelope', sent: 'JSON true as the body', method: 'POST', path: 'hkv1/fixture', rawBody: 'true', status: 400, message: JSON_SHAPE },
  { family: 'envelope', sent: 'truncated JSON', method: 'POST', path: 'secret/data/fixture', rawBody: '{"data": {"a": ', status: 400, message: /failed to parse JSON input/ },
  { family: 'envelope', sent: 'JSON with a trailing comma', method: 'POST', path: 'sys/mounts/hostile-new', rawBody: '{"type": "kv",}', status: 400, message: /failed to parse JSON input/ },
  { family: 'envelope', sent: 'form encoding instead of JSON', method: 'POST', path: 'hkv1/fixture', rawBody: 'planted=yes', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, status: 400, message: /failed to parse JSON input/ },
  { family: 'envelope', sent: 'invalid UTF-8 inside a policy', method: 'PUT', path: 'sys/policy/hostile-fixture', rawBody: Buffer.concat([Buffer.from('{"policy": "path \\"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('\\" {"}')]), status: 400 },
  { family: 'envelope', sent: '200 000 nested arrays as a secret', method: 'POST', path: 'secret/data/fixture', rawBody: `{"data": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`, status: 400 },
  { family: 'envelope', sent: 'a 33 MiB body with Content-Length (over max_request_size)', method: 'POST', path: 'secret/data/fixture', rawBody: HUGE_BODY, status: 413, message: /too large/ },
  { family: 'envelope', sent: 'a 33 MiB chunked body (over max_request_size)', method: 'POST', path: 'hkv1/fixture', rawBody: HUGE_BODY, chunked: true, status: 413, message: /too large/ },

  // sys/mounts
  { family: 'sys/mounts/<path>', sent: 'no type', method: 'POST', path: 'sys/mounts/hostile-new', body: {}, status: 400 },
  { family: 'sys/mounts/<path>', sent: 'type as an array', method: 'POST', path: 'sys/mounts/hostile-new', body: { type: ['kv'] }, status: 400 },
  { family: 'sys/mounts/<path>', sent: 'type as a number', method: 'POST', path: 'sys/mounts/hostile-new', body: { type: 12 }, status: 400 },
  { family: 'sys/mounts/<path>', sent: 'options as an array', method: 'POST', path: 'sys/mounts/hostile-new', body: { type: 'kv', options: ['version', '2'] }, status: 400 },
  { family: 'sys/mounts/<path>', sent: 'config as a string', method: 'POST', path: 'sys/mounts/hostile-new', body: { type: 'kv', config: 'default_lease_ttl=1h' }, status: 400 },
  { family: 'sys/mounts/<path>', sent: 'config.default_lease_ttl that is not a duration', method: 'POST', path: 'sys/mounts/hostile-new', body: { type: 'kv', config: { default_lease_ttl: 'forever' } }, status: 400 },
  { family: 'sys/mounts/<path>', sent: 'an unknown engine type', method: 'POST', path: 'sys/mounts/hostile-new', body: { type: 'no-such-engine' }, status: 400 },
  { family: 'sys/mounts/<path>', sent: 'a path already mounted (secret/)', method: 'POST', path: 'sys/mounts/secret', body: { type: 'kv' }, status: 400, message: /already in use/ },
  { family: 'sys/mounts/<path>', sent: 'a path nested inside secret/', method: 'POST', path: 'sys/mounts/secret/inner', body: { type: 'kv' }, status: 400 },
  { family: 'sys/mounts/<path>', sent: 'the reserved path sys/', method: 'POST', path: 'sys/mounts/sys', body: { type: 'kv' }, status: 400 },
  { family: 'sys/mounts/<path>', sent: 'the reserved path cubbyhole/', method: 'POST', path: 'sys/mounts/cubbyhole', body: { type: 'kv' }, status: 400 },
  { family: 'sys/mounts/<path>', sent: 'a second cubbyhole (a built-in type)', method: 'POST', path: 'sys/mounts/hostile-cubby', body: { type: 'cubbyhole' }, status: 400, message: /mount type of "cubbyhole" is not mountable/ },
  { family: 'sys/auth/<path>', sent: 'a second token auth method (a built-in type)', method: 'POST', path: 'sys/auth/hostile-token', body: { type: 'token' }, status: 400, message: /not mountable|plugin not found/ },
  { family: 'sys/mounts/<path>', sent: 'unmount of sys/', method: 'DELETE', path: 'sys/mounts/sys', status: 400, message: /cannot unmount/ },
  { family: 'sys/mounts/<path>', sent: 'unmount of cubbyhole/', method: 'DELETE', path: 'sys/mounts/cubbyhole', status: 400, message: /cannot unmount/ },
  { family: 'sys/mounts/<path>/tune', sent: 'default_lease_ttl that is not a duration', method: 'POST', path: 'sys/mounts/secret/tune', body: { default_lease_ttl: 'soon' }, status: 400 },
  { family: 'sys/mounts/<path>/tune', sent: 'max_lease_ttl as an array', method: 'POST', path: 'sys/mounts/secret/tune', body: { max_lease_ttl: [3600] }, status: 400 },
  { family: 'sys/mounts/<path>/tune', sent: 'options as a string', method: 'POST', path: 'sys/mounts/hkv1/tune', body: { options: 'version=2' }, status: 400 },
  { family: 'sys/mounts/<path>/tune', sent: 'a mount that does not exist', method: 'POST', path: 'sys/mounts/no-such-mount/tune', body: { max_lease_ttl: '1h' }, status: 400 },

  // sys/policy, sys/policies/acl
  { family: 'sys/policy/<name>', sent: 'no policy text', method: 'PUT', path: 'sys/policy/hostile-fixture', body: {}, status: 400 },
  { family: 'sys/policy/<name>', sent: 'policy as an object', method: 'PUT', path: 'sys/policy/hostile-fixture', body: { policy: { path: { 'secret/*': { capabilities: ['read'] } } } }, status: 400 },
  { family: 'sys/policy/<name>', sent: 'policy as a number', method: 'PUT', path: 'sys/policy/hostile-fixture', body: { policy: 7 }, status: 400 },
  { family: 'sys/policy/<name>', sent: 'unterminated HCL', method: 'PUT', path: 'sys/policy/hostile-fixture', body: { policy: 'path "secret/*" {' }, status: 400 },
  { family: 'sys/policy/<name>', sent: 'an unknown capability', method: 'PUT', path: 'sys/policy/hostile-fixture', body: { policy: 'path "secret/*" {\n  capabilities = ["fly"]\n}\n' }, status: 400 },
  { family: 'sys/policy/<name>', sent: 'an update of the root policy', method: 'PUT', path: 'sys/policy/root', body: { policy: POLICY_TEXT }, status: 400, message: /root/ },
  { family: 'sys/policy/<name>', sent: 'a delete of the root policy', method: 'DELETE', path: 'sys/policy/root', status: 400, message: /root/ },
  { family: 'sys/policy/<name>', sent: 'a delete of the default policy', method: 'DELETE', path: 'sys/policy/default', status: 400, message: /default/ },
  { family: 'sys/policies/acl/<name>', sent: 'policy as an array', method: 'PUT', path: 'sys/policies/acl/hostile-fixture', body: { policy: ['path "x" {}'] }, status: 400 },
  { family: 'sys/policies/acl/<name>', sent: 'unterminated HCL', method: 'PUT', path: 'sys/policies/acl/hostile-new', body: { policy: 'path {' }, status: 400 },

  // sys/capabilities*
  { family: 'sys/capabilities', sent: 'paths as an object', method: 'POST', path: 'sys/capabilities', body: { token: 'x', paths: { a: 1 } }, status: 400 },
  { family: 'sys/capabilities', sent: 'a token that does not exist', method: 'POST', path: 'sys/capabilities', body: { token: 'hvs.never-issued', paths: ['secret/data/fixture'] }, status: '4xx' },
  { family: 'sys/capabilities-self', sent: 'paths as a number', method: 'POST', path: 'sys/capabilities-self', body: { paths: 12 }, status: '4xx' },
  { family: 'sys/capabilities-accessor', sent: 'an accessor that does not exist', method: 'POST', path: 'sys/capabilities-accessor', body: { accessor: 'never-issued', paths: ['secret/data/fixture'] }, status: 400 },
  { family: 'sys/capabilities-accessor', sent: 'accessor as an array', method: 'POST', path: 'sys/capabilities-accessor', body: { accessor: ['a', 'b'], paths: ['secret/data/fixture'] }, status: 400 },

  // auth/token/*
  { family: 'auth/token/create', sent: 'ttl that is not a duration', method: 'POST', path: 'auth/token/create', body: { ttl: 'forever' }, status: 400 },
  { family: 'auth/token/create', sent: 'num_uses as a word', method: 'POST', path: 'auth/token/create', body: { num_uses: 'many' }, status: 400 },
  { family: 'auth/token/create', sent: 'a negative num_uses', method: 'POST', path: 'auth/token/create', body: { num_uses: -1 }, status: 400 },
  { family: 'auth/token/create', sent: 'meta as an array', method: 'POST', path: 'auth/token/create', body: { meta: ['a', 'b'] }, status: 400 },
  { family: 'auth/token/create', sent: 'policies holding an object', method: 'POST', path: 'auth/token/create', body: { policies: [{ name: 'root' }] }, status: 400 },
  { family: 'auth/token/create', sent: 'renewable as "maybe"', method: 'POST', path: 'auth/token/create', body: { renewable: 'maybe' }, status: 400 },
  { family: 'auth/token/create', sent: 'explicit_max_ttl that is not a duration', method: 'POST', path: 'auth/token/create', body: { explicit_max_ttl: 'later' }, status: 400 },
  { family: 'auth/token/create', sent: 'period as an object', method: 'POST', path: 'auth/token/create', body: { period: { h: 1 } }, status: 400 },
  { family: 'auth/token/lookup', sent: 'token as an array', method: 'POST', path: 'auth/token/lookup', body: { token: ['a', 'b'] }, status: 400 },
  { family: 'auth/token/lookup', sent: 'a token that does not exist', method: 'POST', path: 'auth/token/lookup', body: { token: 'hvs.never-issued' }, status: '4xx' },
  { family: 'auth/token/lookup-accessor', sent: 'an accessor that does not exist', method: 'POST', path: 'auth/token/lookup-accessor', body: { accessor: 'never-issued' }, status: '4xx' },
  { family: 'auth/token/renew', sent: 'a token that does not exist', method: 'POST', path: 'auth/token/renew', body: { token: 'hvs.never-issued' }, status: '4xx' },
  { family: 'auth/token/renew', sent: 'increment that is not a duration', method: 'POST', path: 'auth/token/renew-self', body: { increment: 'a while' }, status: 400 },
  { family: 'auth/token/revoke', sent: 'no token', method: 'POST', path: 'auth/token/revoke', body: {}, status: 400 },
  { family: 'auth/token/revoke', sent: 'token as an object', method: 'POST', path: 'auth/token/revoke', body: { token: { id: 'x' } }, status: 400 },
  { family: 'auth/token/revoke-accessor', sent: 'accessor as an array', method: 'POST', path: 'auth/token/revoke-accessor', body: { accessor: ['a'] }, status: 400 },

  // sys/auth
  { family: 'sys/auth/<path>', sent: 'type as an array', method: 'POST', path: 'sys/auth/hostile-new', body: { type: ['userpass'] }, status: 400 },
  { family: 'sys/auth/<path>', sent: 'an unknown auth method type', method: 'POST', path: 'sys/auth/hostile-new', body: { type: 'no-such-method' }, status: 400 },
  { family: 'sys/auth/<path>', sent: 'a path already in use (approle/)', method: 'POST', path: 'sys/auth/approle', body: { type: 'approle' }, status: 400 },
  { family: 'sys/auth/<path>', sent: 'disabling the token method', method: 'DELETE', path: 'sys/auth/token', status: 400 },

  // Logins: refused without a token being made, an entity created, or a SecretID use spent.
  { family: 'auth/approle/login', sent: 'no role_id', method: 'POST', path: 'auth/approle/login', body: {}, as: 'none', status: 400 },
  { family: 'auth/approle/login', sent: 'role_id as an array', method: 'POST', path: 'auth/approle/login', body: { role_id: ['a'], secret_id: 'b' }, as: 'none', status: 400 },
  { family: 'auth/approle/login', sent: 'an unknown role_id and secret_id', method: 'POST', path: 'auth/approle/login', body: { role_id: 'never-issued', secret_id: 'never-issued' }, as: 'none', status: 400, message: /invalid role or secret ID/ },
  { family: 'auth/approle/login', sent: 'a 1 MiB secret_id', method: 'POST', path: 'auth/approle/login', body: { role_id: 'never-issued', secret_id: 'x'.repeat(1024 * 1024) }, as: 'none', status: 400 },
  { family: 'auth/userpass/login', sent: 'a wrong password', method: 'POST', path: 'auth/userpass/login/fixture', body: { password: 'wrong' }, as: 'none', status: 400, message: /invalid username or password/ },
  { family: 'auth/userpass/login', sent: 'an unknown user', method: 'POST', path: 'auth/userpass/login/nobody', body: { password: FIXTURE_PASSWORD }, as: 'none', status: 400, message: /invalid username or password/ },
  { family: 'auth/userpass/login', sent: 'password as an object', method: 'POST', path: 'auth/userpass/login/fixture', body: { password: { $ne: '' } }, as: 'none', status: 400 },
  { family: 'auth/userpass/login', sent: 'the right password with a garbage token attached', method: 'POST', path: 'auth/userpass/login/fixture', body: { password: 'wrong-again' }, as: 'garbage', status: 400 },
  { family: 'auth/jwt/login', sent: 'a JWT that is not a JWT', method: 'POST', path: 'auth/jwt/login', body: { role: 'fixture', jwt: 'not.a.jwt' }, as: 'none', status: 400 },
  { family: 'auth/jwt/login', sent: 'an unsigned JWT (alg none)', method: 'POST', path: 'auth/jwt/login', body: { role: 'fixture', jwt: UNSIGNED_JWT }, as: 'none', status: 400 },
  { family: 'auth/jwt/login', sent: 'an unknown role', method: 'POST', path: 'auth/jwt/login', body: { role: 'nope', jwt: UNSIGNED_JWT }, as: 'none', status: 400 },
  { family: 'auth/jwt/login', sent: 'jwt as a number', method: 'POST', path: 'auth/jwt/login', body: { role: 'fixture', jwt: 42 }, as: 'none', status: 400 },
  { family: 'auth/kubernetes/login', sent: 'an unsigned JWT (alg none)', method: 'POST', path: 'auth/kubernetes/login', body: { role: 'fixture', jwt: UNSIGNED_JWT }, as: 'none', status: '4xx' },
  { family: 'auth/kubernetes/login', sent: 'no jwt', method: 'POST', path: 'auth/kubernetes/login', body: { role: 'fixture' }, as: 'none', status: 400 },

  // Auth method configuration
  { family: 'auth/approle/role', sent: 'token_ttl that is not a duration', method: 'POST', path: 'auth/approle/role/fixture', body: { token_ttl: 'forever' }, status: 400 },
  { family: 'auth/approle/role', sent: 'a CIDR that is not one', method: 'POST', path: 'auth/approle/role/fixture', body: { secret_id_bound_cidrs: ['10.0.0.0/33'] }, status: 400 },
  { family: 'auth/approle/role', sent: 'batch tokens', method: 'POST', path: 'auth/approle/role/fixture', body: { token_type: 'batch' }, status: 400 },
  { family: 'auth/approle/role/secret-id', sent: 'metadata that is not JSON', method: 'POST', path: 'auth/approle/role/fixture/secret-id', body: { metadata: '{oops' }, status: 400 },
  { family: 'auth/userpass/users', sent: 'token_bound_cidrs holding a word', method: 'POST', path: 'auth/userpass/users/fixture', body: { token_bound_cidrs: ['office'] }, status: 400 },
  { family: 'auth/userpass/users', sent: 'token_ttl above token_max_ttl', method: 'POST', path: 'auth/userpass/users/fixture', body: { token_ttl: '2h', token_max_ttl: '1h' }, status: 400 },
  { family: 'auth/jwt/config', sent: 'a public key that is not PEM', method: 'POST', path: 'auth/jwt/config', body: { jwt_validation_pubkeys: ['not a key'] }, status: 400 },
  { family: 'auth/jwt/config', sent: '"none" among the supported algorithms', method: 'POST', path: 'auth/jwt/config', body: { jwt_validation_pubkeys: [], jwt_supported_algs: ['none'] }, status: 400 },
  { family: 'auth/kubernetes/config', sent: 'no kubernetes_host', method: 'POST', path: 'auth/kubernetes/config', body: {}, status: 400 },
  { family: 'auth/token/roles', sent: 'allowed_policies as an object', method: 'POST', path: 'auth/token/roles/fixture', body: { allowed_policies: { root: true } }, status: 400 },
  { family: 'auth/token/create/<role>', sent: 'a policy outside the role', method: 'POST', path: 'auth/token/create/fixture', body: { policies: ['root'] }, status: 400 },
  { family: 'auth/token/create/<role>', sent: 'a role that does not exist', method: 'POST', path: 'auth/token/create/nope', body: {}, status: 400 },
  { family: 'identity/entity', sent: 'the root policy', method: 'POST', path: 'identity/entity', body: { name: 'would-be-root', policies: ['root'] }, status: 400 },
  { family: 'identity/entity', sent: 'metadata as an array', method: 'POST', path: 'identity/entity', body: { name: 'x', metadata: ['a'] }, status: 400 },
  { family: 'identity/entity-alias', sent: 'a mount accessor that does not exist', method: 'POST', path: 'identity/entity-alias', body: { name: 'x', canonical_id: 'nope', mount_accessor: 'auth_nope_1' }, status: 400 },
  { family: 'identity/group', sent: 'an unknown member entity', method: 'POST', path: 'identity/group', body: { name: 'g', member_entity_ids: ['nope'] }, status: 400 },
  { family: 'identity/group', sent: 'an external group', method: 'POST', path: 'identity/group', body: { name: 'g', type: 'external' }, status: 400 },
  { family: 'identity/oidc/config', sent: 'an issuer with a path', method: 'POST', path: 'identity/oidc/config', body: { issuer: 'https://coffer.example/v1' }, status: 400, message: /invalid issuer/ },
  { family: 'identity/oidc/key', sent: 'HS256 (a shared secret) as the algorithm', method: 'POST', path: 'identity/oidc/key/fixture', body: { algorithm: 'HS256' }, status: 400, message: /unknown signing algorithm "HS256"/ },
  { family: 'identity/oidc/key', sent: 'a rotation_period under a minute', method: 'POST', path: 'identity/oidc/key/fixture', body: { rotation_period: 1 }, status: 400, message: /rotation_period must be at least one minute/ },
  { family: 'identity/oidc/key', sent: 'deleting the key a role uses', method: 'DELETE', path: 'identity/oidc/key/fixture', status: 400, message: /currently referenced by these roles: fixture/ },
  { family: 'identity/oidc/role', sent: 'a template setting the subject', method: 'POST', path: 'identity/oidc/role/fixture', body: { template: '{"sub": "root"}' }, status: 400, message: /top level key "sub" not allowed/ },
  { family: 'identity/oidc/token', sent: 'a token without an entity (root)', method: 'GET', path: 'identity/oidc/token/fixture', status: 400, message: /no entity associated with the request's token/ },

  // secret/ (KV v2)
  { family: 'secret/data', sent: 'no data', method: 'POST', path: 'secret/data/fixture', body: {}, status: 400, message: /no data provided/ },
  { family: 'secret/data', sent: 'data as a string', method: 'POST', path: 'secret/data/fixture', body: { data: 'password=hunter2' }, status: 400 },
  { family: 'secret/data', sent: 'data as an array', method: 'POST', path: 'secret/data/fixture', body: { data: ['a', 'b'] }, status: 400 },
  { family: 'secret/data', sent: 'options as a string', method: 'POST', path: 'secret/data/fixture', body: { data: { a: '1' }, options: 'cas=2' }, status: 400 },
  { family: 'secret/data', sent: 'cas as a word', method: 'POST', path: 'secret/data/fixture', body: { data: { a: '1' }, options: { cas: 'two' } }, status: 400 },
  { family: 'secret/data', sent: 'a stale cas (0 on an existing secret)', method: 'POST', path: 'secret/data/fixture', body: { data: { a: '1' }, options: { cas: 0 } }, status: 400, message: /check-and-set parameter did not match the current version/ },
  { family: 'secret/data', sent: 'version=abc on read', method: 'GET', path: 'secret/data/fixture?version=abc', status: 400 },
  { family: 'secret/data', sent: 'a version that never existed', method: 'GET', path: 'secret/data/fixture?version=99', status: 404 },
  { family: 'secret/data', sent: 'PATCH with Content-Type application/json', method: 'PATCH', path: 'secret/data/fixture', body: { data: { a: '1' } }, headers: { 'Content-Type': 'application/json' }, status: 415 },
  { family: 'secret/data', sent: 'PATCH with data as a string', method: 'PATCH', path: 'secret/data/fixture', body: { data: 'x' }, headers: { 'Content-Type': 'application/merge-patch+json' }, status: 400 },
  { family: 'secret/data', sent: 'PATCH of a secret that does not exist', method: 'PATCH', path: 'secret/data/never-written', body: { data: { a: '1' } }, headers: { 'Content-Type': 'application/merge-patch+json' }, status: 404 },
  { family: 'secret/metadata', sent: 'max_versions as a word', method: 'POST', path: 'secret/metadata/fixture', body: { max_versions: 'ten' }, status: 400 },
  { family: 'secret/metadata', sent: 'cas_required as "perhaps"', method: 'POST', path: 'secret/metadata/fixture', body: { cas_required: 'perhaps' }, status: 400 },
  { family: 'secret/metadata', sent: 'delete_version_after that is not a duration', method: 'POST', path: 'secret/metadata/fixture', body: { delete_version_after: 'eventually' }, status: 400 },
  { family: 'secret/metadata', sent: 'custom_metadata as an array', method: 'POST', path: 'secret/metadata/fixture', body: { custom_metadata: ['a'] }, status: 400 },
  { family: 'secret/metadata', sent: 'custom_metadata with a nested object', method: 'POST', path: 'secret/metadata/fixture', body: { custom_metadata: { owner: { name: 'x' } } }, status: 400 },
  { family: 'secret/metadata', sent: 'custom_metadata with 65 keys', method: 'POST', path: 'secret/metadata/fixture', body: { custom_metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }, status: 400 },
  { family: 'secret/metadata', sent: 'custom_metadata with a 129-byte key', method: 'POST', path: 'secret/metadata/fixture', body: { custom_metadata: { ['k'.repeat(129)]: 'v' } }, status: 400 },
  { family: 'secret/delete', sent: 'no versions', method: 'POST', path: 'secret/delete/fixture', body: {}, status: 400 },
  { family: 'secret/delete', sent: 'versions as a word', method: 'POST', path: 'secret/delete/fixture', body: { versions: 'all' }, status: 400 },
  { family: 'secret/undelete', sent: 'no versions', method: 'POST', path: 'secret/undelete/fixture', body: {}, status: 400 },
  { family: 'secret/undelete', sent: 'versions holding words', method: 'POST', path: 'secret/undelete/fixture', body: { versions: ['one'] }, status: 400 },
  { family: 'secret/destroy', sent: 'no versions', method: 'PUT', path: 'secret/destroy/fixture', body: {}, status: 400 },
  { family: 'secret/destroy', sent: 'versions as an object', method: 'PUT', path: 'secret/destroy/fixture', body: { versions: { 1: true } }, status: 400 },
  { family: 'secret/subkeys', sent: 'depth=abc', method: 'GET', path: 'secret/subkeys/fixture?depth=abc', status: 400 },
  { family: 'secret/subkeys', sent: 'a secret that does not exist', method: 'GET', path: 'secret/subkeys/never-written', status: 404 },
  { family: 'secret/config', sent: 'max_versions as a word', method: 'POST', path: 'secret/config', body: { max_versions: 'ten' }, status: 400 },
  { family: 'secret/config', sent: 'cas_required as "sometimes"', method: 'POST', path: 'secret/config', body: { cas_required: 'sometimes' }, status: 400 },
  { family: 'secret/config', sent: 'delete_version_after that is not a duration', method: 'POST', path: 'secret/config', body: { delete_version_after: 'later' }, status: 400 },

  // hkv1/ (KV v1) and cubbyhole/
  { family: 'kv v1', sent: 'an empty object', method: 'POST', path: 'hkv1/fixture', body: {}, status: 400 },
  { family: 'kv v1', sent: 'a read of a secret that does not exist', method: 'GET', path: 'hkv1/never-written', status: 404 },
  { family: 'cubbyhole', sent: 'an empty object', method: 'POST', path: 'cubbyhole/fixture', body: {}, status: 400 },
  { family: 'cubbyhole', sent: 'a JSON array as the body', method: 'POST', path: 'cubbyhole/fixture', rawBody: '[{"a": "b"}]', status: 400, message: JSON_SHAPE },
  { family: 'cubbyhole', sent: 'a read of a secret that does not exist', method: 'GET', path: 'cubbyhole/never-written', status: 404 },

  // Paths that try to climb out of their mount. Vault's Go router never lets ".." reach a backend.
  { family: 'path traversal', sent: '"secret/data/../../sys/mounts/<new>" mount request', method: 'POST', path: 'secret/data/../../sys/mounts/hostile-new', body: { type: 'kv' }, status: '4xx' },
  { family: 'path traversal', sent: '"%2e%2e" segments to sys/mounts/<new>', method: 'POST', path: 'secret/data/%2e%2e/%2e%2e/sys/mounts/hostile-new', body: { type: 'kv' }, status: '4xx' },
  { family: 'path traversal', sent: '"%2E%2E%2F" with encoded slashes to sys/policy', method: 'PUT', path: 'secret/data/%2E%2E%2F%2E%2E%2Fsys%2Fpolicy%2Fhostile-fixture', body: { policy: POLICY_TEXT }, status: '4xx' },
  { family: 'path traversal', sent: '"./" and ".." inside a kv v1 delete', method: 'DELETE', path: 'hkv1/./x/../fixture', status: '4xx' },
  { family: 'path traversal', sent: '".." that would overwrite the fixture from a sibling', method: 'POST', path: 'secret/data/other/../fixture', body: { data: { planted: 'yes' } }, status: '4xx' },

  // NUL bytes: a path must never be cut short at a NUL and hit another secret.
  { family: 'NUL bytes', sent: 'a NUL byte ending a v2 path (fixture%00)', method: 'DELETE', path: 'secret/metadata/fixture%00', status: '4xx' },
  { family: 'NUL bytes', sent: 'a NUL byte inside a v1 path (fixture%00x)', method: 'DELETE', path: 'hkv1/fixture%00x', status: '4xx' },
  { family: 'NUL bytes', sent: 'a NUL byte inside a policy name', method: 'DELETE', path: 'sys/policy/hostile-fixture%00', status: '4xx' },
  { family: 'NUL bytes', sent: 'a NUL byte inside a mount path', method: 'DELETE', path: 'sys/mounts/hkv1%00', status: '4xx' },
];

/** Methods a path does not serve. */
const wrongMethodCases: HostileCase[] = [
  { family: 'wrong method', sent: 'PATCH on sys/mounts', method: 'PATCH', path: 'sys/mounts', body: {}, headers: { 'Content-Type': 'application/merge-patch+json' }, status: 405, message: /unsupported operation/ },
  { family: 'wrong method', sent: 'DELETE on sys/health', method: 'DELETE', path: 'sys/health', status: 405 },
  { family: 'wrong method', sent: 'POST on sys/policy (the list)', method: 'POST', path: 'sys/policy', body: { policy: POLICY_TEXT }, status: 405, message: /unsupported operation/ },
  { family: 'wrong method', sent: 'DELETE on sys/policies/acl (the list)', method: 'DELETE', path: 'sys/policies/acl', status: 405, message: /unsupported operation/ },
  { family: 'wrong method', sent: 'DELETE on secret/subkeys/fixture', method: 'DELETE', path: 'secret/subkeys/fixture', status: 405, message: /unsupported operation/ },
  { family: 'wrong method', sent: 'GET on secret/destroy/fixture', method: 'GET', path: 'secret/destroy/fixture', status: 405, message: /unsupported operation/ },
  { family: 'wrong method', sent: 'DELETE on auth/token/create', method: 'DELETE', path: 'auth/token/create', status: 405, message: /unsupported operation/ },
];

/** Paths nothing serves. */
const unknownPathCases: HostileCase[] = [
  { family: 'unknown path', sent: 'a mount that does not exist', method: 'GET', path: 'no-such-mount/thing', status: 404 },
  { family: 'unknown path', sent: 'an unknown sys/ path', method: 'GET', path: 'sys/no-such-endpoint', status: 404 },
  { family: 'unknown path', sent: 'an unknown auth/token/ path', method: 'POST', path: 'auth/token/no-such-endpoint', body: {}, status: 404 },
];

/** Every hostile request, in table order. */
export const hostileCases: readonly HostileCase[] = [
  ...credentialCases,
  ...limitedTokenCases,
  ...badInputCases,
  ...wrongMethodCases,
  ...unknownPathCases,
];

