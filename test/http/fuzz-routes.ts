/**
 * The routes fuzz.test.ts drives, one row per route Coffer serves (grouped by family), and what a
 * caller without a grant may legitimately get from each. Fixtures are those of hostile.test.ts
 * (see hostile-cases.ts), plus the `fuzz/` file audit device.
 */

/**
 * Who can get past the ACL of a route:
 * - 'policy': only a token whose policy names the path; none of the fuzz credentials has one, so
 *   every request that reaches the pipeline must be refused.
 * - 'default-policy': the default policy grants it, so the limited token is not sent there (its
 *   own cubbyhole and self-management are legitimately writable by it).
 * - 'unauthenticated': logins and self-served wrapping calls: anyone may call, and random input
 *   can never be a valid credential or wrapping token, so the answer is still a 4xx.
 * - 'status': sys/health and friends, served before the pipeline (not audited), may answer 2xx.
 * - 'public': unauthenticated reads meant for anyone (the identity token issuer's discovery
 *   document and key set): they may answer 2xx, audited like any request, and change nothing.
 */
export type Access = 'policy' | 'default-policy' | 'unauthenticated' | 'status' | 'public';

export interface FuzzRoute {
  family: string;
  /** After /v1/, without a suffix. */
  path: string;
  /** Methods the route serves ("LIST" is sent as the LIST verb). */
  methods: readonly string[];
  /** Body field names the route reads: the generator gives them values of every wrong type. */
  fields: readonly string[];
  access: Access;
}

const TOKEN_FIELDS = ['token_policies', 'token_ttl', 'token_max_ttl', 'token_bound_cidrs', 'token_num_uses', 'token_period', 'token_type', 'policies'];

const row = (family: string, path: string, methods: string, fields: readonly string[] = [], access: Access = 'policy'): FuzzRoute => ({
  family,
  path,
  methods: methods.split(' '),
  fields,
  access,
});

export const fuzzRoutes: readonly FuzzRoute[] = [
  // sys/*
  row('sys/mounts', 'sys/mounts', 'GET'),
  row('sys/mounts', 'sys/mounts/fuzz-new', 'POST DELETE', ['type', 'description', 'config', 'options', 'local', 'seal_wrap']),
  row('sys/mounts', 'sys/mounts/hkv1', 'POST DELETE', ['type', 'options']),
  row('sys/mounts', 'sys/mounts/secret/tune', 'GET POST', ['default_lease_ttl', 'max_lease_ttl', 'description', 'options', 'listing_visibility']),
  row('sys/auth', 'sys/auth', 'GET'),
  row('sys/auth', 'sys/auth/fuzz-new', 'POST DELETE', ['type', 'description', 'config', 'local']),
  row('sys/auth', 'sys/auth/approle', 'DELETE'),
  row('sys/auth', 'sys/auth/userpass/tune', 'GET POST', ['default_lease_ttl', 'max_lease_ttl', 'listing_visibility']),
  row('sys/policy', 'sys/policy', 'GET'),
  row('sys/policy', 'sys/policy/hostile-fixture', 'GET PUT DELETE', ['policy', 'rules']),
  row('sys/policy', 'sys/policy/default', 'PUT DELETE', ['policy']),
  row('sys/policies/acl', 'sys/policies/acl', 'LIST'),
  row('sys/policies/acl', 'sys/policies/acl/fuzz-new', 'GET PUT DELETE', ['policy']),
  row('sys/capabilities', 'sys/capabilities', 'POST', ['token', 'paths', 'path']),
  row('sys/capabilities', 'sys/capabilities-accessor', 'POST', ['accessor', 'paths', 'path']),
  row('sys/capabilities', 'sys/capabilities-self', 'POST', ['paths', 'path'], 'default-policy'),
  row('sys/audit', 'sys/audit', 'GET'),
  row('sys/audit', 'sys/audit/fuzz', 'PUT DELETE', ['type', 'description', 'options', 'local']),
  row('sys/audit', 'sys/audit/fuzz-new', 'PUT', ['type', 'description', 'options', 'local']),
  row('sys/audit', 'sys/audit-hash/fuzz', 'POST', ['input']),
  row('sys/quotas', 'sys/quotas/config', 'GET POST', ['enable_rate_limit_audit_logging', 'rate_limit_exempt_paths', 'enable_rate_limit_response_headers']),
  row('sys/quotas', 'sys/quotas/rate-limit', 'LIST'),
  row('sys/quotas', 'sys/quotas/rate-limit/fuzz-new', 'GET POST DELETE', ['rate', 'interval', 'block_interval', 'path', 'role']),
  row('sys/metrics', 'sys/metrics', 'GET', ['format']),
  row('sys/loggers', 'sys/loggers', 'GET POST DELETE', ['level']),
  row('sys/loggers', 'sys/loggers/core', 'GET POST DELETE', ['level']),
  row('sys/internal', 'sys/internal/ui/mounts/secret', 'GET'),
  row('sys/seal', 'sys/seal', 'PUT'),
  row('sys/wrapping', 'sys/wrapping/wrap', 'POST', ['data', 'secret'], 'default-policy'),
  row('sys/wrapping', 'sys/wrapping/unwrap', 'POST', ['token'], 'unauthenticated'),
  row('sys/wrapping', 'sys/wrapping/lookup', 'POST', ['token'], 'unauthenticated'),
  row('sys/wrapping', 'sys/wrapping/rewrap', 'POST', ['token']),
  row('sys/status', 'sys/health', 'GET HEAD', ['standbyok', 'perfstandbyok'], 'status'),
  row('sys/status', 'sys/seal-status', 'GET', [], 'status'),
  row('sys/status', 'sys/leader', 'GET', [], 'status'),
  row('sys/status', 'sys/init', 'GET PUT', ['secret_shares', 'secret_threshold', 'stored_shares', 'recovery_shares'], 'status'),

  // auth/token/*
  row('auth/token', 'auth/token/create', 'POST', ['policies', 'ttl', 'num_uses', 'meta', 'renewable', 'explicit_max_ttl', 'period', 'no_parent', 'display_name', 'id', 'type']),
  row('auth/token', 'auth/token/create-orphan', 'POST', ['policies', 'ttl', 'period', 'id']),
  row('auth/token', 'auth/token/create/fixture', 'POST', ['policies', 'ttl', 'num_uses']),
  row('auth/token', 'auth/token/lookup', 'GET POST', ['token']),
  row('auth/token', 'auth/token/lookup-accessor', 'POST', ['accessor']),
  row('auth/token', 'auth/token/renew', 'POST', ['token', 'increment']),
  row('auth/token', 'auth/token/renew-accessor', 'POST', ['accessor', 'increment']),
  row('auth/token', 'auth/token/revoke', 'POST', ['token']),
  row('auth/token', 'auth/token/revoke-accessor', 'POST', ['accessor']),
  row('auth/token', 'auth/token/revoke-orphan', 'POST', ['token']),
  row('auth/token', 'auth/token/accessors', 'LIST'),
  row('auth/token', 'auth/token/roles', 'LIST'),
  row('auth/token', 'auth/token/roles/fixture', 'GET POST DELETE', ['allowed_policies', 'disallowed_policies', 'orphan', 'renewable', 'path_suffix', 'token_explicit_max_ttl', ...TOKEN_FIELDS]),
  row('auth/token', 'auth/token/tidy', 'POST'),
  row('auth/token', 'auth/token/lookup-self', 'GET', [], 'default-policy'),
  row('auth/token', 'auth/token/renew-self', 'POST', ['increment'], 'default-policy'),
  row('auth/token', 'auth/token/revoke-self', 'POST', [], 'default-policy'),

  // auth/approle/*
  row('auth/approle', 'auth/approle/role', 'LIST'),
  row('auth/approle', 'auth/approle/role/fixture', 'GET POST DELETE', ['bind_secret_id', 'secret_id_bound_cidrs', 'secret_id_num_uses', 'secret_id_ttl', ...TOKEN_FIELDS]),
  row('auth/approle', 'auth/approle/role/fixture/role-id', 'GET POST', ['role_id']),
  row('auth/approle', 'auth/approle/role/fixture/policies', 'GET POST DELETE', ['token_policies', 'policies']),
  row('auth/approle', 'auth/approle/role/fixture/secret-id', 'POST LIST', ['metadata', 'cidr_list', 'token_bound_cidrs', 'ttl', 'num_uses']),
  row('auth/approle', 'auth/approle/role/fixture/custom-secret-id', 'POST', ['secret_id', 'metadata', 'cidr_list']),
  row('auth/approle', 'auth/approle/role/fixture/secret-id/lookup', 'POST', ['secret_id']),
  row('auth/approle', 'auth/approle/role/fixture/secret-id/destroy', 'POST DELETE', ['secret_id']),
  row('auth/approle', 'auth/approle/role/fixture/secret-id-accessor/destroy', 'POST DELETE', ['secret_id_accessor']),
  row('auth/approle', 'auth/approle/tidy/secret-id', 'POST'),
  row('auth/approle', 'auth/approle/login', 'POST', ['role_id', 'secret_id'], 'unauthenticated'),

  // auth/userpass/*
  row('auth/userpass', 'auth/userpass/users', 'LIST'),
  row('auth/userpass', 'auth/userpass/users/fixture', 'GET POST DELETE', ['password', ...TOKEN_FIELDS]),
  row('auth/userpass', 'auth/userpass/users/fixture/password', 'POST', ['password']),
  row('auth/userpass', 'auth/userpass/users/fixture/policies', 'POST', ['token_policies', 'policies']),
  row('auth/userpass', 'auth/userpass/users/fixture/mfa/totp', 'GET POST DELETE', ['issuer', 'period', 'digits', 'algorithm']),
  row('auth/userpass', 'auth/userpass/login/fixture', 'POST', ['password', 'totp', 'passcode'], 'unauthenticated'),

  // auth/jwt/*
  row('auth/jwt', 'auth/jwt/config', 'GET POST', ['jwks_url', 'jwt_validation_pubkeys', 'jwt_supported_algs', 'bound_issuer', 'oidc_discovery_url', 'default_role']),
  row('auth/jwt', 'auth/jwt/role', 'LIST'),
  row('auth/jwt', 'auth/jwt/role/fixture', 'GET POST DELETE', ['role_type', 'user_claim', 'bound_audiences', 'bound_claims', 'bound_subject', 'claim_mappings', 'groups_claim', ...TOKEN_FIELDS]),
  row('auth/jwt', 'auth/jwt/login', 'POST', ['role', 'jwt'], 'unauthenticated'),

  // auth/kubernetes/*
  row('auth/kubernetes', 'auth/kubernetes/config', 'GET POST', ['kubernetes_host', 'kubernetes_ca_cert', 'token_reviewer_jwt', 'pem_keys', 'issuer']),
  row('auth/kubernetes', 'auth/kubernetes/role', 'LIST'),
  row('auth/kubernetes', 'auth/kubernetes/role/fixture', 'GET POST DELETE', ['bound_service_account_names', 'bound_service_account_namespaces', 'audience', 'alias_name_source', ...TOKEN_FIELDS]),
  row('auth/kubernetes', 'auth/kubernetes/login', 'POST', ['role', 'jwt'], 'unauthenticated'),

  // identity/*
  row('identity', 'identity/entity', 'POST', ['name', 'id', 'metadata', 'policies', 'disabled']),
  row('identity', 'identity/entity/id', 'LIST'),
  row('identity', 'identity/entity/name/fixture', 'GET POST DELETE', ['metadata', 'policies', 'disabled']),
  row('identity', 'identity/entity-alias', 'POST', ['name', 'canonical_id', 'mount_accessor', 'custom_metadata']),
  row('identity', 'identity/group', 'POST', ['name', 'id', 'type', 'policies', 'member_entity_ids', 'member_group_ids', 'metadata']),
  row('identity', 'identity/group/id', 'LIST'),
  row('identity', 'identity/lookup/entity', 'POST', ['name', 'id', 'alias_id', 'alias_name', 'alias_mount_accessor']),
  row('identity', 'identity/lookup/group', 'POST', ['name', 'id', 'alias_id']),
  row('identity/oidc', 'identity/oidc/config', 'GET POST', ['issuer']),
  row('identity/oidc', 'identity/oidc/key', 'LIST'),
  row('identity/oidc', 'identity/oidc/key/fixture', 'GET POST DELETE', ['rotation_period', 'verification_ttl', 'allowed_client_ids', 'algorithm']),
  row('identity/oidc', 'identity/oidc/key/fixture/rotate', 'POST', ['verification_ttl']),
  row('identity/oidc', 'identity/oidc/role', 'LIST'),
  row('identity/oidc', 'identity/oidc/role/fixture', 'GET POST DELETE', ['key', 'template', 'ttl', 'client_id']),
  row('identity/oidc', 'identity/oidc/token/fixture', 'GET'),
  row('identity/oidc', 'identity/oidc/introspect', 'POST', ['token', 'client_id']),
  row('identity/oidc', 'identity/oidc/.well-known/openid-configuration', 'GET', [], 'public'),
  row('identity/oidc', 'identity/oidc/.well-known/keys', 'GET', [], 'public'),

  // secret/ (KV v2)
  row('kv v2', 'secret/data/fixture', 'GET POST PUT PATCH DELETE', ['data', 'options', 'version']),
  row('kv v2', 'secret/metadata/fixture', 'GET POST PATCH DELETE', ['max_versions', 'cas_required', 'delete_version_after', 'custom_metadata']),
  row('kv v2', 'secret/metadata', 'LIST'),
  row('kv v2', 'secret/delete/fixture', 'POST', ['versions']),
  row('kv v2', 'secret/undelete/fixture', 'POST', ['versions']),
  row('kv v2', 'secret/destroy/fixture', 'PUT', ['versions']),
  row('kv v2', 'secret/subkeys/fixture', 'GET', ['depth', 'version']),
  row('kv v2', 'secret/config', 'GET POST', ['max_versions', 'cas_required', 'delete_version_after']),

  // hkv1/ (KV v1) and cubbyhole/
  row('kv v1', 'hkv1/fixture', 'GET POST PUT DELETE', ['user', 'password', 'ttl']),
  row('kv v1', 'hkv1', 'LIST'),
  row('cubbyhole', 'cubbyhole/fixture', 'GET POST DELETE', ['note'], 'default-policy'),
  row('cubbyhole', 'cubbyhole', 'LIST', [], 'default-policy'),
];

/**
 * Routes with an existence check (create vs update): their writes validate fields before the ACL,
 * as in Vault, so a caller without a grant may get the 400 of bad input before the 403.
 */
export const validatedBeforeAcl: ReadonlySet<string> = new Set([
  'auth/token/roles/fixture',
  'auth/approle/role/fixture',
  'auth/userpass/users/fixture',
  'auth/jwt/role/fixture',
  'auth/kubernetes/role/fixture',
  'identity/oidc/key/fixture',
  'identity/oidc/role/fixture',
  'secret/data/fixture',
  'secret/metadata/fixture',
  'hkv1/fixture',
]);
