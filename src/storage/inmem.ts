import { ConditionFailed, type Condition, type Entry, type Op, type SnapshotEntry, type StorageBackend } from './backend.js';
import { listChildren } from './list.js';

/** Storage in a Map: tests and `-dev` without a file. Single-threaded JS makes each call atomic. */
export class InmemBackend implements StorageBackend {
  private readonly entries = new Map<string, Entry>();
  private revision = 0;

  async get(key: string): Promise<Entry | undefined> {
    const entry = this.entries.get(key);
    return entry && { ...entry, value: entry.value.slice() };
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.store(key, value);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    return listChildren(prefix, this.entries.keys());
  }

  async transaction(ops: Op[], conditions: Condition[] = []): Promise<void> {
    for (const condition of conditions) {
      const current = this.entries.get(condition.key);
      const holds = condition.type === 'absent' ? !current : current?.version === condition.version;
      if (!holds) throw new ConditionFailed(condition.key);
    }
    // No await between check and apply: another caller must never see half a transaction.
    for (const op of ops) {
      if (op.type === 'put') this.store(op.key, op.value);
      else this.entries.delete(op.key);
    }
  }

  async close(): Promise<void> {}

  /** A copy of the map taken synchronously, so it is one point in time; yielded in key order. */
  async *snapshot(): AsyncIterable<SnapshotEntry> {
    const copy = [...this.entries.values()].map(({ key, value }) => ({ key, value: value.slice() }));
    copy.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* copy;
  }

  /** Replaces the map without an await in between: no caller sees a half-restored store. */
  async restore(entries: Iterable<SnapshotEntry>): Promise<void> {
    const incoming = [...entries];
    this.entries.clear();
    for (const { key, value } of incoming) this.store(key, value);
  }

  private store(key: string, value: Uint8Array): void {
    this.entries.set(key, { key, value: value.slice(), version: ++this.revision });
  }
}
