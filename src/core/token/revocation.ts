import { markedPending, MAX_DEPTH, REVOCATION_PENDING, type TokenEntry } from './entry.js';
import type { TokenRecords } from './records.js';

/**
 * Takes tokens down: a whole tree (children before parents) or one token whose children become
 * orphans. `onRevoke` runs once per token before its entry is deleted (the core deletes its
 * cubbyhole and revokes its leases there).
 */
export class TokenRevocation {
  constructor(
    private readonly records: TokenRecords,
    private readonly now: () => number,
    private readonly onRevoke: (entry: TokenEntry) => Promise<void>,
  ) {}

  /**
   * Revokes a token and all its descendants, children before parents. The token is marked
   * revocation-pending first, so neither it nor (through the ancestor check) its descendants can
   * be used while the tree is taken down. Idempotent.
   */
  async revokeTree(entry: TokenEntry): Promise<void> {
    await this.markPending(entry.id);
    await this.revokeSubtree(entry.id, 0);
  }

  /** Revokes one token; its children stay valid as orphans. */
  async revokeOrphan(entry: TokenEntry): Promise<void> {
    await this.markPending(entry.id);
    for (const childId of await this.records.children(entry.id)) {
      // Orphan the child before its parent disappears, so no lookup ever sees a dangling parent.
      await this.records.update(childId, (child) => {
        const { parentId: _dropped, ...rest } = child;
        return { ...rest, orphan: true };
      });
      await this.records.deleteParentLink(entry.id, childId);
    }
    const current = await this.records.load(entry.id);
    if (current) await this.deleteToken(current);
  }

  /**
   * Revokes every token `matches` picks (with its descendants): an auth mount being disabled takes
   * its logins' tokens with it. A full scan: disabling a mount is rare. Returns how many matched.
   */
  async revokeWhere(matches: (entry: TokenEntry) => boolean): Promise<number> {
    let revoked = 0;
    for (const tokenId of await this.records.tokenIds()) {
      const entry = await this.records.load(tokenId);
      if (!entry || !matches(entry)) continue;
      await this.revokeTree(entry);
      revoked++;
    }
    return revoked;
  }

  private async markPending(tokenId: string): Promise<void> {
    await this.records.update(tokenId, (current) =>
      current.numUses === REVOCATION_PENDING ? undefined : markedPending(current, this.now()),
    );
  }

  private async revokeSubtree(tokenId: string, depth: number): Promise<void> {
    if (depth > MAX_DEPTH) throw new Error('token tree too deep to revoke');
    for (const childId of await this.records.children(tokenId)) {
      await this.revokeSubtree(childId, depth + 1);
      // Normally gone with the child's own deletion; a link to a missing child goes here.
      await this.records.deleteParentLink(tokenId, childId);
    }
    const entry = await this.records.load(tokenId);
    if (entry) await this.deleteToken(entry);
  }

  private async deleteToken(entry: TokenEntry): Promise<void> {
    // Cubbyhole and leases first: if that fails the entry stays, marked, and tidy retries.
    await this.onRevoke(entry);
    await this.records.commit(this.records.deletion(entry));
  }
}
