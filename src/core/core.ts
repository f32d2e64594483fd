import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Barrier } from '../barrier/barrier.js';
import { LocalKms } from '../kms/local.js';
import type { Kms } from '../kms/kms.js';
import { randomKey } from '../crypto/random.js';
import { zeroize } from '../crypto/zeroize.js';
import { DataKeys, DEFAULT_DEK_CACHE, type DekCacheOptions } from './data-keys.js';
import { invalidRequest, sealedError } from '../framework/errors.js';
import { StorageView } from './storage-view.js';
import { ConditionFailed, type Backend, type MountStorage } from '../framework/types.js';
import { cubbyholeKeyPrefix } from '../framework/cubbyhole-layout.js';
import type { BackendFactory, SystemView } from '../framework/system-view.js';
import { Metrics } from './metrics.js';
import { AuditBroker } from './audit/broker.js';
import type { AuditSinkFactory } from '../framework/audit-sink.js';
import { IdentityStore, type TokenIdentity } from './identity/store.js';
import type { ACL } from './policy/acl.js';
import { backendType, MountTable, type MountEntry } from './mounts.js';
import { Remounts } from './remount.js';
import { PolicyStore } from './policy/store.js';
import { QuotaManager } from './quotas/manager.js';
import { DEFAULT_REWRAP, RewrapWorker, type RewrapSettings, type SealedEntrySource } from './rewrap/worker.js';
import { TokenStore, type RenewLimits, type TokenEntry } from './token/index.js';
import { Wrapping } from './wrapping.js';
import { ExpirationManager, type ExpirationSettings } from './leases/index.js';
import { leaseHostOf, mountLeaseTtls } from './lease-host.js';

/**
 * Builds a core backend (sys, identity, auth/token: src/core/backends/), which drives the core
 * itself. Every other backend gets a SystemView (framework/system-view.ts) instead.
 */
export type CoreBackendFactory = (mount: MountEntry, core: Core) => Backend;
export type { BackendFactory } from '../framework/system-view.js';

export interface CoreOptions {
  barrier: Barrier;
  /** Engine and auth method factories by mount table and type, e.g. { secret: { kv, cubbyhole }, auth: { approle } }. */
  factories: Record<MountEntry['table'], Record<string, BackendFactory>>;
  /** Core backends by mount table and type: { secret: { system, identity }, auth: { token } }. */
  coreBackends: Record<MountEntry['table'], Record<string, CoreBackendFactory>>;
  /** Serves sys/health, sys/seal-status, sys/init and sys/leader, sealed or not. */
  statusBackend: (core: Core) => Backend;
  logger: Logger;
  /** Storage type reported by sys/seal-status ("sqlite", "inmem"). */
  storageType: string;
  /** Seconds between sweeps for expired tokens. */
  tidyInterval?: number;
  /** Audit device types (file, socket, syslog) by name; the server wires them in. */
  auditDevices?: Record<string, AuditSinkFactory>;
  /** Runs after every initialization and unseal, once the core's state is loaded (the bootstrap token). */
  onUnsealed?: (core: Core) => Promise<void>;
  /**
   * The KMS that wraps per-version data keys (KV v2): the server's configured one. Without it (a
   * Shamir seal has no KMS) a local KMS whose key is held inside the barrier is used.
   */
  dataKeyKms?: Kms;
  /** The KMS of a former seal still configured with disabled = "true": it unwraps the data keys it wrapped. */
  previousDataKeyKms?: Kms;
  /** The cache of unwrapped data keys (dek_cache_ttl); default 5 minutes, 10,000 keys. */
  dekCache?: DekCacheOptions;
  /** The KMS re-wrap worker (kms_rewrap): off unless enabled; sys/kms/rewrap forces a pass either way. */
  kmsRewrap?: RewrapSettings;
  /** The expiration manager's retry and batch settings (tests shorten the backoff). */
  expiration?: Partial<ExpirationSettings>;
  /** HA (etcd ha_enabled): whether this node is the active one; background work runs only then. Absent: always. */
  isActive?: () => boolean;
  /** Runs after every seal (HA: the node leaves the election). */
  onSealed?: () => Promise<void>;
  /** Runs once a snapshot restore replaced the store, before this node unseals it (HA: the standbys unseal again). */
  onStoreReplaced?: () => Promise<void>;
}

/** sys/init's choices: the seal that wraps the root key (default: the barrier's KMS) and, for Shamir, the split. */
export interface InitializeOptions {
  rootTokenId?: string;
  seal?: Parameters<Barrier['initialize']>[0];
  shamir?: Parameters<Barrier['initialize']>[1];
  /** A KMS seal's recovery key split and verifier. */
  recovery?: Parameters<Barrier['initialize']>[2];
}

/** Storage layout inside the barrier. */
const AREA = {
  mounts: 'core/mounts/',
  tokenSalt: 'core/token-salt',
  cluster: 'core/cluster',
  tokens: 'sys/token/',
  policies: 'sys/policy/',
  identity: 'sys/identity/',
  audit: 'core/audit/',
  quotas: 'sys/quotas/',
  dataKeyRoot: 'core/data-keys/local-root',
  kmsRewrap: 'core/kms-rewrap/',
  leases: 'sys/expire/',
} as const;

/** The mounts every initialized Coffer has; they can be neither removed nor moved. */
const BUILTIN_MOUNTS = [
  { path: 'sys/', type: 'system', table: 'secret', description: 'system endpoints used for control, policy and debugging' },
  { path: 'cubbyhole/', type: 'cubbyhole', table: 'secret', description: 'per-token private secret storage' },
  { path: 'identity/', type: 'identity', table: 'secret', description: 'identity store' },
  { path: 'token/', type: 'token', table: 'auth', description: 'token based credentials' },
] as const;

/**
 * The core's state: barrier, mount table, token store, policies and the live backends. Requests go
 * through `handleRequest` in pipeline.ts; this class only holds what the pipeline works on.
 */
export class Core {
  readonly barrier: Barrier;
  readonly logger: Logger;
  readonly startedAt = new Date();
  readonly metrics = new Metrics();
  readonly wrapping = new Wrapping(this);
  readonly remounts = new Remounts(this);
  private readonly factories: CoreOptions['factories'];
  /** The whole barrier as JSON; engines only ever see their mount's scope of it. */
  readonly rootStorage: MountStorage;
  readonly statusBackend: Backend;
  private loaded?: {
    mounts: MountTable;
    tokens: TokenStore;
    policies: PolicyStore;
    identity: IdentityStore;
    audit: AuditBroker;
    quotas: QuotaManager;
    dataKeys: DataKeys;
    rewrap: RewrapWorker;
    leases: ExpirationManager;
    backends: Map<string, Backend>;
  };
  private tidyTimer?: NodeJS.Timeout;
  private cluster?: { name: string; id: string };

  constructor(private readonly options: CoreOptions) {
    this.barrier = options.barrier;
    this.logger = options.logger;
    this.factories = options.factories;
    this.rootStorage = new StorageView(options.barrier);
    this.statusBackend = options.statusBackend(this);
  }

  /** Reported by sys/seal-status: the seal in use is the configured KMS. */
  get sealType(): string {
    return this.barrier.kmsType;
  }
  get storageType(): string {
    return this.options.storageType;
  }
  get clusterName(): string {
    return this.cluster?.name ?? '';
  }
  get clusterId(): string {
    return this.cluster?.id ?? '';
  }

  get sealed(): boolean {
    return this.barrier.sealed || !this.loaded;
  }

  get mounts(): MountTable {
    return this.unsealed().mounts;
  }
  get leases(): ExpirationManager {
    return this.unsealed().leases;
  }

  get tokens(): TokenStore {
    return this.unsealed().tokens;
  }
  get policies(): PolicyStore {
    return this.unsealed().policies;
  }
  get identity(): IdentityStore {
    return this.unsealed().identity;
  }
  get audit(): AuditBroker {
    return this.unsealed().audit;
  }
  /** Per-version envelope encryption (KV v2) and its DEK cache; the cache is wiped on seal. */
  get dataKeys(): DataKeys {
    return this.unsealed().dataKeys;
  }
  /** Re-wraps KV data keys onto the KMS's current key after a rotation (sys/kms/rewrap). */
  get rewrap(): RewrapWorker {
    return this.unsealed().rewrap;
  }
  /** Rate-limit quotas (sys/quotas); their budgets live in memory on this node. */
  get quotas(): QuotaManager {
    return this.unsealed().quotas;
  }

  /**
   * The ACL of a token: its own policies plus those its identity grants (entity and groups), with
   * templated rules rendered for its entity.
   */
  async aclFor(token: { policies: string[]; entityId: string }, identity: TokenIdentity | undefined = this.identityOf(token)): Promise<ACL> {
    if (!identity) return this.policies.acl(token.policies);
    // Vault: the tokens of a disabled entity cannot be used (they are not revoked: enabling restores them).
    if (identity.disabled) return this.policies.acl([]);
    return this.policies.acl([...token.policies, ...identity.policies], { key: identity.key, context: identity.context });
  }

  /** What a token gets from its entity (policies, template context), computed once: pass it on rather than ask again. */
  identityOf(token: { entityId: string }): TokenIdentity | undefined {
    return token.entityId ? this.identity.derive(token.entityId) : undefined;
  }

  /** The backend serving a mount (by route key, e.g. "secret/" or "auth/token/"). */
  backend(routeKey: string): Backend | undefined {
    return this.unsealed().backends.get(routeKey);
  }

  /** The JSON storage area of a mount. */
  mountStorage(entry: MountEntry): MountStorage {
    return this.rootStorage.scoped(mountPrefix(entry));
  }

  /** Where a token's cubbyhole lives, from the storage root (wrapping transacts across areas). */
  cubbyholePrefix(tokenId: string): string {
    const cubbyhole = this.mounts.get('cubbyhole/');
    if (!cubbyhole) throw new Error('the cubbyhole mount is missing');
    return mountPrefix(cubbyhole) + cubbyholeKeyPrefix(tokenId);
  }

  /** Whether the store has been initialized (barrier keyring present). */
  async isInitialized(): Promise<boolean> {
    return this.barrier.isInitialized();
  }

  /**
   * First start of a new store (sys/init): creates the barrier keyring, the builtin mounts, the
   * default policy and the first root token.
   */
  async initializeStore({ rootTokenId, seal, shamir, recovery }: InitializeOptions = {}): Promise<{ rootToken: string }> {
    if (await this.isInitialized()) throw invalidRequest('Vault is already initialized');
    await this.barrier.initialize(seal, shamir, recovery);
    await this.rootStorage.put(AREA.tokenSalt, randomBytes(32).toString('base64'));
    const id = randomUUID();
    await this.rootStorage.put(AREA.cluster, { name: `coffer-cluster-${id.slice(0, 8)}`, id });
    await this.postUnseal();
    await this.policies.ensureDefault();
    const { token } = await this.tokens.createRoot(rootTokenId);
    await this.options.onUnsealed?.(this);
    return { rootToken: token };
  }

  /** Opens the barrier with the configured KMS and loads the core's state. */
  async unseal(seal?: InitializeOptions['seal']): Promise<void> {
    await this.barrier.unseal(seal);
    await this.postUnseal();
    await this.options.onUnsealed?.(this);
  }

  /** Loads the mount table, token store and policies once the barrier is open. */
  private async postUnseal(): Promise<void> {
    this.cluster = await this.rootStorage.get(AREA.cluster);
    const salt = await this.rootStorage.get<string>(AREA.tokenSalt);
    if (!salt) throw new Error('store is not initialized');
    const mounts = new MountTable(this.rootStorage.scoped(AREA.mounts));
    await mounts.load();
    // A new store gets every builtin mount; an older one gets those added since it was created.
    for (const spec of BUILTIN_MOUNTS) {
      if (!mounts.get(mounts.routeKey({ table: spec.table, path: spec.path }))) await mounts.add(spec, { system: true });
    }
    const tokens = new TokenStore(this.rootStorage.scoped(AREA.tokens), {
      salt: Buffer.from(salt, 'base64'),
      onRevoke: (entry) => this.onTokenRevoked(entry),
      loginMountGone: (entry) => !mounts.list('auth').some((m) => m.accessor === entry.login?.mountAccessor),
    });
    const policies = new PolicyStore(this.rootStorage.scoped(AREA.policies));
    const identity = new IdentityStore(this.rootStorage.scoped(AREA.identity), (accessor) =>
      mounts.list('auth').find((m) => m.accessor === accessor),
    );
    await identity.load();
    const audit = new AuditBroker(this.rootStorage.scoped(AREA.audit), this.options.auditDevices ?? {}, this.logger, () => this.metrics.auditFailures.inc());
    await audit.load();
    const quotas = new QuotaManager(this.rootStorage.scoped(AREA.quotas));
    await quotas.load();
    // After a seal migration, data keys wrapped under the former seal stay readable through its KMS.
    const previous = [
      ...(this.options.previousDataKeyKms ? [this.options.previousDataKeyKms] : []),
      ...(this.options.dataKeyKms && (await this.rootStorage.get<string>(AREA.dataKeyRoot)) !== undefined ? [await this.barrierHeldKms()] : []),
    ];
    const dataKeys = new DataKeys(this.options.dataKeyKms ?? (await this.barrierHeldKms()), this.options.dekCache ?? DEFAULT_DEK_CACHE, Date.now, previous);
    const rewrap = new RewrapWorker({
      dataKeys,
      state: this.rootStorage.scoped(AREA.kmsRewrap),
      sources: () => this.sealedEntrySources(),
      settings: this.options.kmsRewrap ?? DEFAULT_REWRAP,
      logger: this.logger,
      // HA: a standby node leaves background work to the active one.
      isActive: () => this.isActiveNode(),
      rewrapRootKey: () => this.barrier.rewrapRootKeyOntoCurrentKey(),
    });
    const leases = new ExpirationManager(this.rootStorage.scoped(AREA.leases), leaseHostOf(this, () => this.isActiveNode()), this.options.expiration);
    this.loaded = { mounts, tokens, policies, identity, audit, quotas, dataKeys, rewrap, leases, backends: new Map() };
    for (const entry of [...mounts.list('secret'), ...mounts.list('auth')]) this.startBackend(entry);
    leases.start();
    this.scheduleTidy();
    await rewrap.start();
  }

  /** Starts serving a mount that was just added to the table. */
  startBackend(entry: MountEntry): void {
    const type = backendType(entry.type);
    const coreFactory = this.options.coreBackends[entry.table][type];
    const factory = this.factories[entry.table][type];
    if (!coreFactory && !factory) throw invalidRequest(`unknown backend type: "${entry.type}"`);
    const backend = coreFactory ? coreFactory(entry, this) : factory!(this.systemView(entry));
    this.unsealed().backends.set(this.mounts.routeKey(entry), backend);
  }

  /** What an engine or auth method may use of the core: its mount, its storage, data keys, logger, clock. */
  private systemView(entry: MountEntry): SystemView {
    const routeKey = this.mounts.routeKey(entry);
    return {
      mount: entry,
      storage: this.mountStorage(entry),
      dataKeys: this.dataKeys,
      logger: this.logger,
      now: Date.now,
      // The entry as tuned now (sys/mounts/:path/tune changes it after the backend started).
      leaseTtls: () => mountLeaseTtls(this, this.mounts.get(routeKey) ?? entry),
      isActive: () => this.isActiveNode(),
    };
  }

  /** HA: whether this node is the active one (background work runs only there); a single node always is, unsealed. */
  private isActiveNode(): boolean {
    return !this.sealed && (this.options.isActive?.() ?? true);
  }

  /**
   * Stops serving a mount and deletes everything it stored. An auth mount's login tokens are
   * revoked with it, as Vault revokes the mount's lease prefix; it leaves the table first, so no
   * login can slip in while they are revoked.
   */
  async removeMount(routeKey: string): Promise<void> {
    const current = this.mounts.get(routeKey);
    // Its leases go first, while the backend can still revoke them (Vault's unmount revokes the prefix, and fails if that fails).
    if (current) await this.leases.revokePrefix(current.path);
    const entry = await this.mounts.remove(routeKey);
    if (!entry) return;
    const backend = this.unsealed().backends.get(routeKey);
    this.unsealed().backends.delete(routeKey);
    await backend?.close?.();
    await this.quotas.deleteMountRules(routeKey);
    // Should this stop half-way, tidy revokes the rest (their mount is gone).
    if (entry.table === 'auth') await this.tokens.revokeWhere((token) => token.login?.mountAccessor === entry.accessor);
    await this.mountStorage(entry).deleteTree('');
  }

  /**
   * sys/remount's move: the mount takes its new path in one mount-table write (its uuid, and so its
   * data under logical/<uuid>/ or auth/<uuid>/, stay), its backend restarts there and its quotas
   * follow. Returns the moved entry; what the move invalidates (an auth mount's login tokens) is the
   * caller's to revoke (core/remount.ts).
   */
  async moveMount(fromKey: string, toPath: string): Promise<MountEntry> {
    const loaded = this.unsealed();
    const moved = await loaded.mounts.move(fromKey, toPath);
    loaded.backends.delete(fromKey);
    this.startBackend(moved);
    await loaded.quotas.moveMountRules(fromKey, loaded.mounts.routeKey(moved));
    return moved;
  }

  /**
   * Vault's auth renew: a token made by a login renews only if the auth mount that issued it is
   * still there and its method agrees (user or role still exists...). Answers the limits the
   * renewal gets from the method's current settings, capped by the mount's tuned TTLs; undefined
   * for tokens no login made. Throws 400 to refuse.
   */
  async checkLoginRenewal(token: TokenEntry): Promise<RenewLimits | undefined> {
    if (!token.login) return undefined;
    const { mountAccessor, internal } = token.login;
    const mount = this.mounts.list('auth').find((m) => m.accessor === mountAccessor);
    const backend = mount && this.backend(this.mounts.routeKey(mount));
    if (!mount || !backend) throw invalidRequest('the auth method that issued this token is no longer enabled, not renewing');
    if (!backend.renewLogin) throw invalidRequest("this auth type doesn't support renew");
    const current = (await backend.renewLogin({ internal, policies: token.policies, meta: token.meta }, this.mountStorage(mount), mount)) ?? {};
    const mountDefault = mount.config.default_lease_ttl || this.tokens.defaultTtl;
    const mountMax = mount.config.max_lease_ttl || this.tokens.maxTtl;
    return {
      ttl: current.ttl || mountDefault,
      maxTtl: current.maxTtl ? Math.min(current.maxTtl, mountMax) : mountMax,
      ...(current.period !== undefined ? { period: current.period } : {}),
    };
  }

  /** Every mount whose backend keeps data-key-wrapped entries (KV v2), for the re-wrap worker. */
  private sealedEntrySources(): SealedEntrySource[] {
    const loaded = this.unsealed();
    const sources: SealedEntrySource[] = [];
    for (const entry of [...loaded.mounts.list('secret'), ...loaded.mounts.list('auth')]) {
      const entries = loaded.backends.get(loaded.mounts.routeKey(entry))?.sealedEntries;
      if (entries) sources.push({ mount: loaded.mounts.routeKey(entry), store: this.mountStorage(entry), entries });
    }
    return sources;
  }

  /** Checks that a mount type is known before it is added. */
  hasBackendType(type: string, table: MountEntry['table']): boolean {
    return Object.hasOwn(this.factories[table], backendType(type)) || Object.hasOwn(this.options.coreBackends[table], backendType(type));
  }

  /** Seals: stops background work, forgets the loaded state, zeroizes barrier keys. */
  async seal(): Promise<void> {
    await this.dropState();
    await this.barrier.seal();
    await this.options.onSealed?.();
  }

  /**
   * Snapshot restore: seals around `replace` (which swaps the whole store) and unseals from the
   * restored data. With HA this node keeps its leadership meanwhile, so no standby takes over a
   * half-restored store, and its fence keeps guarding the writes; the standbys are then told to
   * unseal again (onStoreReplaced). A store the seal cannot open leaves the node sealed, out of the
   * election.
   */
  async replaceStore(replace: () => Promise<void>): Promise<void> {
    await this.dropState();
    await this.barrier.seal();
    try {
      await replace();
      await this.options.onStoreReplaced?.().catch((err: unknown) => this.logger.error({ err }, 'could not tell the other nodes about the restored store'));
      await this.unseal();
    } catch (err) {
      await this.options.onSealed?.();
      throw err;
    }
  }

  /** Stops background work and forgets the loaded state (mounts, tokens, caches, audit devices). */
  private async dropState(): Promise<void> {
    clearInterval(this.tidyTimer);
    await this.loaded?.rewrap.stop();
    await this.stopBackends();
    const audit = this.loaded?.audit;
    this.loaded?.dataKeys.clear();
    this.loaded = undefined;
    await audit?.close();
  }

  /**
   * HA: a standby that becomes active reloads what the former active node may have changed since
   * this node unsealed (mounts, policies, identity, audit devices, the barrier's keyring after a
   * rotation). The barrier stays open.
   */
  async reload(): Promise<void> {
    if (this.sealed) throw sealedError();
    try {
      await this.dropState();
      await this.barrier.reloadKeyring();
      await this.postUnseal();
    } catch (err) {
      // Half-loaded is worse than sealed: a node that cannot load the store must not serve it.
      await this.seal();
      throw err;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.tidyTimer);
    await this.loaded?.rewrap.stop();
    await this.stopBackends();
    this.loaded?.dataKeys.clear();
    await this.loaded?.audit.close();
  }

  /** The expiration manager stops before the backends whose secrets it revokes, then the backends close (pools, timers). */
  private async stopBackends(): Promise<void> {
    await this.loaded?.leases.stop();
    for (const backend of this.loaded?.backends.values() ?? []) await backend.close?.();
  }

  private async onTokenRevoked(entry: TokenEntry): Promise<void> {
    await this.leases.revokeToken(entry.id);
    await this.wrapping.onTokenRevoked(entry);
    // A token's cubbyhole dies with it (Vault: cubbyhole is scoped to the token's lifetime).
    await this.rootStorage.deleteTree(this.cubbyholePrefix(entry.id));
  }

  /**
   * The data-key KMS when the server has no KMS of its own (Shamir seal): a local KMS whose root key
   * is created on first use and kept inside the barrier, so it is as safe as every other entry.
   */
  private async barrierHeldKms(): Promise<Kms> {
    if ((await this.rootStorage.get<string>(AREA.dataKeyRoot)) === undefined) {
      const fresh = randomKey();
      try {
        // Racing nodes: only the first put lands; everyone then reads the winner's key.
        await this.rootStorage.transaction([{ type: 'put', key: AREA.dataKeyRoot, value: fresh.toString('base64') }], [{ type: 'absent', key: AREA.dataKeyRoot }]);
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err;
      } finally {
        zeroize(fresh);
      }
    }
    const stored = await this.rootStorage.get<string>(AREA.dataKeyRoot);
    if (stored === undefined) throw new Error('the data-key root key is missing from the barrier');
    const key = Buffer.from(stored, 'base64');
    try {
      return new LocalKms(key);
    } finally {
      zeroize(key);
    }
  }

  private scheduleTidy(): void {
    const seconds = this.options.tidyInterval ?? 60;
    // Reaps expired tokens, wrapping tokens and their cubbyholes among them.
    this.tidyTimer = setInterval(() => {
      if (this.options.isActive && !this.options.isActive()) return;
      this.tokens.tidy().catch((err: unknown) => this.logger.error({ err }, 'tidy failed'));
    }, seconds * 1000);
    this.tidyTimer.unref();
  }

  private unsealed() {
    if (!this.loaded) throw sealedError();
    return this.loaded;
  }
}

/** Storage prefix of a mount's data: secret engines under logical/, auth methods under auth/. */
function mountPrefix(entry: MountEntry): string {
  return entry.table === 'auth' ? `auth/${entry.uuid}/` : `logical/${entry.uuid}/`;
}
