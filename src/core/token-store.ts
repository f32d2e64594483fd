import { constantTimeEqual } from '../crypto/constant-time.js';
import { invalidRequest } from '../framework/errors.js';
import { ConditionFailed, type Condition, type JsonOp, type MountStorage } from '../framework/types.js';
import { DEFAULT_POLICY, ROOT_POLICY } from '../framework/policy-names.js';
import { newAccessor, newServiceToken, saltedHash } from './token/ids.js';
import { sanitizePolicies } from '../framework/policy-names.js';
import { calculateTtl } from './token/ttl.js';

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
}

/** Where a login token came from: the issuing auth mount and the data only that method sees again. */
export interface LoginOrigin {
  mountAccessor: string;
  internal: Record<string, string>;
}

/**
 * What a renewal may replace on the token (a token role's or an auth method's current settings),
 * seconds: `ttl` is the default increment, `maxTtl` the ceiling below the system max.
 */
export interface RenewLimits {
  period?: number;
  explicitMaxTtl?: number;
  ttl?: number;
  maxTtl?: number;
}

/** Marks a token that may no longer be used (Vault's tokenRevocationPending). */
export const REVOCATION_PENDING = -1;

/** Vault's system default and max lease TTL: 768h. */
export const DEFAULT_SYSTEM_TTL = 2_764_800;

/** A pending revocation older than this was abandoned (crash, failed revoke) and tidy finishes it. */
const ABANDONED_REVOCATION_MS = 5 * 60_000;
/** Longest parent chain followed; a longer one means corrupted links and the token is refused. */
const MAX_DEPTH = 256;

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

export interface CreateTokenParams {
  policies: string[];
  /** The creating token; the new token becomes its child unless `noParent`. */
  parent?: TokenEntry;
  noParent?: boolean;
  /** Seconds. */
  ttl?: number;
  explicitMaxTtl?: number;
  period?: number;
  numUses?: number;
  /** Default true; forced false for tokens that never expire. */
  renewable?: boolean;
  meta?: Record<string, string>;
  /** Stored verbatim (the token backend adds Vault's "token-" prefix); default "token". */
  displayName?: string;
  noDefaultPolicy?: boolean;
  /** Default "auth/token/create". */
  path?: string;
  /** Default: the parent's entity when not an orphan, else "". */
  entityId?: string;
  /** token_bound_cidrs, already validated. */
  boundCidrs?: string[];
  /** Seconds; lowers the system max TTL for this token (creation and renewals). */
  maxTtl?: number;
  /** The token role it is created against. */
  role?: string;
  /** The login that made it (set by the core's login handling only). */
  login?: LoginOrigin;
  /**
   * A chosen token (auth/token/create's `id`, -dev-root-token-id); default a fresh 256-bit "hvs."
   * token. Not validated here: auth/token/create applies Vault's rules to client-chosen ids.
   */
  id?: string;
}

export interface CreatedToken {
  /** The plaintext token: returned once, never stored. */
  token: string;
  entry: TokenEntry;
  warnings: string[];
}

/** The result of consuming one use. */
export interface TokenUse {
  entry: TokenEntry;
  /** The last use was consumed: the caller must `revokeTree` the token once the request is done. */
  revokeAfter: boolean;
}

export interface LookupOptions {
  /** Also return a token whose revocation is pending (its last use is being served). */
  allowPending?: boolean;
}

export interface TidyResult {
  /** Expired tokens revoked (with their descendants). */
  expired: number;
  /** Tokens revoked because their parent no longer exists. */
  danglingChildren: number;
  /** Abandoned pending revocations finished. */
  abandoned: number;
  /** Login tokens whose auth mount was disabled. */
  loginMountGone: number;
  /** Accessor index entries that pointed at no token. */
  danglingAccessors: number;
  /** Parent index entries whose parent or child no longer exists. */
  danglingParentLinks: number;
}

interface AccessorIndex {
  tokenId: string;
  accessor: string;
}

const idKey = (tokenId: string) => `id/${tokenId}`;
const parentLinkKey = (parentId: string, childId: string) => `parent/${parentId}/${childId}`;

/**
 * The token store (Vault's auth/token backing store). Storage layout under its view:
 *   id/<hmac(token)>                    the TokenEntry
 *   accessor/<hmac(accessor)>           { tokenId, accessor }
 *   parent/<parent id>/<child id>       {} — so children die with their parent
 * Every change to an entry is a version-conditioned transaction, so concurrent uses, renewals
 * and revocations never lose each other's writes.
 */
export class TokenStore {
  private readonly salt: Uint8Array;
  private readonly onRevoke: (entry: TokenEntry) => Promise<void>;
  private readonly loginMountGone: (entry: TokenEntry) => boolean;
  private readonly now: () => number;
  readonly defaultTtl: number;
  readonly maxTtl: number;
  private tidying?: Promise<TidyResult>;

  constructor(
    private readonly storage: MountStorage,
    options: TokenStoreOptions,
  ) {
    if (options.salt.byteLength < 16) throw new Error('token store salt must be at least 16 bytes');
    this.salt = options.salt;
    this.onRevoke = options.onRevoke ?? (async () => {});
    this.loginMountGone = options.loginMountGone ?? (() => false);
    this.now = options.now ?? Date.now;
    this.defaultTtl = options.defaultTtl ?? DEFAULT_SYSTEM_TTL;
    this.maxTtl = options.maxTtl ?? DEFAULT_SYSTEM_TTL;
  }

  /** The storage id of a token: HMAC-SHA256(salt, token), hex. */
  hashToken(token: string): string {
    return saltedHash(this.salt, token);
  }

  /**
   * Creates a token. Applies Vault's mechanics (policy sanitizing, TTL calculation, root tokens
   * never expiring, duplicate ids refused); who may create what is the caller's business (the
   * token backend checks sudo, policy subsets and the like). Entry and indexes land in one transaction.
   */
  async create(params: CreateTokenParams): Promise<CreatedToken> {
    const { ops, conditions, ...created } = await this.prepareCreate(params);
    try {
      await this.storage.transaction(ops, conditions);
    } catch (err) {
      if (err instanceof ConditionFailed && err.key.endsWith(idKey(created.entry.id))) {
        throw invalidRequest('cannot create a token with a duplicate ID');
      }
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
    const numUses = params.numUses ?? 0;
    if (!Number.isSafeInteger(numUses) || numUses < 0) throw invalidRequest('number of uses cannot be negative');
    for (const [name, value] of [['ttl', params.ttl], ['explicit_max_ttl', params.explicitMaxTtl], ['period', params.period], ['max_ttl', params.maxTtl]] as const) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw invalidRequest(`${name} must be positive`);
    }
    // Which ids a client may choose is the token backend's rule; the store only needs one.
    if (params.id === '') throw invalidRequest('token id cannot be empty');

    let policies = sanitizePolicies(params.policies, !params.noDefaultPolicy);
    if (params.noDefaultPolicy) policies = policies.filter((p) => p !== DEFAULT_POLICY);

    const nowMs = this.now();
    const creationTime = Math.floor(nowMs / 1000);
    const explicitMaxTtl = params.explicitMaxTtl ?? 0;
    const period = params.period ?? 0;
    let ttl = params.ttl ?? 0;
    const warnings: string[] = [];
    // Only root tokens may be without TTL; everything else gets one (Vault's handleCreateCommon).
    if (period > 0 || ttl > 0 || !policies.includes(ROOT_POLICY)) {
      const calculated = calculateTtl({
        increment: 0,
        ttl,
        period,
        explicitMaxTtl,
        defaultTtl: this.defaultTtl,
        maxTtl: this.maxTtlOf(params),
        start: creationTime,
        now: creationTime,
      });
      ttl = calculated.ttl;
      warnings.push(...calculated.warnings);
    }
    // Root tokens are still bound by an explicit max TTL.
    if (ttl === 0 && explicitMaxTtl > 0) ttl = explicitMaxTtl;
    let renewable = params.renewable ?? true;
    if (ttl === 0) {
      if (params.parent && params.parent.ttl !== 0) {
        throw invalidRequest('expiring root tokens cannot create non-expiring root tokens');
      }
      // Vault does not advertise never-expiring tokens as renewable: renewing them is refused.
      renewable = false;
    }

    const parent = params.noParent ? undefined : params.parent;
    const token = params.id ?? newServiceToken();
    const accessor = newAccessor();
    const entry: TokenEntry = {
      id: this.hashToken(token),
      accessor,
      ...(parent ? { parentId: parent.id } : {}),
      policies,
      meta: { ...(params.meta ?? {}) },
      displayName: params.displayName ?? 'token',
      numUses,
      creationTime,
      issueTime: nowMs,
      ttl,
      explicitMaxTtl,
      period,
      renewable,
      path: params.path ?? 'auth/token/create',
      entityId: params.entityId ?? parent?.entityId ?? '',
      orphan: !parent,
      type: 'service',
      expireTime: ttl > 0 ? nowMs + ttl * 1000 : 0,
      lastRenewalTime: 0,
      ...(params.boundCidrs?.length ? { boundCidrs: params.boundCidrs } : {}),
      ...(params.maxTtl ? { maxTtl: params.maxTtl } : {}),
      ...(params.role ? { role: params.role } : {}),
      ...(params.login ? { login: params.login } : {}),
    };

    const accessorKey = this.accessorKey(accessor);
    const ops: JsonOp[] = [
      { type: 'put', key: idKey(entry.id), value: entry },
      { type: 'put', key: accessorKey, value: { tokenId: entry.id, accessor } satisfies AccessorIndex },
    ];
    if (parent) ops.push({ type: 'put', key: parentLinkKey(parent.id, entry.id), value: {} });
    const conditions: Condition[] = [
      { type: 'absent', key: idKey(entry.id) },
      { type: 'absent', key: accessorKey },
    ];
    return { token, entry, warnings, ops, conditions };
  }

  /** The same writes with keys from the storage root. */
  rooted<T extends JsonOp | Condition>(items: T[]): T[] {
    return items.map((item) => ({ ...item, key: this.storage.keyOf(item.key) }));
  }

  /**
   * The writes that delete a token that cannot have children (a limited-use token, such as a
   * wrapping token), with keys from the storage root, for a caller that commits them with its own.
   * The revocation hook does not run: the caller owns what the token left behind.
   */
  deletionOps(entry: TokenEntry): JsonOp[] {
    return this.rooted(this.deletes(entry));
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
  async lookup(token: string, options: LookupOptions = {}): Promise<TokenEntry | undefined> {
    if (!token) return undefined;
    const tokenId = this.hashToken(token);
    const entry = await this.lookupById(tokenId, options);
    // The key already matched; comparing the stored hash too costs nothing and is constant time.
    return entry && constantTimeEqual(entry.id, tokenId) ? entry : undefined;
  }

  /** Like `lookup`, by storage id (the salted hash). */
  async lookupById(tokenId: string, options: LookupOptions = {}): Promise<TokenEntry | undefined> {
    const entry = await this.load(tokenId);
    if (!entry) return undefined;
    if (entry.numUses === REVOCATION_PENDING && !options.allowPending) return undefined;
    if (this.isExpired(entry)) {
      await this.revokeTree(entry);
      return undefined;
    }
    return (await this.ancestorsValid(entry)) ? entry : undefined;
  }

  /** Like `lookup`, by accessor. */
  async lookupByAccessor(accessor: string, options: LookupOptions = {}): Promise<TokenEntry | undefined> {
    if (!accessor) return undefined;
    const index = await this.storage.get<AccessorIndex>(this.accessorKey(accessor));
    if (!index || !constantTimeEqual(index.accessor, accessor)) return undefined;
    return this.lookupById(index.tokenId, options);
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
    const updated = await this.update(entry.id, (current) => {
      if (current.numUses <= 0) return undefined;
      const left = current.numUses - 1;
      revokeAfter = left === 0;
      return revokeAfter
        ? { ...current, numUses: REVOCATION_PENDING, revokePendingSince: this.now() }
        : { ...current, numUses: left };
    });
    return updated && { entry: updated, revokeAfter };
  }

  /**
   * Renews a token (Vault's rules): refused for tokens that are not renewable or never expire;
   * periodic tokens get their period again; others get the increment (or their TTL), never past
   * creation + min(max TTL, explicit max TTL). `limits` replace the token's own settings (a role
   * token renews under its role's current values, a login token under its auth method's, as in Vault).
   */
  async renew(entry: TokenEntry, increment = 0, limits?: RenewLimits): Promise<{ entry: TokenEntry; warnings: string[] }> {
    if (!Number.isSafeInteger(increment) || increment < 0) throw invalidRequest('increment must be positive');
    let warnings: string[] = [];
    const renewed = await this.update(entry.id, (current) => {
      if (!current.renewable || current.expireTime === 0) throw invalidRequest('lease is not renewable');
      const nowMs = this.now();
      if (nowMs >= current.expireTime) throw invalidRequest('lease expired');
      const calculated = calculateTtl({
        increment,
        ttl: limits?.ttl ?? current.ttl,
        period: limits?.period ?? current.period,
        explicitMaxTtl: limits?.explicitMaxTtl ?? current.explicitMaxTtl,
        defaultTtl: this.defaultTtl,
        maxTtl: this.maxTtlOf({ maxTtl: limits?.maxTtl ?? current.maxTtl }),
        start: current.creationTime,
        now: Math.floor(nowMs / 1000),
      });
      warnings = calculated.warnings;
      return { ...current, expireTime: nowMs + calculated.ttl * 1000, lastRenewalTime: nowMs };
    });
    if (!renewed) throw invalidRequest('token not found');
    return { entry: renewed, warnings };
  }

  /** Seconds left before the token expires (0 for tokens that never do). */
  remainingTtl(entry: TokenEntry): number {
    return entry.expireTime === 0 ? 0 : Math.max(0, Math.floor((entry.expireTime - this.now()) / 1000));
  }

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
    for (const childId of await this.children(entry.id)) {
      // Orphan the child before its parent disappears, so no lookup ever sees a dangling parent.
      await this.update(childId, (child) => {
        const { parentId: _dropped, ...rest } = child;
        return { ...rest, orphan: true };
      });
      await this.storage.delete(parentLinkKey(entry.id, childId));
    }
    const current = await this.load(entry.id);
    if (current) await this.deleteToken(current);
  }

  /** Revokes the token behind an accessor, with its descendants. False when there is none. */
  async revokeByAccessor(accessor: string): Promise<boolean> {
    const entry = await this.lookupByAccessor(accessor, { allowPending: true });
    if (!entry) return false;
    await this.revokeTree(entry);
    return true;
  }

  /**
   * Revokes every token `matches` picks (with its descendants): an auth mount being disabled takes
   * its logins' tokens with it. A full scan: disabling a mount is rare. Returns how many matched.
   */
  async revokeWhere(matches: (entry: TokenEntry) => boolean): Promise<number> {
    let revoked = 0;
    for (const tokenId of await this.storage.list('id/')) {
      const entry = await this.load(tokenId);
      if (!entry || !matches(entry)) continue;
      await this.revokeTree(entry);
      revoked++;
    }
    return revoked;
  }

  /**
   * How many tokens the store holds (the live-token gauge): one listing of the entry keys, nothing
   * decrypted. Expired tokens count until tidy or a lookup reaps them.
   */
  async count(): Promise<number> {
    return (await this.storage.list('id/')).length;
  }

  /** Every accessor in the store (auth/token/accessors). */
  async listAccessors(): Promise<string[]> {
    const accessors: string[] = [];
    for (const key of await this.storage.list('accessor/')) {
      const index = await this.storage.get<AccessorIndex>(`accessor/${key}`);
      if (index) accessors.push(index.accessor);
    }
    return accessors;
  }

  /**
   * Reaps expired tokens (with their trees), descendants of vanished parents, abandoned pending
   * revocations, and index entries that point at nothing. Concurrent calls share one run.
   */
  tidy(): Promise<TidyResult> {
    this.tidying ??= this.runTidy().finally(() => (this.tidying = undefined));
    return this.tidying;
  }

  /** Whether a tidy run is in progress. */
  get tidyRunning(): boolean {
    return this.tidying !== undefined;
  }

  private async runTidy(): Promise<TidyResult> {
    const result: TidyResult = { expired: 0, danglingChildren: 0, abandoned: 0, loginMountGone: 0, danglingAccessors: 0, danglingParentLinks: 0 };
    const nowMs = this.now();

    for (const tokenId of await this.storage.list('id/')) {
      const entry = await this.load(tokenId);
      if (!entry) continue;
      if (this.isExpired(entry)) {
        await this.revokeTree(entry);
        result.expired++;
      } else if (entry.parentId && !(await this.load(entry.parentId))) {
        await this.revokeTree(entry);
        result.danglingChildren++;
      } else if (entry.numUses === REVOCATION_PENDING && nowMs - (entry.revokePendingSince ?? 0) > ABANDONED_REVOCATION_MS) {
        await this.revokeTree(entry);
        result.abandoned++;
      } else if (entry.login && this.loginMountGone(entry)) {
        await this.revokeTree(entry);
        result.loginMountGone++;
      }
    }

    for (const key of await this.storage.list('accessor/')) {
      const index = await this.storage.get<AccessorIndex>(`accessor/${key}`);
      if (index && (await this.load(index.tokenId))) continue;
      await this.storage.delete(`accessor/${key}`);
      result.danglingAccessors++;
    }

    for (const folder of await this.storage.list('parent/')) {
      const parentId = folder.replace(/\/$/, '');
      const parentExists = (await this.load(parentId)) !== undefined;
      for (const childId of await this.storage.list(`parent/${folder}`)) {
        if (parentExists && (await this.load(childId))) continue;
        await this.storage.delete(parentLinkKey(parentId, childId));
        result.danglingParentLinks++;
      }
    }
    return result;
  }

  /** The system max TTL, lowered by the token's own ceiling when it has one. */
  private maxTtlOf(token: { maxTtl?: number | undefined }): number {
    return token.maxTtl && token.maxTtl < this.maxTtl ? token.maxTtl : this.maxTtl;
  }

  private accessorKey(accessor: string): string {
    return `accessor/${saltedHash(this.salt, accessor)}`;
  }

  private load(tokenId: string): Promise<TokenEntry | undefined> {
    return this.storage.get<TokenEntry>(idKey(tokenId));
  }

  private isExpired(entry: TokenEntry): boolean {
    return entry.expireTime !== 0 && this.now() >= entry.expireTime;
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
      const parent = await this.load(current.parentId);
      if (!parent || parent.numUses === REVOCATION_PENDING) return false;
      if (this.isExpired(parent)) {
        await this.revokeTree(parent);
        return false;
      }
      current = parent;
    }
    return true;
  }

  /** Applies `change` to the stored entry under a version condition, retrying on conflict. */
  private async update(
    tokenId: string,
    change: (current: TokenEntry) => TokenEntry | undefined,
  ): Promise<TokenEntry | undefined> {
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

  private async markPending(tokenId: string): Promise<void> {
    await this.update(tokenId, (current) =>
      current.numUses === REVOCATION_PENDING
        ? undefined
        : { ...current, numUses: REVOCATION_PENDING, revokePendingSince: this.now() },
    );
  }

  private async children(tokenId: string): Promise<string[]> {
    return (await this.storage.list(`parent/${tokenId}/`)).filter((key) => !key.endsWith('/'));
  }

  private async revokeSubtree(tokenId: string, depth: number): Promise<void> {
    if (depth > MAX_DEPTH) throw new Error('token tree too deep to revoke');
    for (const childId of await this.children(tokenId)) {
      await this.revokeSubtree(childId, depth + 1);
      // Normally gone with the child's own deletion; a link to a missing child goes here.
      await this.storage.delete(parentLinkKey(tokenId, childId));
    }
    const entry = await this.load(tokenId);
    if (entry) await this.deleteToken(entry);
  }

  private async deleteToken(entry: TokenEntry): Promise<void> {
    // Cubbyhole (and later leases) first: if that fails the entry stays, marked, and tidy retries.
    await this.onRevoke(entry);
    await this.storage.transaction(this.deletes(entry));
  }

  /** The entry and its index entries. */
  private deletes(entry: TokenEntry): JsonOp[] {
    const ops: JsonOp[] = [
      { type: 'delete', key: idKey(entry.id) },
      { type: 'delete', key: this.accessorKey(entry.accessor) },
    ];
    if (entry.parentId) ops.push({ type: 'delete', key: parentLinkKey(entry.parentId, entry.id) });
    return ops;
  }
}
