import type { AuthResponse } from '../../framework/types.js';
import { REVOCATION_PENDING, type TokenEntry } from './entry.js';
import { sanitizePolicies } from '../../framework/policy-names.js';

/**
 * The `auth` block of logins, token create and renew responses. `policies` is the token's own
 * policies plus those its identity grants (Vault's identity_policies), which are listed apart.
 */
export function authBlock(entry: TokenEntry, clientToken: string, leaseDuration: number, identityPolicies: string[] = []): AuthResponse {
  const block: AuthResponse = {
    client_token: clientToken,
    accessor: entry.accessor,
    policies: identityPolicies.length > 0 ? sanitizePolicies([...entry.policies, ...identityPolicies], false) : entry.policies,
    token_policies: entry.policies,
    metadata: metadataOf(entry),
    lease_duration: leaseDuration,
    renewable: entry.expireTime !== 0 && entry.renewable,
    entity_id: entry.entityId,
    token_type: entry.type,
    orphan: entry.orphan,
    num_uses: entry.numUses === REVOCATION_PENDING ? 0 : entry.numUses,
    mfa_requirement: null,
  };
  if (identityPolicies.length > 0) block.identity_policies = identityPolicies;
  return block;
}

/** Vault stores no map for tokens created without metadata and renders it as null. */
export function metadataOf(entry: TokenEntry): Record<string, string> | null {
  return Object.keys(entry.meta).length > 0 ? entry.meta : null;
}
