import { ConditionFailed as StorageConditionFailed, type StorageBackend } from '../storage/backend.js';
import { ConditionFailed, type Condition, type JsonOp, type MountStorage } from '../framework/types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = (value: unknown) => encoder.encode(JSON.stringify(value));

/** A JSON view over (barrier-encrypted) storage, with every key under `prefix`. */
export class StorageView implements MountStorage {
  constructor(
    private readonly backend: StorageBackend,
    private readonly prefix = '',
  ) {}

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.getVersioned<T>(key))?.value;
  }

  async getVersioned<T>(key: string): Promise<{ value: T; version: number } | undefined> {
    const entry = await this.backend.get(this.prefix + key);
    if (!entry) return undefined;
    return { value: JSON.parse(decoder.decode(entry.value)) as T, version: entry.version };
  }

  put(key: string, value: unknown): Promise<void> {
    return this.backend.put(this.prefix + key, encode(value));
  }

  delete(key: string): Promise<void> {
    return this.backend.delete(this.prefix + key);
  }

  list(prefix: string): Promise<string[]> {
    return this.backend.list(this.prefix + prefix);
  }

  async transaction(ops: JsonOp[], conditions: Condition[] = []): Promise<void> {
    try {
      await this.backend.transaction(
        ops.map((op) =>
          op.type === 'put'
            ? { type: 'put', key: this.prefix + op.key, value: encode(op.value) }
            : { type: 'delete', key: this.prefix + op.key },
        ),
        conditions.map((c) => ({ ...c, key: this.prefix + c.key })),
      );
    } catch (err) {
      // Backends see the framework's ConditionFailed, not storage/'s: the framework imports nothing internal.
      if (err instanceof StorageConditionFailed) throw new ConditionFailed(err.key);
      throw err;
    }
  }

  async deleteTree(prefix: string): Promise<void> {
    for (const child of await this.list(prefix)) {
      if (child.endsWith('/')) await this.deleteTree(prefix + child);
      else await this.delete(prefix + child);
    }
  }

  keyOf(key: string): string {
    return this.prefix + key;
  }

  scoped(prefix: string): MountStorage {
    return new StorageView(this.backend, this.prefix + prefix);
  }
}
