/**
 * A token as stored (JSON, inside the barrier). Neither the token nor anything it can be derived
 * from is stored: `id` is HMAC-SHA256(salt, token). The accessor is not a secret in Vault (it can
 * only look up, renew and revoke) and lookups return it, so it is kept in clear here.
 */
export interface TokenEntry {
  /** HMAC-SHA256(salt, token), hex. */
  id: string;
  accessor: string;
  /** The parent's id; absent for orphans. */
  parentId?: string;
  /** Sanitized: lowercase, sorted, deduplicated. */
  policies: string[];
  meta: Record<string, string>;
  displayName: string;
  /** Uses left; 0 = unlimited; -1 = revocation pending (last use consumed, or being revoked). */
  numUses: number;
  /** Unix seconds. */
  creationTime: number;
  /** Unix ms of creation. */
  issueTime: number;
  /** TTL given at creation, seconds; 0 = never expires (root tokens only). */
  ttl: number;
  explicitMaxTtl: number;
  period: number;
  renewable: boolean;
  /** Path that created it, e.g. "auth/token/create". */
  path: string;
  entityId: string;
  orphan: boolean;
  type: 'service';
  /** Unix ms; 0 = never. */
  expireTime: number;
  /** Unix ms of the last renewal; 0 = never renewed. */
  lastRenewalTime: number;
  /** Unix ms at which revocation became pending (numUses -1), so tidy can finish abandoned ones. */
  revokePendingSince?: number;
  /** The token may only be used from these CIDR blocks (token_bound_cidrs); absent or empty: anywhere. */
  boundCidrs?: string[];
  /** Seconds: a ceiling below the system max for creation and renewals (a login's role or mount max TTL). */
  maxTtl?: number;
  /** The token role it was created against (auth/token/create/<role>); renewals follow that role. */
  role?: string;
  /** Set on tokens made by a login: renewals ask the issuing mount (by accessor) first. Never shown. */
  login?: LoginOrigin;
  /** The namespace it was made in; absent for the root. It works there and in the namespaces below. */
  namespaceId?: string;
}

/** Where a login token came from: the issuing auth mount and the data only that method sees again. */
export interface LoginOrigin {
  mountAccessor: string;
  internal: Record<string, string>;
}

/** Marks a token that may no longer be used (Vault's tokenRevocationPending). */
export const REVOCATION_PENDING = -1;

/** Longest parent chain followed; a longer one means corrupted links and the token is refused. */
export const MAX_DEPTH = 256;

/** Whether the token's TTL has run out at `nowMs` (tokens with expireTime 0 never expire). */
export function isExpired(entry: TokenEntry, nowMs: number): boolean {
  return entry.expireTime !== 0 && nowMs >= entry.expireTime;
}

/** The entry marked revocation-pending at `nowMs`: no request can use it any more. */
export function markedPending(entry: TokenEntry, nowMs: number): TokenEntry {
  return { ...entry, numUses: REVOCATION_PENDING, revokePendingSince: nowMs };
}
