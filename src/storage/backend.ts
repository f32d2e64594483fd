/** A stored value with the backend-assigned version (≥ 1) that changes on every put. */
export interface Entry {
  key: string;
  value: Uint8Array;
  version: number;
}

export type Op = { type: 'put'; key: string; value: Uint8Array } | { type: 'delete'; key: string };

/** Preconditions of a transaction: a key must be absent, or must still be at the version read earlier. */
export type Condition = { type: 'absent'; key: string } | { type: 'version'; key: string; version: number };

/** Thrown by `transaction` when a condition does not hold; nothing was applied. */
export class ConditionFailed extends Error {
  constructor(readonly key: string) {
    super(`storage condition failed on ${key}`);
    this.name = 'ConditionFailed';
  }
}

/**
 * The physical storage contract. Keys are '/'-separated strings; `list` is one level deep,
 * Vault-style: direct children, with folders returned as "name/".
 */
export interface StorageBackend {
  get(key: string): Promise<Entry | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  /** All ops apply, or none; a failed condition throws ConditionFailed. */
  transaction(ops: Op[], conditions?: Condition[]): Promise<void>;
  close(): Promise<void>;
  /**
   * Optional (snapshots): every physical entry exactly as stored, as of one point in time, in key
   * order. Writes made while the iteration runs are not seen. A backend without it cannot be snapshotted.
   */
  snapshot?(): AsyncIterable<SnapshotEntry>;
  /**
   * Optional (snapshots): replaces the whole store with `entries` (all or nothing where the backend
   * can). Restored entries get fresh versions from the backend's counter, never the snapshot's, so
   * a check-and-set read before the restore cannot match a restored entry.
   */
  restore?(entries: Iterable<SnapshotEntry>): Promise<void>;
}

/** One physical entry of a snapshot: the stored (barrier-encrypted) bytes under their key. */
export interface SnapshotEntry {
  key: string;
  value: Uint8Array;
}
