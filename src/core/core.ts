import type { Logger } from 'pino';
import type { Barrier } from '../barrier/barrier.js';
import { sealedError } from '../framework/errors.js';
import { StorageView } from './storage-view.js';
import type { Backend, MountStorage } from '../framework/types.js';
import { cubbyholeKeyPrefix } from '../framework/cubbyhole-layout.js';
import { Metrics } from './metrics.js';
import type { AuditBroker } from './audit/broker.js';
import type { IdentityStore, TokenIdentity } from './identity/store.js';
import type { ACL } from './policy/acl.js';
import type { MountEntry, MountTable } from './mounts.js';
import { Remounts } from './remount.js';
import { NamespaceDeletion } from './namespace-deletion.js';
import { PolicyStore } from './policy/store.js';
import type { NamespaceStore } from './namespaces/index.js';
import type { NamespaceRef } from '../framework/types.js';
import type { QuotaManager } from './quotas/manager.js';
import type { RewrapWorker } from './rewrap/worker.js';
import type { RenewLimits, TokenEntry, TokenStore } from './token/index.js';
import { Wrapping } from './wrapping.js';
import type { ExpirationManager } from './leases/index.js';
import type { DataKeys } from './data-keys.js';
import { BackendCatalog } from './backend-catalog.js';
import { CUBBYHOLE_MOUNT } from './builtin-mounts.js';
import type { CoreOptions } from './core-options.js';
import { CoreLifecycle, type InitializeOptions } from './lifecycle.js';
import type { CoreState } from './load-state.js';
import { checkLoginRenewal } from './login.js';
import { AREA, mountPrefix } from './storage-layout.js';

export type { BackendFactory, CoreBackendFactory, CoreOptions } from './core-options.js';
export type { InitializeOptions } from './lifecycle.js';

/**
 * The core's state: barrier, mount table, token store, policies and the live backends. Requests go
 * through `handleRequest` in pipeline.ts; this class only holds what the pipeline works on. How it
 * starts and stops is lifecycle.ts, what it loads load-state.ts, which backend serves a mount router.ts.
 */
export class Core {
  readonly barrier: Barrier;
  readonly logger: Logger;
  readonly startedAt = new Date();
  readonly metrics = new Metrics();
  readonly wrapping = new Wrapping(this);
  readonly remounts = new Remounts(this);
  readonly namespaceDeletion = new NamespaceDeletion(this);
  /** The whole barrier as JSON; engines only ever see their mount's scope of it. */
  readonly rootStorage: MountStorage;
  readonly statusBackend: Backend;
  private readonly catalog: BackendCatalog;
  private readonly lifecycle: CoreLifecycle;

  constructor(private readonly options: CoreOptions) {
    this.barrier = options.barrier;
    this.logger = options.logger;
    this.catalog = new BackendCatalog(options.factories, options.coreBackends);
    this.rootStorage = new StorageView(options.barrier);
    this.lifecycle = new CoreLifecycle(this, options, {
      catalog: this.catalog,
      onTokenRevoked: (entry) => this.onTokenRevoked(entry),
      isActive: () => this.isActiveNode(),
    });
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
    return this.lifecycle.cluster?.name ?? '';
  }
  get clusterId(): string {
    return this.lifecycle.cluster?.id ?? '';
  }

  get sealed(): boolean {
    return this.barrier.sealed || !this.lifecycle.state;
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
  /** The root namespace's policies. */
  get policies(): PolicyStore {
    return this.unsealed().policies;
  }
  get namespaces(): NamespaceStore {
    return this.unsealed().namespaces;
  }

  /** The policies of a namespace (undefined or the root: the root's). */
  policiesIn(namespace: NamespaceRef | undefined): PolicyStore {
    if (!namespace || namespace.path === '') return this.policies;
    const state = this.unsealed();
    let store = state.namespacePolicies.get(namespace.id);
    if (!store) {
      store = new PolicyStore(this.rootStorage.scoped(`${AREA.namespacePolicies}${namespace.id}/`));
      state.namespacePolicies.set(namespace.id, store);
    }
    return store;
  }

  /** The namespace a token belongs to (the root for tokens made before namespaces, or in it). */
  namespaceOf(token: { namespaceId?: string }): NamespaceRef | undefined {
    return token.namespaceId ? this.namespaces.getById(token.namespaceId) : undefined;
  }
  /** The root namespace's identity store. */
  get identity(): IdentityStore {
    return this.unsealed().identity;
  }

  /** The identity store of a namespace (undefined or the root: the root's). */
  identityIn(namespace: NamespaceRef | undefined): IdentityStore {
    if (!namespace || namespace.path === '') return this.identity;
    const store = this.unsealed().namespaceIdentity.get(namespace.id);
    if (!store) throw new Error(`namespace ${namespace.path} has no identity store`);
    return store;
  }

  /** Gives a new namespace its identity store. */
  openNamespaceIdentity(namespace: NamespaceRef): Promise<IdentityStore> {
    return this.unsealed().openIdentity(namespace);
  }

  /** Forgets a deleted namespace's identity store (its entries are deleted with the namespace). */
  closeNamespaceIdentity(namespace: NamespaceRef): void {
    this.unsealed().namespaceIdentity.delete(namespace.id);
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
  async aclFor(token: { policies: string[]; entityId: string; namespaceId?: string }, identity: TokenIdentity | undefined = this.identityOf(token)): Promise<ACL> {
    // A token's policies are those of its own namespace, whose paths are relative to it.
    const policies = this.policiesIn(this.namespaceOf(token));
    if (!identity) return policies.acl(token.policies);
    // Vault: the tokens of a disabled entity cannot be used (they are not revoked: enabling restores them).
    if (identity.disabled) return policies.acl([]);
    return policies.acl([...token.policies, ...identity.policies], { key: identity.key, context: identity.context });
  }

  /** What a token gets from its entity (policies, template context), computed once: pass it on rather than ask again. */
  identityOf(token: { entityId: string; namespaceId?: string }): TokenIdentity | undefined {
    if (!token.entityId) return undefined;
    // An entity lives in its token's namespace's identity store; a deleted namespace has none.
    const namespace = this.namespaceOf(token);
    if (token.namespaceId && !namespace) return undefined;
    return this.identityIn(namespace).derive(token.entityId);
  }

  /** The backend serving a mount (by route key, e.g. "secret/" or "auth/token/"). */
  backend(routeKey: string): Backend | undefined {
    return this.unsealed().router.backend(routeKey);
  }

  /** The JSON storage area of a mount. */
  mountStorage(entry: MountEntry): MountStorage {
    return this.rootStorage.scoped(mountPrefix(entry));
  }

  /**
   * Where a token's cubbyhole lives, from the storage root (wrapping transacts across areas): in
   * the root's cubbyhole/, or a namespace's own.
   */
  cubbyholePrefix(tokenId: string, namespace?: NamespaceRef): string {
    const cubbyhole = this.mounts.get(this.mounts.routeKey({ ...CUBBYHOLE_MOUNT, namespace }));
    if (!cubbyhole) throw new Error('the cubbyhole mount is missing');
    return mountPrefix(cubbyhole) + cubbyholeKeyPrefix(tokenId);
  }

  /** Whether the store has been initialized (barrier keyring present). */
  async isInitialized(): Promise<boolean> {
    return this.barrier.isInitialized();
  }

  /** First start of a new store (sys/init): keyring, builtin mounts, default policy, first root token. */
  initializeStore(options: InitializeOptions = {}): Promise<{ rootToken: string }> {
    return this.lifecycle.initializeStore(options);
  }

  /** Opens the barrier with the configured KMS and loads the core's state. */
  unseal(seal?: InitializeOptions['seal']): Promise<void> {
    return this.lifecycle.unseal(seal);
  }

  /** Seals: stops background work, forgets the loaded state, zeroizes barrier keys. */
  seal(): Promise<void> {
    return this.lifecycle.seal();
  }

  /** Snapshot restore: seals around `replace` (which swaps the whole store) and unseals from the restored data. */
  replaceStore(replace: () => Promise<void>): Promise<void> {
    return this.lifecycle.replaceStore(replace);
  }

  /** HA: a standby that becomes active reloads the state the former active node may have changed. */
  reload(): Promise<void> {
    return this.lifecycle.reload();
  }

  /** Server shutdown: stops background work, closes backends and audit devices. */
  close(): Promise<void> {
    return this.lifecycle.close();
  }

  /** Starts serving a mount that was just added to the table. */
  startBackend(entry: MountEntry): void {
    this.unsealed().router.start(entry);
  }

  /** Stops serving a mount, revoking its leases (and an auth mount's tokens), and deletes its data. */
  removeMount(routeKey: string): Promise<void> {
    return this.unsealed().router.remove(routeKey);
  }

  /** sys/remount's move: the mount takes its new path, its backend restarts there. */
  moveMount(fromKey: string, toPath: string): Promise<MountEntry> {
    return this.unsealed().router.move(fromKey, toPath);
  }

  /** Checks that a mount type is known before it is added. */
  hasBackendType(type: string, table: MountEntry['table']): boolean {
    return this.catalog.has(type, table);
  }

  /** Vault's auth renew: the limits a login token's renewal gets from its auth method (login.ts). */
  checkLoginRenewal(token: TokenEntry): Promise<RenewLimits | undefined> {
    return checkLoginRenewal(this, token);
  }

  /** HA: whether this node is the active one (background work runs only there); a single node always is, unsealed. */
  isActiveNode(): boolean {
    return !this.sealed && (this.options.isActive?.() ?? true);
  }

  private async onTokenRevoked(entry: TokenEntry): Promise<void> {
    await this.leases.revokeToken(entry.id);
    await this.wrapping.onTokenRevoked(entry);
    // A token's cubbyhole dies with it (Vault: cubbyhole is scoped to the token's lifetime); a
    // namespace's token keeps its cubbyhole in its namespace's cubbyhole/.
    await this.rootStorage.deleteTree(this.cubbyholePrefix(entry.id));
    const namespace = this.namespaceOf(entry);
    if (namespace && this.mounts.get(this.mounts.routeKey({ ...CUBBYHOLE_MOUNT, namespace }))) await this.rootStorage.deleteTree(this.cubbyholePrefix(entry.id, namespace));
  }

  private unsealed(): CoreState {
    const state = this.lifecycle.state;
    if (!state) throw sealedError();
    return state;
  }
}
