# Policy "coffer-injector": what the injector's own Coffer token may do.
# Written with: coffer policy write coffer-injector coffer-injector-policy.hcl

# Mint the token of a pod in wrapped-token mode (token role app-token). Always wrapped: the
# injector only ever hands a wrapping token to the pod, so a leaked injector token cannot mint a
# token in the clear.
path "auth/token/create/app-token" {
  capabilities     = ["update"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = "1h"
}

# Check its own token (TTL, policies) before relying on it.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
