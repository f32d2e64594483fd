import type { Logger } from 'pino';
import type { Barrier } from '../barrier/barrier.js';
import type { Kms } from '../kms/kms.js';
import type { AuditSinkFactory } from '../framework/audit-sink.js';
import type { BackendFactory } from '../framework/system-view.js';
import type { Backend } from '../framework/types.js';
import type { Core } from './core.js';
import type { DekCacheOptions } from './data-keys.js';
import type { ExpirationSettings } from './leases/index.js';
import type { MountEntry } from './mounts.js';
import type { RewrapSettings } from './rewrap/worker.js';

/**
 * Builds a core backend (sys, identity, auth/token: src/core/backends/), which drives the core
 * itself. Every other backend gets a SystemView (framework/system-view.ts) instead.
 */
export type CoreBackendFactory = (mount: MountEntry, core: Core) => Backend;
export type { BackendFactory } from '../framework/system-view.js';

/** What the server hands the core: its barrier, the backend tables, and its settings and hooks. */
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
