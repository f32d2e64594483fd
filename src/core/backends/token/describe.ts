import { metadataOf } from '../../token/auth-block.js';
import { REVOCATION_PENDING, type TokenEntry, type TokenStore } from '../../token/index.js';

const rfc3339 = (ms: number) => new Date(ms).toISOString();

/**
 * The `data` of auth/token/lookup*, shaped as Vault's: `id` is the token as the caller gave it
 * ("" when looked up by accessor); the parent is never revealed.
 */
export function lookupData(store: TokenStore, entry: TokenEntry, id: string, namespacePath = ''): Record<string, unknown> {
  const expires = entry.expireTime !== 0;
  const data: Record<string, unknown> = {
    accessor: entry.accessor,
    creation_time: entry.creationTime,
    creation_ttl: entry.ttl,
    display_name: entry.displayName,
    entity_id: entry.entityId,
    expire_time: expires ? rfc3339(entry.expireTime) : null,
    explicit_max_ttl: entry.explicitMaxTtl,
    id,
    issue_time: rfc3339(entry.issueTime),
    meta: metadataOf(entry),
    // A token serving its last use has none left.
    num_uses: entry.numUses === REVOCATION_PENDING ? 0 : entry.numUses,
    orphan: entry.orphan,
    path: entry.path,
    policies: entry.policies,
    renewable: expires && entry.renewable,
    ttl: store.remainingTtl(entry),
    type: entry.type,
  };
  // Vault names the token's namespace; a root token's is the root's ("").
  if (namespacePath !== '') data.namespace_path = namespacePath;
  if (entry.role) data.role = entry.role;
  if (entry.period !== 0) data.period = entry.period;
  if (entry.boundCidrs?.length) data.bound_cidrs = describeCidrs(entry.boundCidrs);
  if (entry.lastRenewalTime !== 0) {
    data.last_renewal_time = Math.floor(entry.lastRenewalTime / 1000);
    data.last_renewal = rfc3339(entry.lastRenewalTime);
  }
  return data;
}

/**
 * CIDR blocks as Vault answers them (go-sockaddr's String): a single address without its /32 or
 * /128, anything wider as address/bits.
 */
export function describeCidrs(blocks: readonly string[]): string[] {
  return blocks.map((block) => block.replace(/^([^:]+)\/32$/, '$1').replace(/^(.*:.*)\/128$/, '$1'));
}

export { authBlock } from '../../token/auth-block.js';
