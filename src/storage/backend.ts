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
}
