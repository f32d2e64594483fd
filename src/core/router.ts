import type { SystemView } from '../framework/system-view.js';
import type { Backend } from '../framework/types.js';
import type { BackendCatalog } from './backend-catalog.js';
import type { Core } from './core.js';
import { mountLeaseTtls } from './lease-host.js';
import type { MountEntry } from './mounts.js';
import type { SealedEntrySource } from './rewrap/worker.js';

/**
 * The live backends of an unsealed core, by route key ("secret/", "auth/token/"): the mount table
 * says which mount a path is for, this says which backend serves it. Starting, stopping and moving
 * a mount's backend happen here, with what goes with them (its leases, quotas, tokens and data).
 */
export class MountRouter {
  private readonly backends = new Map<string, Backend>();

  constructor(
    private readonly core: Core,
    private readonly catalog: BackendCatalog,
    private readonly isActive: () => boolean,
  ) {}

  /** The backend serving a mount (by route key, e.g. "secret/" or "auth/token/"). */
  backend(routeKey: string): Backend | undefined {
    return this.backends.get(routeKey);
  }

  /** Starts serving a mount that is in the table. */
  start(entry: MountEntry): void {
    const backend = this.catalog.build(entry, this.core, () => this.systemView(entry));
    this.backends.set(this.core.mounts.routeKey(entry), backend);
  }

  /**
   * Stops serving a mount and deletes everything it stored. An auth mount's login tokens are
   * revoked with it, as Vault revokes the mount's lease prefix; it leaves the table first, so no
   * login can slip in while they are revoked.
   */
  async remove(routeKey: string): Promise<void> {
    const core = this.core;
    const current = core.mounts.get(routeKey);
    // Its leases go first, while the backend can still revoke them (Vault's unmount revokes the
    // prefix, and fails if that fails). Lease ids start with the full path: the route key.
    if (current) await core.leases.revokePrefix(routeKey);
    const entry = await core.mounts.remove(routeKey);
    if (!entry) return;
    const backend = this.backends.get(routeKey);
    this.backends.delete(routeKey);
    await backend?.close?.();
    await core.quotas.deleteMountRules(routeKey);
    // Should this stop half-way, tidy revokes the rest (their mount is gone).
    if (entry.table === 'auth') await core.tokens.revokeWhere((token) => token.login?.mountAccessor === entry.accessor);
    await core.mountStorage(entry).deleteTree('');
  }

  /**
   * sys/remount's move: the mount takes its new path in one mount-table write (its uuid, and so its
   * data under logical/<uuid>/ or auth/<uuid>/, stay), its backend restarts there and its quotas
   * follow. Returns the moved entry; what the move invalidates (an auth mount's login tokens) is the
   * caller's to revoke (core/remount.ts).
   */
  async move(fromKey: string, toPath: string): Promise<MountEntry> {
    const { mounts, quotas } = this.core;
    const moved = await mounts.move(fromKey, toPath);
    this.backends.delete(fromKey);
    this.start(moved);
    await quotas.moveMountRules(fromKey, mounts.routeKey(moved));
    return moved;
  }

  /** Every mount whose backend keeps data-key-wrapped entries (KV v2), for the re-wrap worker. */
  sealedEntrySources(): SealedEntrySource[] {
    const mounts = this.core.mounts;
    const sources: SealedEntrySource[] = [];
    for (const entry of [...mounts.list('secret'), ...mounts.list('auth')]) {
      const entries = this.backends.get(mounts.routeKey(entry))?.sealedEntries;
      if (entries) sources.push({ mount: mounts.routeKey(entry), store: this.core.mountStorage(entry), entries });
    }
    return sources;
  }

  /** Closes every backend (pools, timers); the expiration manager must be stopped first. */
  async closeAll(): Promise<void> {
    for (const backend of this.backends.values()) await backend.close?.();
  }

  /** What an engine or auth method may use of the core: its mount, its storage, data keys, logger, clock. */
  private systemView(entry: MountEntry): SystemView {
    const core = this.core;
    const routeKey = core.mounts.routeKey(entry);
    return {
      mount: entry,
      storage: core.mountStorage(entry),
      dataKeys: core.dataKeys,
      logger: core.logger,
      now: Date.now,
      // The entry as tuned now (sys/mounts/:path/tune changes it after the backend started).
      leaseTtls: () => mountLeaseTtls(core, core.mounts.get(routeKey) ?? entry),
      isActive: () => this.isActive(),
    };
  }
}
