import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ConditionFailed, type SnapshotEntry, type StorageBackend } from '../../src/storage/backend.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

async function collect(entries: AsyncIterable<SnapshotEntry>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const { key, value } of entries) out[key] = text(value)!;
  return out;
}

/**
 * What every backend with the optional snapshot/restore methods must do (the etcd backend can run
 * this too): a point-in-time copy in key order, and a restore that replaces everything with fresh versions.
 */
export function runSnapshotConformance(name: string, open: () => Promise<StorageBackend>, cleanup: () => Promise<void> = async () => {}): void {
  describe(`${name}: snapshot and restore`, () => {
    const opened: StorageBackend[] = [];
    const fresh = async () => {
      const backend = await open();
      opened.push(backend);
      assert.ok(backend.snapshot && backend.restore, `${name} implements snapshot and restore`);
      return backend as StorageBackend & Required<Pick<StorageBackend, 'snapshot' | 'restore'>>;
    };
    after(async () => {
      for (const backend of opened) await backend.close();
      await cleanup();
    });

    it('a snapshot yields every entry as stored, in key order', async () => {
      const store = await fresh();
      await store.put('b/2', bytes('two'));
      await store.put('a', bytes('one'));
      await store.put('b/1', bytes('three'));
      const keys: string[] = [];
      for await (const { key } of store.snapshot()) keys.push(key);
      assert.deepEqual(keys, ['a', 'b/1', 'b/2']);
      assert.deepEqual(await collect(store.snapshot()), { a: 'one', 'b/1': 'three', 'b/2': 'two' });
    });

    it('writes made while a snapshot is being read are not in it (one point in time)', async () => {
      const store = await fresh();
      for (let i = 0; i < 50; i++) await store.put(`k/${String(i).padStart(3, '0')}`, bytes(`v${i}`));
      const iterator = store.snapshot()[Symbol.asyncIterator]();
      const first = await iterator.next();
      assert.equal(first.done, false);
      // Changed after the snapshot started: none of it may show up in the rest of the iteration.
      await store.put('k/049', bytes('changed'));
      await store.delete('k/025');
      await store.put('z/new', bytes('new'));
      const seen: Record<string, string> = { [first.value!.key]: text(first.value!.value)! };
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) seen[next.value.key] = text(next.value.value)!;
      assert.equal(Object.keys(seen).length, 50);
      assert.equal(seen['k/049'], 'v49');
      assert.equal(seen['k/025'], 'v25');
      assert.equal(seen['z/new'], undefined);
    });

    it('restore replaces the whole store: keys absent from the snapshot are gone', async () => {
      const store = await fresh();
      await store.put('keep', bytes('old'));
      await store.put('gone/1', bytes('x'));
      await store.restore([{ key: 'keep', value: bytes('restored') }, { key: 'new/1', value: bytes('y') }]);
      assert.equal(text((await store.get('keep'))?.value), 'restored');
      assert.equal(await store.get('gone/1'), undefined);
      assert.deepEqual(await store.list(''), ['keep', 'new/']);
    });

    it('restored entries get versions newer than any before, so a stale check-and-set fails', async () => {
      const store = await fresh();
      await store.put('cas', bytes('before'));
      const before = (await store.get('cas'))!.version;
      const snapshot = Object.entries(await collect(store.snapshot())).map(([key, value]) => ({ key, value: bytes(value) }));
      await store.put('cas', bytes('after'));
      const after = (await store.get('cas'))!.version;
      await store.restore(snapshot);
      const restored = await store.get('cas');
      assert.equal(text(restored?.value), 'before');
      assert.ok(restored!.version > after && after > before);
      await assert.rejects(store.transaction([{ type: 'put', key: 'cas', value: bytes('stale') }], [{ type: 'version', key: 'cas', version: before }]), ConditionFailed);
    });
  });
}
