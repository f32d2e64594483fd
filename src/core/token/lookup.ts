import { constantTimeEqual } from '../../crypto/constant-time.js';
import { isExpired, MAX_DEPTH, REVOCATION_PENDING, type TokenEntry } from './entry.js';
import type { TokenRecords } from './records.js';

export interface LookupOptions {
  /** Also return a token whose revocation is pending (its last use is being served). */
  allowPending?: boolean;
}

/**
 * Finds the entries of presented tokens. A token found expired, or under an expired ancestor, is
 * revoked on the spot (through `revokeTree`), so a lookup never answers a token past its end.
 */
export class TokenLookup {
  constructor(
    private readonly records: TokenRecords,
    private readonly now: () => number,
    private readonly revokeTree: (entry: TokenEntry) => Promise<void>,
  ) {}

  /**
   * The entry of a presented token, or undefined when it is unknown, expired (revoked on the spot),
   * used up, or a descendant of a token that is gone or expired.
   */
  async lookup(token: string, options: LookupOptions = {}): Promise<TokenEntry | undefined> {
    if (!token) return undefined;
    const tokenId = this.records.hashToken(token);
    const entry = await this.lookupById(tokenId, options);
    // The key already matched; comparing the stored hash too costs nothing and is constant time.
    return entry && constantTimeEqual(entry.id, tokenId) ? entry : undefined;
  }

  /** Like `lookup`, by storage id (the salted hash). */
  async lookupById(tokenId: string, options: LookupOptions = {}): Promise<TokenEntry | undefined> {
    const entry = await this.records.load(tokenId);
    if (!entry) return undefined;
    if (entry.numUses === REVOCATION_PENDING && !options.allowPending) return undefined;
    if (isExpired(entry, this.now())) {
      await this.revokeTree(entry);
      return undefined;
    }
    return (await this.ancestorsValid(entry)) ? entry : undefined;
  }

  /** Like `lookup`, by accessor. */
  async lookupByAccessor(accessor: string, options: LookupOptions = {}): Promise<TokenEntry | undefined> {
    if (!accessor) return undefined;
    const index = await this.records.accessorIndex(accessor);
    if (!index || !constantTimeEqual(index.accessor, accessor)) return undefined;
    return this.lookupById(index.tokenId, options);
  }

  /**
   * Children die with their parents. Revocation takes a tree down children first, so a child can
   * briefly outlive a parent that expired but was not reaped yet; following the chain closes that
   * gap (Vault's expiration manager closes it with timers). Expired ancestors are revoked here.
   */
  private async ancestorsValid(entry: TokenEntry): Promise<boolean> {
    let current = entry;
    for (let depth = 0; current.parentId; depth++) {
      if (depth >= MAX_DEPTH) return false;
      const parent = await this.records.load(current.parentId);
      if (!parent || parent.numUses === REVOCATION_PENDING) return false;
      if (isExpired(parent, this.now())) {
        await this.revokeTree(parent);
        return false;
      }
      current = parent;
    }
    return true;
  }
}
