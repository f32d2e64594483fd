import type { Core } from './core.js';
import type { NamespaceEntry } from './namespaces/index.js';
import { AREA } from './storage-layout.js';

/**
 * Deleting a namespace, as Vault does: the DELETE marks it tainted (durably) and answers at once;
 * the work runs in the background on the active node — its tokens revoked (and their leases), each
 * of its mounts removed as an unmount removes one (leases revoked, data deleted), then its mount
 * tables, quotas, policies, identity store and entry. Every step can run again, so a deletion cut
 * short by a restart, a seal or a failover resumes from the taint mark when the state is next loaded.
 */
export class NamespaceDeletion {
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(private readonly core: Core) {}

  /** Taints `ns` and starts deleting it; a deletion under way is not started twice. */
  async start(ns: NamespaceEntry): Promise<void> {
    const tainted = ns.tainted ? ns : await this.core.namespaces.taint(ns);
    this.run(tainted);
  }

  /** Resumes the deletions a former active node (or this one, before a restart) left unfinished. */
  resume(): void {
    this.stopping = false;
    for (const ns of this.core.namespaces.all()) if (ns.tainted) this.run(ns);
  }

  /** Stops after the step under way (seal, step-down, shutdown); the taint mark stays. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled(this.running.values());
  }

  private run(ns: NamespaceEntry): void {
    if (this.running.has(ns.id)) return;
    const job = this.deleteAll(ns)
      .then(
        (finished) => this.core.logger.info({ namespace: ns.path, finished }, finished ? 'namespace deleted' : 'namespace deletion paused'),
        (err: unknown) => this.core.logger.error({ namespace: ns.path, error: (err as Error).message }, 'namespace deletion failed; it resumes at the next unseal'),
      )
      .finally(() => this.running.delete(ns.id));
    this.running.set(ns.id, job);
  }

  /** The steps, each checked against a stop; answers whether it got to the end. */
  private async deleteAll(ns: NamespaceEntry): Promise<boolean> {
    const core = this.core;
    const steps: (() => Promise<unknown>)[] = [
      () => core.tokens.revokeWhere((token) => token.namespaceId === ns.id),
      ...(['secret', 'auth'] as const).flatMap((table) => core.mounts.listIn(table, ns).map((mount) => () => core.removeMount(core.mounts.routeKey(mount)))),
      () => core.mounts.dropNamespace(ns),
      () => core.quotas.deleteMountRules(ns.path),
      () => core.rootStorage.deleteTree(`${AREA.namespacePolicies}${ns.id}/`),
      async () => {
        core.closeNamespaceIdentity(ns);
        await core.rootStorage.deleteTree(`${AREA.namespaceIdentity}${ns.id}/`);
      },
      () => core.namespaces.delete(ns),
    ];
    for (const step of steps) {
      if (this.stopping) return false;
      // One step at a time, with a turn of the event loop between: other namespaces keep being served.
      await new Promise((resolve) => setImmediate(resolve));
      await step();
    }
    return true;
  }
}
