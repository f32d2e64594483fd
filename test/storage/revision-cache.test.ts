import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RevisionCache } from '../../src/storage/revision-cache.js';

// The HA active node's read cache (src/storage/revision-cache.ts); through etcd in etcd.test.ts.

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

describe('revision cache', () => {
  it('serves what a write or a read put in, absent keys included', () => {
    const cache = new RevisionCache();
    cache.fromWrite('a', bytes('one'), 10);
    cache.fromRead('b', undefined, 11);
    assert.equal(text(cache.get('a')?.value), 'one');
    assert.equal(cache.get('a')?.version, 10);
    assert.deepEqual(cache.get('b'), { version: 0, observedAt: 11 });
    assert.equal(cache.get('c'), undefined);
    cache.fromWrite('a', undefined, 12);
    assert.equal(cache.get('a')?.value, undefined);
  });

  it('never lets a read served before a write put the older value back', () => {
    const cache = new RevisionCache();
    // A read served at revision 20 returns after a write committed at revision 21.
    cache.fromWrite('k', bytes('new'), 21);
    cache.fromRead('k', { value: bytes('old'), version: 15 }, 20);
    assert.equal(text(cache.get('k')?.value), 'new');
    // Nor a deletion seen at 20 over a write at 21.
    cache.fromRead('k', undefined, 20);
    assert.equal(text(cache.get('k')?.value), 'new');
    // A later read does replace it.
    cache.fromRead('k', { value: bytes('newer'), version: 22 }, 23);
    assert.equal(text(cache.get('k')?.value), 'newer');
  });

  it('after an invalidation takes no read served before it', () => {
    const cache = new RevisionCache();
    cache.fromWrite('k', bytes('mine'), 5);
    cache.invalidate(['k'], 9);
    assert.equal(cache.get('k'), undefined);
    cache.fromRead('k', { value: bytes('stale'), version: 5 }, 8);
    assert.equal(cache.get('k'), undefined);
    cache.fromRead('k', { value: bytes('theirs'), version: 9 }, 9);
    assert.equal(text(cache.get('k')?.value), 'theirs');
    cache.clear(30);
    cache.fromRead('k', { value: bytes('stale'), version: 9 }, 29);
    assert.equal(cache.get('k'), undefined);
  });

  it('holds at most its entry and byte bounds, dropping the least recently used first', () => {
    const cache = new RevisionCache(3, 1_000);
    for (const [i, key] of ['a', 'b', 'c'].entries()) cache.fromWrite(key, bytes(key), i + 1);
    cache.get('a');
    cache.fromWrite('d', bytes('d'), 4);
    assert.equal(cache.size, 3);
    assert.equal(cache.get('b'), undefined);
    assert.ok(cache.get('a') && cache.get('c') && cache.get('d'));
    cache.fromWrite('big', new Uint8Array(999), 5);
    assert.ok(cache.get('big'));
    assert.equal(cache.size, 2, 'bytes over the bound evict older entries');
    cache.fromWrite('huge', new Uint8Array(2_000), 6);
    assert.equal(cache.get('huge'), undefined, 'a value over the whole bound is not kept');
  });
});
