import { ConditionFailed, type Condition, type JsonOp, type MountStorage } from '../../framework/types.js';
import { saltedHash } from './ids.js';
import type { TokenEntry } from './entry.js';

/** What the accessor index holds: the token's storage id, and the accessor to compare against. */
export interface AccessorIndex {
  tokenId: string;
  accessor: string;
}

/** The writes that store or delete a token, for one transaction. */
export interface TokenWrites {
  ops: JsonOp[];
  conditions: Condition[];
}

const idKey = (tokenId: string) => `id/${tokenId}`;
const parentLinkKey = (parentId: string, childId: string) => `parent/${parentId}/${childId}`;

/**
 * The token store's records under its storage view:
 *   id/<hmac(token)>                    the TokenEntry
 *   accessor/<hmac(accessor)>           { tokenId, accessor }
 *   parent/<parent id>/<child id>       {} — so children die with their parent
 * Every change to an entry is a version-conditioned transaction, so concurrent uses, renewals
 * and revocations never lose each other's writes.
 */
export class TokenRecords {
  constructor(
    private readonly storage: MountStorage,
    private readonly salt: Uint8Array,
  ) {}

  /** The storage id of a token: HMAC-SHA256(salt, token), hex. */
  hashToken(token: string): string {
    return saltedHash(this.salt, token);
  }

  load(tokenId: string): Promise<TokenEntry | undefined> {
    return this.storage.get<TokenEntry>(idKey(tokenId));
  }

  /** The accessor index entry of an accessor, if any (the caller compares its `accessor`). */
  accessorIndex(accessor: string): Promise<AccessorIndex | undefined> {
    return this.storage.get<AccessorIndex>(this.accessorKey(accessor));
  }

  /** The storage id of every stored token. */
  tokenIds(): Promise<string[]> {
    return this.storage.list('id/');
  }

  /** The keys of the accessor index (hashed accessors). */
  accessorKeys(): Promise<string[]> {
    return this.storage.list('accessor/');
  }

  accessorIndexAt(key: string): Promise<AccessorIndex | undefined> {
    return this.storage.get<AccessorIndex>(`accessor/${key}`);
  }

  deleteAccessorAt(key: string): Promise<void> {
    return this.storage.delete(`accessor/${key}`);
  }

  /** Every parent id with links under it (the folders of parent/, as listed: with their "/"). */
  parentFolders(): Promise<string[]> {
    return this.storage.list('parent/');
  }

  /** Whatever is listed under a parent folder of parent/ (tidy checks every link, whatever it is). */
  linksUnder(folder: string): Promise<string[]> {
    return this.storage.list(`parent/${folder}`);
  }

  /** The storage ids of a token's children. */
  async children(tokenId: string): Promise<string[]> {
    return (await this.storage.list(`parent/${tokenId}/`)).filter((key) => !key.endsWith('/'));
  }

  deleteParentLink(parentId: string, childId: string): Promise<void> {
    return this.storage.delete(parentLinkKey(parentId, childId));
  }

  /** Applies `change` to the stored entry under a version condition, retrying on conflict. */
  async update(tokenId: string, change: (current: TokenEntry) => TokenEntry | undefined): Promise<TokenEntry | undefined> {
    // Each conflict means another writer succeeded, so this ends; the bound only guards against bugs.
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const stored = await this.storage.getVersioned<TokenEntry>(idKey(tokenId));
      if (!stored) return undefined;
      const next = change(stored.value);
      if (!next) return undefined;
      try {
        await this.storage.transaction(
          [{ type: 'put', key: idKey(tokenId), value: next }],
          [{ type: 'version', key: idKey(tokenId), version: stored.version }],
        );
        return next;
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err;
      }
    }
    throw new Error('token entry update did not settle');
  }

  /** The entry, its accessor index and its parent link, each on the condition that it is new. */
  creation(entry: TokenEntry): TokenWrites {
    const accessorKey = this.accessorKey(entry.accessor);
    const ops: JsonOp[] = [
      { type: 'put', key: idKey(entry.id), value: entry },
      { type: 'put', key: accessorKey, value: { tokenId: entry.id, accessor: entry.accessor } satisfies AccessorIndex },
    ];
    if (entry.parentId) ops.push({ type: 'put', key: parentLinkKey(entry.parentId, entry.id), value: {} });
    const conditions: Condition[] = [
      { type: 'absent', key: idKey(entry.id) },
      { type: 'absent', key: accessorKey },
    ];
    return { ops, conditions };
  }

  /** Whether a failed condition of `creation(entry)` was that the token id is taken. */
  isDuplicateId(err: unknown, entry: TokenEntry): boolean {
    return err instanceof ConditionFailed && err.key.endsWith(idKey(entry.id));
  }

  /** The entry and its index entries. */
  deletion(entry: TokenEntry): JsonOp[] {
    const ops: JsonOp[] = [
      { type: 'delete', key: idKey(entry.id) },
      { type: 'delete', key: this.accessorKey(entry.accessor) },
    ];
    if (entry.parentId) ops.push({ type: 'delete', key: parentLinkKey(entry.parentId, entry.id) });
    return ops;
  }

  commit(ops: JsonOp[], conditions?: Condition[]): Promise<void> {
    return this.storage.transaction(ops, conditions);
  }

  /** The same writes with keys from the storage root. */
  rooted<T extends JsonOp | Condition>(items: T[]): T[] {
    return items.map((item) => ({ ...item, key: this.storage.keyOf(item.key) }));
  }

  private accessorKey(accessor: string): string {
    return `accessor/${saltedHash(this.salt, accessor)}`;
  }
}
