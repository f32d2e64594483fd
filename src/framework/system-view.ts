import type { Logger } from 'pino';
import type { DataKeyService } from './data-keys.js';
import type { Backend, MountInfo, MountStorage } from './types.js';

/**
 * What the core lends a secret engine or auth method when it starts serving a mount (Vault's
 * logical.SystemView): narrow and typed, never the core itself. The root storage, the token store,
 * the barrier and the KMS are out of reach; a backend that needs more gets a new field here.
 * Core backends (sys, identity, the token store's auth/token) are built by the core itself
 * (src/core/backends/) and see the core.
 */
export interface SystemView {
  /** The mount being served. */
  mount: MountInfo;
  /** The mount's own storage area (the same view each handler is given). */
  storage: MountStorage;
  /** Per-version data keys wrapped by the KMS (KV v2). */
  dataKeys: DataKeyService;
  /** The core's logger. */
  logger: Logger;
  /** Milliseconds since the epoch. */
  now(): number;
  /** The mount's lease TTLs in seconds, as tuned (or the system's defaults): what a leased secret may get. */
  leaseTtls(): { defaultTtl: number; maxTtl: number };
  /** HA: whether this node is the active one now; background work (rotations) runs only there. */
  isActive(): boolean;
}

/** Builds the backend that serves a mount; the server wires engine modules in (the core never imports them). */
export type BackendFactory = (view: SystemView) => Backend;
