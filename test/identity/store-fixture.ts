import { setTimeout as sleep } from 'node:timers/promises';
import { StorageView } from '../../src/core/storage-view.js';
import { IdentityStore } from '../../src/core/identity/store.js';
import type { MountEntry } from '../../src/core/mounts.js';
import type { Condition, JsonOp, MountStorage } from '../../src/framework/types.js';
import { InmemBackend } from '../../src/storage/inmem.js';

// Identity stores over in-memory storage, for unit tests of the store itself. Several stores on one
// backend stand for several HA nodes sharing etcd.

export const ACCESSORS = ['auth_userpass_1', 'auth_userpass_2', 'auth_token_1'];

const authMount = (accessor: string) => (ACCESSORS.includes(accessor) ? ({ accessor } as MountEntry) : undefined);

/** A storage view whose transactions take a random few milliseconds before and after committing, so concurrent writes interleave. */
export class SlowStorage extends StorageView {
  transactions = 0;
  override async transaction(ops: JsonOp[], conditions: Condition[] = []): Promise<void> {
    this.transactions++;
    await sleep(Math.floor(Math.random() * 3));
    await super.transaction(ops, conditions);
    await sleep(Math.floor(Math.random() * 3));
  }
}

export function sharedStorage(): { backend: InmemBackend; view: (slow?: boolean) => MountStorage } {
  const backend = new InmemBackend();
  return { backend, view: (slow = true) => (slow ? new SlowStorage(backend, 'sys/identity/') : new StorageView(backend, 'sys/identity/')) };
}

/** A loaded store (one "node") on the given storage. */
export async function node(storage: MountStorage): Promise<IdentityStore> {
  const store = new IdentityStore(storage, authMount);
  await store.load();
  return store;
}

/** Everything a store holds, in a comparable form (sorted by id). */
export function dump(store: IdentityStore): unknown {
  const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
  return {
    entities: byId(store.listEntities()),
    aliases: byId(store.listAliases()),
    groups: byId(store.listGroups()).map((g) => ({ ...g, memberEntityIds: [...g.memberEntityIds].sort(), memberGroupIds: [...g.memberGroupIds].sort() })),
  };
}
