/**
 * A read cache for a store with one writer (the HA active node), in the spirit of Vault's physical
 * cache on the active node. It holds what the store holds (barrier-sealed bytes, never plaintext),
 * keyed by storage key, each with the store revision at which it was observed: a write's revision,
 * or the revision a read was served at. An older observation never replaces a newer one, so a read
 * that was in flight while a write landed cannot put the value from before the write back.
 *
 * Writes by anyone else are not seen. The owner must make sure it is the only writer while the cache
 * is on (the etcd backend turns it on only while fenced as the HA active node) and call `invalidate`
 * when a conditional write shows that someone else wrote.
 *
 * Bounded by entry count and by bytes; least recently used entries go first.
 */
export interface CachedEntry {
  /** Undefined: the key was absent at `observedAt`. */
  value?: Uint8Array;
  /** The entry's own version (mod revision) when present. */
  version: number;
  observedAt: number;
}

export const DEFAULT_CACHE_ENTRIES = 131_072;
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

export class RevisionCache {
  private readonly entries = new Map<string, CachedEntry>();
  private bytes = 0;
  /** No read served before this revision may enter: set when a conditional write showed another writer. */
  private floor = 0;

  constructor(
    private readonly maxEntries = DEFAULT_CACHE_ENTRIES,
    private readonly maxBytes = DEFAULT_CACHE_BYTES,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedEntry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // Re-inserting moves it to the young end of the Map's order (LRU).
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /** A read served at revision `observedAt` found `found` (or nothing). */
  fromRead(key: string, found: { value: Uint8Array; version: number } | undefined, observedAt: number): void {
    if (observedAt < this.floor) return;
    this.offer(key, found ? { value: found.value, version: found.version, observedAt } : { version: 0, observedAt });
  }

  /** A write committed at `revision` put `value` under `key`, or deleted it (undefined). */
  fromWrite(key: string, value: Uint8Array | undefined, revision: number): void {
    this.offer(key, value ? { value, version: revision, observedAt: revision } : { version: 0, observedAt: revision });
  }

  /** Someone else may have written these keys (a condition failed at `revision`): forget them. */
  invalidate(keys: Iterable<string>, revision: number): void {
    this.floor = Math.max(this.floor, revision);
    for (const key of keys) this.remove(key);
  }

  /** Forgets everything; with `revision`, no read served before it may enter again (the whole store changed). */
  clear(revision = 0): void {
    this.floor = Math.max(this.floor, revision);
    this.entries.clear();
    this.bytes = 0;
  }

  private offer(key: string, entry: CachedEntry): void {
    const held = this.entries.get(key);
    if (held && held.observedAt > entry.observedAt) return;
    const size = entry.value?.byteLength ?? 0;
    if (size > this.maxBytes) return this.remove(key);
    this.remove(key);
    this.entries.set(key, entry);
    this.bytes += size;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.remove(oldest);
    }
  }

  private remove(key: string): void {
    const held = this.entries.get(key);
    if (!held) return;
    this.bytes -= held.value?.byteLength ?? 0;
    this.entries.delete(key);
  }
}
