import { ConditionFailed, type Condition, type JsonOp, type MountStorage } from '../../../framework/types.js';

/** What a planned change writes, and what the handler answers once it is committed. */
export interface Change<R> {
  ops: JsonOp[];
  result: R;
}

/** Attempts before giving up when other nodes keep winning the race for the same entry. */
const MAX_ATTEMPTS = 50;

/** Serialises async work per key within one process, so writers on one node queue instead of retrying. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/**
 * Read-decide-write on one guarding entry, atomically: `plan` sees the entry's current value and returns
 * the ops to apply (possibly touching other keys) and the result. The ops commit in one transaction that
 * holds only if the guard is unchanged since it was read; when another writer (this node or another) got
 * there first, `plan` runs again on fresh state, so check-and-set is never decided on a stale version.
 * A plan with no ops commits nothing. Errors thrown by `plan` (bad cas, bad input) propagate untouched.
 */
export async function commitGuarded<T, R>(
  store: MountStorage,
  lock: KeyedLock,
  guardKey: string,
  plan: (current: T | undefined) => Promise<Change<R>>,
): Promise<R> {
  return lock.run(guardKey, async () => {
    for (let attempt = 1; ; attempt++) {
      const current = await store.getVersioned<T>(guardKey);
      const change = await plan(current?.value);
      if (change.ops.length === 0) return change.result;
      const guard: Condition = current
        ? { type: 'version', key: guardKey, version: current.version }
        : { type: 'absent', key: guardKey };
      try {
        await store.transaction(change.ops, [guard]);
        return change.result;
      } catch (err) {
        if (!(err instanceof ConditionFailed) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  });
}
