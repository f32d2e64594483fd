import { LocalKms } from '../kms/local.js';
import type { Kms } from '../kms/kms.js';
import { randomKey } from '../crypto/random.js';
import { zeroize } from '../crypto/zeroize.js';
import { ConditionFailed, type MountStorage } from '../framework/types.js';
import { AuditBroker } from './audit/broker.js';
import type { BackendCatalog } from './backend-catalog.js';
import { ensureBuiltinMounts } from './builtin-mounts.js';
import type { Core } from './core.js';
import type { CoreOptions } from './core-options.js';
import { DataKeys, DEFAULT_DEK_CACHE } from './data-keys.js';
import { IdentityStore } from './identity/store.js';
import { leaseHostOf } from './lease-host.js';
import { ExpirationManager } from './leases/index.js';
import { MountTable } from './mounts.js';
import { NamespaceStore } from './namespaces/index.js';
import { PolicyStore } from './policy/store.js';
import { QuotaManager } from './quotas/manager.js';
import { DEFAULT_REWRAP, RewrapWorker } from './rewrap/worker.js';
import { MountRouter } from './router.js';
import { AREA } from './storage-layout.js';
import type { NamespaceRef } from '../framework/types.js';
import { TokenStore, type TokenEntry } from './token/index.js';

/** What an unsealed core has loaded from the barrier; dropped whole when it seals. */
export interface CoreState {
  namespaces: NamespaceStore;
  /** The policy stores of namespaces other than the root, made when first asked for. */
  namespacePolicies: Map<string, PolicyStore>;
  mounts: MountTable;
  tokens: TokenStore;
  policies: PolicyStore;
  /** The root namespace's identity store. */
  identity: IdentityStore;
  /** Each other namespace's own, loaded with the state and made with the namespace. */
  namespaceIdentity: Map<string, IdentityStore>;
  /** Makes (and loads) the identity store of a namespace. */
  openIdentity: (namespace: NamespaceRef) => Promise<IdentityStore>;
  audit: AuditBroker;
  quotas: QuotaManager;
  dataKeys: DataKeys;
  rewrap: RewrapWorker;
  leases: ExpirationManager;
  router: MountRouter;
}

/** How the loaded parts reach back into the core. */
export interface StateWiring {
  catalog: BackendCatalog;
  /** Runs for each revoked token, before its entry is deleted. */
  onTokenRevoked: (entry: TokenEntry) => Promise<void>;
  /** HA: whether this node is the active one (background work runs only there). */
  isActive: () => boolean;
}

/**
 * Builds the core's state from an open barrier: the mount table (with any built-in mount it
 * lacks), token store, policies, identity, audit devices, quotas, data keys, the re-wrap worker
 * and the expiration manager. Nothing is started: backends, leases, tidy and re-wrap are the
 * lifecycle's to start, in order (lifecycle.ts).
 */
export async function loadState(core: Core, options: CoreOptions, wiring: StateWiring): Promise<CoreState> {
  const root = core.rootStorage;
  const salt = await root.get<string>(AREA.tokenSalt);
  if (!salt) throw new Error('store is not initialized');
  const namespaces = new NamespaceStore(root.scoped(AREA.namespaces));
  await namespaces.load();
  const mounts = new MountTable(root.scoped(AREA.mounts));
  await mounts.load(namespaces.all());
  await ensureBuiltinMounts(mounts);
  for (const namespace of namespaces.all()) await ensureBuiltinMounts(mounts, namespace);
  const tokens = new TokenStore(root.scoped(AREA.tokens), {
    salt: Buffer.from(salt, 'base64'),
    onRevoke: wiring.onTokenRevoked,
    loginMountGone: (entry) => !mounts.list('auth').some((m) => m.accessor === entry.login?.mountAccessor),
  });
  const policies = new PolicyStore(root.scoped(AREA.policies));
  const authMount = (accessor: string) => mounts.list('auth').find((m) => m.accessor === accessor);
  const identity = new IdentityStore(root.scoped(AREA.identity), authMount);
  await identity.load();
  const namespaceIdentity = new Map<string, IdentityStore>();
  const openIdentity = async (namespace: NamespaceRef) => {
    const store = new IdentityStore(root.scoped(`${AREA.namespaceIdentity}${namespace.id}/`), authMount, Date.now, namespace.id);
    await store.load();
    namespaceIdentity.set(namespace.id, store);
    return store;
  };
  for (const namespace of namespaces.all()) await openIdentity(namespace);
  const audit = new AuditBroker(root.scoped(AREA.audit), options.auditDevices ?? {}, core.logger, () => core.metrics.auditFailures.inc());
  await audit.load();
  const quotas = new QuotaManager(root.scoped(AREA.quotas));
  await quotas.load();
  // After a seal migration, data keys wrapped under the former seal stay readable through its KMS.
  const previous = [
    ...(options.previousDataKeyKms ? [options.previousDataKeyKms] : []),
    ...(options.dataKeyKms && (await root.get<string>(AREA.dataKeyRoot)) !== undefined ? [await barrierHeldKms(root)] : []),
  ];
  const dataKeys = new DataKeys(options.dataKeyKms ?? (await barrierHeldKms(root)), options.dekCache ?? DEFAULT_DEK_CACHE, Date.now, previous);
  const router = new MountRouter(core, wiring.catalog, wiring.isActive);
  const rewrap = new RewrapWorker({
    dataKeys,
    state: root.scoped(AREA.kmsRewrap),
    sources: () => router.sealedEntrySources(),
    settings: options.kmsRewrap ?? DEFAULT_REWRAP,
    logger: core.logger,
    // HA: a standby node leaves background work to the active one.
    isActive: wiring.isActive,
    rewrapRootKey: () => core.barrier.rewrapRootKeyOntoCurrentKey(),
  });
  const leases = new ExpirationManager(root.scoped(AREA.leases), leaseHostOf(core, wiring.isActive), options.expiration);
  return { namespaces, namespacePolicies: new Map(), mounts, tokens, policies, identity, namespaceIdentity, openIdentity, audit, quotas, dataKeys, rewrap, leases, router };
}

/**
 * The data-key KMS when the server has no KMS of its own (Shamir seal): a local KMS whose root key
 * is created on first use and kept inside the barrier, so it is as safe as every other entry.
 */
async function barrierHeldKms(root: MountStorage): Promise<Kms> {
  if ((await root.get<string>(AREA.dataKeyRoot)) === undefined) {
    const fresh = randomKey();
    try {
      // Racing nodes: only the first put lands; everyone then reads the winner's key.
      await root.transaction([{ type: 'put', key: AREA.dataKeyRoot, value: fresh.toString('base64') }], [{ type: 'absent', key: AREA.dataKeyRoot }]);
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err;
    } finally {
      zeroize(fresh);
    }
  }
  const stored = await root.get<string>(AREA.dataKeyRoot);
  if (stored === undefined) throw new Error('the data-key root key is missing from the barrier');
  const key = Buffer.from(stored, 'base64');
  try {
    return new LocalKms(key);
  } finally {
    zeroize(key);
  }
}
