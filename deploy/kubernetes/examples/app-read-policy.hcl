# Policy "app-read": what both example apps may read.
# Written with: coffer policy write app-read app-read-policy.hcl
path "secret/data/app/*" {
  capabilities = ["read"]
}
