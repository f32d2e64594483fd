import { createHash } from 'node:crypto';

/** One lease as stored (under the barrier, so `internal` is encrypted at rest like every entry). */
export interface LeaseEntry {
  /** `<mount path><request path>/<random>`, as in Vault: readable, and listable by prefix. */
  id: string;
  /** The request path that created it, e.g. "database/creds/readonly". */
  path: string;
  mountUuid: string;
  mountAccessor: string;
  /** The mount path when the lease was made, for counts per mount (a remount keeps the uuid). */
  mountPath: string;
  /** The namespace of the mount (absent: the root's), for what sys/leases shows in each namespace. */
  namespaceId?: string;
  /** Which of the backend's secret types revokes it. */
  secretType: string;
  internal: Record<string, string | number | boolean>;
  /** The salted id of the token that created it: revoking that token revokes this lease. */
  tokenId: string;
  /** Unix ms. */
  issueTime: number;
  expireTime: number;
  lastRenewalTime?: number;
  renewable: boolean;
  /** Failed revocations so far; the next attempt is at `expireTime` (moved on each failure). */
  revokeAttempts?: number;
  /** Set once revocation has failed too often: kept, shown by lookup, and cleared only by revoke-force. */
  irrevocable?: { since: number; error: string };
}

/**
 * Storage layout of the expiration manager (inside the barrier, under the core's `leases/`):
 * - `id/<lease id>`: the entry (slashes of the id make folders, so prefix lists are storage lists);
 * - `token/<token id>/<hash>`: the lease id, for revoking a token's leases;
 * - `time/<hour>/<minute>/<expire ms>-<hash>`: the lease id, so the next expiries are found by
 *   listing the earliest hour, then its earliest minute, never by loading every lease;
 * - `irrevocable/<hash>`: the lease id of each irrevocable lease, so sys/leases and its count read
 *   only those.
 */
export const LEASE_KEYS = {
  entry: (id: string) => `id/${id}`,
  tokenPrefix: (tokenId: string) => `token/${tokenId}/`,
  token: (tokenId: string, id: string) => `token/${tokenId}/${leaseHash(id)}`,
  irrevocable: (id: string) => `irrevocable/${leaseHash(id)}`,
  time: (expireTime: number, id: string) => {
    const minute = Math.floor(expireTime / 60_000);
    return `time/${pad(Math.floor(minute / 60), 8)}/${pad(minute, 10)}/${pad(expireTime, 15)}-${leaseHash(id)}`;
  },
};

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A short, fixed-length stand-in for a lease id in index keys. */
function leaseHash(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 32);
}

/** The expiry a time-index key records (its last segment starts with the padded ms). */
export function expiryOfTimeKey(key: string): number {
  const last = key.slice(key.lastIndexOf('/') + 1);
  return Number(last.slice(0, last.indexOf('-')));
}
