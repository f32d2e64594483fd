import type { JsonOp, MountStorage } from '../../framework/types.js';
import { expiryOfTimeKey, LEASE_KEYS, type LeaseEntry } from './entry.js';

/**
 * Lease entries and their two indexes (by token, by expiry), always written together in one
 * transaction, so an index never points at a lease that is not there for long (a reader that
 * finds a dangling index key drops it).
 */
export class LeaseStore {
  constructor(private readonly storage: MountStorage) {}

  get(id: string): Promise<LeaseEntry | undefined> {
    return this.storage.get<LeaseEntry>(LEASE_KEYS.entry(id));
  }

  /** Creates or rewrites a lease; `previous` is what is stored now (its expiry index key moves). */
  async put(entry: LeaseEntry, previous?: LeaseEntry): Promise<void> {
    const ops: JsonOp[] = [{ type: 'put', key: LEASE_KEYS.entry(entry.id), value: entry }];
    if (!previous) ops.push({ type: 'put', key: LEASE_KEYS.token(entry.tokenId, entry.id), value: entry.id });
    if (previous && !previous.irrevocable) ops.push({ type: 'delete', key: LEASE_KEYS.time(previous.expireTime, previous.id) });
    // An irrevocable lease is no longer scheduled: it waits for revoke-force.
    if (entry.irrevocable) ops.push({ type: 'put', key: LEASE_KEYS.irrevocable(entry.id), value: entry.id });
    else ops.push({ type: 'put', key: LEASE_KEYS.time(entry.expireTime, entry.id), value: entry.id });
    await this.storage.transaction(ops);
  }

  async delete(entry: LeaseEntry): Promise<void> {
    await this.storage.transaction([
      { type: 'delete', key: LEASE_KEYS.entry(entry.id) },
      { type: 'delete', key: LEASE_KEYS.token(entry.tokenId, entry.id) },
      entry.irrevocable ? { type: 'delete', key: LEASE_KEYS.irrevocable(entry.id) } : { type: 'delete', key: LEASE_KEYS.time(entry.expireTime, entry.id) },
    ]);
  }

  /** The irrevocable leases, from their own index. */
  async irrevocable(): Promise<LeaseEntry[]> {
    const keys = await this.storage.list('irrevocable/');
    const ids = await Promise.all(keys.map((k) => this.storage.get<string>(`irrevocable/${k}`)));
    const entries = await Promise.all(ids.map((id) => (id === undefined ? undefined : this.get(id))));
    return entries.filter((e): e is LeaseEntry => e?.irrevocable !== undefined);
  }

  /** The children of a lease-id prefix, as a storage list answers them (folders end in "/"). */
  list(prefix: string): Promise<string[]> {
    return this.storage.list(LEASE_KEYS.entry(prefix));
  }

  /** Every lease id under `prefix` (depth first). */
  async *idsUnder(prefix: string): AsyncGenerator<string> {
    for (const child of await this.list(prefix)) {
      if (child.endsWith('/')) yield* this.idsUnder(prefix + child);
      else yield prefix + child;
    }
  }

  /** The ids of the leases a token created. */
  async idsOfToken(tokenId: string): Promise<string[]> {
    const prefix = LEASE_KEYS.tokenPrefix(tokenId);
    const keys = await this.storage.list(prefix);
    const ids = await Promise.all(keys.map((k) => this.storage.get<string>(prefix + k)));
    return ids.filter((id): id is string => typeof id === 'string');
  }

  /**
   * Up to `limit` leases due by `now`, earliest first, found by walking the time index from its
   * earliest hour and minute: only the due part of the index is read. Also answers the earliest
   * expiry still ahead (when the walk saw one), to schedule the next pass.
   */
  async due(now: number, limit: number): Promise<{ due: { id: string; at: number }[]; next?: number }> {
    const due: { id: string; at: number }[] = [];
    for (const hour of await this.storage.list('time/')) {
      for (const minute of await this.storage.list(`time/${hour}`)) {
        const prefix = `time/${hour}${minute}`;
        for (const key of await this.storage.list(prefix)) {
          const expiry = expiryOfTimeKey(key);
          if (expiry > now || due.length >= limit) return { due, next: expiry };
          const id = await this.storage.get<string>(prefix + key);
          if (id !== undefined) due.push({ id, at: expiry });
        }
      }
    }
    return { due };
  }

  /** Drops a time-index key whose lease is gone (a crash between writes cannot leave one, but a restore can). */
  dropTimeKey(expireTime: number, id: string): Promise<void> {
    return this.storage.delete(LEASE_KEYS.time(expireTime, id));
  }
}
