// Policies every Coffer has. The default policy grants what Vault's default policy grants, minus
// the enterprise-only control-group path.

/** Name of the policy carried by response-wrapping tokens; built in, immutable, not listed. */
export const RESPONSE_WRAPPING_POLICY = 'response-wrapping';

/** The text of the default policy as first written. */
export const DEFAULT_POLICY_TEXT = `# The default policy: what any token may do for and about itself.

# Read its own properties, renew itself, revoke itself.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# Ask what it may do on a path.
path "sys/capabilities-self" {
  capabilities = ["update"]
}

# See the ACL that results from all its policies (used by UIs).
path "sys/internal/ui/resultant-acl" {
  capabilities = ["read"]
}

# Renew and look up leases whose id it knows.
path "sys/renew" {
  capabilities = ["update"]
}
path "sys/leases/renew" {
  capabilities = ["update"]
}
path "sys/leases/lookup" {
  capabilities = ["update"]
}

# Its own private cubbyhole.
path "cubbyhole/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

# Response wrapping: wrap any value, inspect and unwrap a wrapping token.
path "sys/wrapping/wrap" {
  capabilities = ["update"]
}
path "sys/wrapping/lookup" {
  capabilities = ["update"]
}
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}

# Hashing tools.
path "sys/tools/hash" {
  capabilities = ["update"]
}
path "sys/tools/hash/*" {
  capabilities = ["update"]
}

# Look up its own entity, by id or by name.
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}

# Authorize requests to an OIDC provider.
path "identity/oidc/provider/+/authorize" {
  capabilities = ["read", "update"]
}
`;

/** What a wrapping token may do: read the response out of its cubbyhole, and unwrap. */
export const RESPONSE_WRAPPING_POLICY_TEXT = `path "cubbyhole/response" {
  capabilities = ["create", "read"]
}
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}
`;
