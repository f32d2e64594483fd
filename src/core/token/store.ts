import { invalidRequest } from '../../framework/errors.js';
import { ROOT_POLICY } from '../../framework/policy-names.js';
import type { Condition, JsonOp, MountStorage } from '../../framework/types.js';
import { prepareToken, type CreatedToken, type CreateTokenParams } from './create.js';
import { markedPending, type TokenEntry } from './entry.js';
import { TokenLookup, type LookupOptions } from './lookup.js';
import { TokenRecords } from './records.js';
import { renewToken, type RenewLimits } from './renewal.js';
import { TokenRevocation } from './revocation.js';
import { tidyTokens, type TidyResult } from './tidy.js';
import { DEFAULT_SYSTEM_TTL } from './ttl.js';

export interface TokenStoreOptions {
  /** 32 random bytes kept in the barrier: the HMAC key for token and accessor hashes. */
  salt: Uint8Array;
  /**
   * Whether a login token's issuing auth mount is gone (the core knows the mounts): tidy revokes
   * such tokens, finishing a mount disable that could not revoke them all.
   */
  loginMountGone?: (entry: TokenEntry) => boolean;
  /** Called once per revoked token, before its entry is deleted (the core deletes its cubbyhole). */
  onRevoke?: (entry: TokenEntry) => Promise<void>;
  /** Clock in unix ms (tests inject one). */
  now?: () => number;
  /** Seconds; Vault's defaults are both 768h. */
  defaultTtl?: number;
  maxTtl?: number;
}

/** The result of consuming one use. */
export interface TokenUse {
  entry: TokenEntry;
  /** The last use was consumed: the caller must `revokeTree` the token once the request is done. */
  revokeAfter: boolean;
}

/**
 * The token store (Vault's auth/token backing store): creation, lookup, use and renewal,
 * revocation and tidy over the records of records.ts, each in its own module.
 */
export class TokenStore {
  private readonly records: TokenRecords;
  private readonly now: () => number;
  private readonly lookups: TokenLookup;
  private readonly revocation: TokenRevocation;
  private readonly loginMountGone: (entry: TokenEntry) => boolean;
  readonly defaultTtl: number;
  readonly maxTtl: number;
  private tidying?: Promise<TidyResult>;

  constructor(storage: MountStorage, options: TokenStoreOptions) {
    if (options.salt.byteLength < 16) throw new Error('token store salt must be at least 16 bytes');
    this.records = new TokenRecords(storage, options.salt);
    this.now = options.now ?? Date.now;
    this.defaultTtl = options.defaultTtl ?? DEFAULT_SYSTEM_TTL;
    this.maxTtl = options.maxTtl ?? DEFAULT_SYSTEM_TTL;
    this.loginMountGone = options.loginMountGone ?? (() => false);
    this.revocation = new TokenRevocation(this.records, this.now, options.onRevoke ?? (async () => {}));
    this.lookups = new TokenLookup(this.records, this.now, (entry) => this.revokeTree(entry));
  }

  /** The storage id of a token: HMAC-SHA256(salt, token), hex. */
  hashToken(token: string): string {
    return this.records.hashToken(token);
  }

  /**
   * Creates a token. Applies Vault's mechanics (policy sanitizing, TTL calculation, root tokens
   * never expiring, duplicate ids refused); who may create what is the caller's business (the
   * token backend checks sudo, policy subsets and the like). Entry and indexes land in one transaction.
   */
  async create(params: CreateTokenParams): Promise<CreatedToken> {
    const { ops, conditions, ...created } = await this.prepareCreate(params);
    try {
      await this.records.commit(ops, conditions);
    } catch (err) {
      if (this.records.isDuplicateId(err, created.entry)) throw invalidRequest('cannot create a token with a duplicate ID');
      throw err;
    }
    return created;
  }

  /**
   * Everything `create` does except the commit: the new token and the writes that create it, with
   * keys from the storage root, for a caller that commits them in its own transaction (wrapping
   * stores the token and its cubbyhole in one commit).
   */
  async prepareCreate(params: CreateTokenParams): Promise<CreatedToken & { ops: JsonOp[]; conditions: Condition[] }> {
    return prepareToken(this.ttlContext(), params);
  }

  /** The same writes with keys from the storage root. */
  rooted<T extends JsonOp | Condition>(items: T[]): T[] {
    return this.records.rooted(items);
  }

  /**
   * The writes that delete a token that cannot have children (a limited-use token, such as a
   * wrapping token), with keys from the storage root, for a caller that commits them with its own.
   * The revocation hook does not run: the caller owns what the token left behind.
   */
  deletionOps(entry: TokenEntry): JsonOp[] {
    return this.records.rooted(this.records.deletion(entry));
  }

  /** The root token of a new store or the dev server: policy root, never expires, display name "root". */
  async createRoot(id?: string): Promise<CreatedToken> {
    return this.create({
      policies: [ROOT_POLICY],
      displayName: 'root',
      path: 'auth/token/root',
      ...(id !== undefined ? { id } : {}),
    });
  }

  /**
   * The entry of a presented token, or undefined when it is unknown, expired (revoked on the spot),
   * used up, or a descendant of a token that is gone or expired.
   */
  lookup(token: string, options: LookupOptions = {}): Promise<TokenEntry | undefined> {
    return this.lookups.lookup(token, options);
  }

  /** Like `lookup`, by storage id (the salted hash). */
  lookupById(tokenId: string, options: LookupOptions = {}): Promise<TokenEntry | undefined> {
    return this.lookups.lookupById(tokenId, options);
  }

  /** Like `lookup`, by accessor. */
  lookupByAccessor(accessor: string, options: LookupOptions = {}): Promise<TokenEntry | undefined> {
    return this.lookups.lookupByAccessor(accessor, options);
  }

  /**
   * Consumes one use of a token (a no-op for unlimited ones). Undefined when the token is gone or
   * already used up. When this was the last use the entry is marked revocation-pending at once (no
   * other request can use it) and `revokeAfter` tells the caller to `revokeTree` it after the
   * request. Atomic: a version-conditioned transaction, retried on conflict.
   */
  async use(entry: TokenEntry): Promise<TokenUse | undefined> {
    if (entry.numUses === 0) return { entry, revokeAfter: false };
    let revokeAfter = false;
    const updated = await this.records.update(entry.id, (current) => {
      if (current.numUses <= 0) return undefined;
      const left = current.numUses - 1;
      revokeAfter = left === 0;
      return revokeAfter ? markedPending(current, this.now()) : { ...current, numUses: left };
    });
    return updated && { entry: updated, revokeAfter };
  }

  /**
   * Renews a token (renewal.ts). `limits` replace the token's own settings (a role token renews
   * under its role's current values, a login token under its auth method's, as in Vault).
   */
  renew(entry: TokenEntry, increment = 0, limits?: RenewLimits): Promise<{ entry: TokenEntry; warnings: string[] }> {
    return renewToken(this.ttlContext(), entry, increment, limits);
  }

  /** Seconds left before the token expires (0 for tokens that never do). */
  remainingTtl(entry: TokenEntry): number {
    return entry.expireTime === 0 ? 0 : Math.max(0, Math.floor((entry.expireTime - this.now()) / 1000));
  }

  /** Revokes a token and all its descendants, children before parents (revocation.ts). Idempotent. */
  revokeTree(entry: TokenEntry): Promise<void> {
    return this.revocation.revokeTree(entry);
  }

  /** Revokes one token; its children stay valid as orphans. */
  revokeOrphan(entry: TokenEntry): Promise<void> {
    return this.revocation.revokeOrphan(entry);
  }

  /** Revokes the token behind an accessor, with its descendants. False when there is none. */
  async revokeByAccessor(accessor: string): Promise<boolean> {
    const entry = await this.lookupByAccessor(accessor, { allowPending: true });
    if (!entry) return false;
    await this.revokeTree(entry);
    return true;
  }

  /** Revokes every token `matches` picks (with its descendants); returns how many matched. */
  revokeWhere(matches: (entry: TokenEntry) => boolean): Promise<number> {
    return this.revocation.revokeWhere(matches);
  }

  /**
   * How many tokens the store holds (the live-token gauge): one listing of the entry keys, nothing
   * decrypted. Expired tokens count until tidy or a lookup reaps them.
   */
  async count(): Promise<number> {
    return (await this.records.tokenIds()).length;
  }

  /** Every accessor in the store (auth/token/accessors). */
  async listAccessors(): Promise<string[]> {
    const accessors: string[] = [];
    for (const key of await this.records.accessorKeys()) {
      const index = await this.records.accessorIndexAt(key);
      if (index) accessors.push(index.accessor);
    }
    return accessors;
  }

  /** Reaps expired and dangling tokens and index entries (tidy.ts). Concurrent calls share one run. */
  tidy(): Promise<TidyResult> {
    this.tidying ??= tidyTokens({
      records: this.records,
      now: this.now,
      revokeTree: (entry) => this.revokeTree(entry),
      loginMountGone: this.loginMountGone,
    }).finally(() => (this.tidying = undefined));
    return this.tidying;
  }

  /** Whether a tidy run is in progress. */
  get tidyRunning(): boolean {
    return this.tidying !== undefined;
  }

  private ttlContext() {
    return { records: this.records, now: this.now, defaultTtl: this.defaultTtl, maxTtl: this.maxTtl };
  }
}
