import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { ConditionFailed, type StorageBackend } from '../../src/storage/backend.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

/** Every outcome of racing promises: how many were fulfilled and the rejections. */
async function settle(promises: Promise<unknown>[]): Promise<{ won: number; rejections: unknown[] }> {
  const results = await Promise.allSettled(promises);
  return {
    won: results.filter((r) => r.status === 'fulfilled').length,
    rejections: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
}

/**
 * The behaviour every StorageBackend must show. `open` gives a fresh, empty backend for each test;
 * `cleanup` runs once after the suite.
 */
export function runStorageConformance(
  name: string,
  open: () => Promise<StorageBackend>,
  cleanup?: () => Promise<void>,
): void {
  describe(`${name} storage conformance`, () => {
    let store: StorageBackend;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });
    after(async () => {
      await cleanup?.();
    });

    describe('get, put, delete', () => {
      it('returns undefined for a key never written', async () => {
        assert.equal(await store.get('missing'), undefined);
      });

      it('returns what was put, with its key and a version of at least 1', async () => {
        await store.put('a/b', bytes('hello'));
        const entry = await store.get('a/b');
        assert.equal(entry?.key, 'a/b');
        assert.equal(text(entry?.value), 'hello');
        assert.ok((entry?.version ?? 0) >= 1);
      });

      it('round-trips every byte value, including NUL and high bytes', async () => {
        const value = Uint8Array.from({ length: 256 }, (_, i) => i);
        await store.put('binary', value);
        assert.deepEqual(Uint8Array.from((await store.get('binary'))!.value), value);
      });

      it('round-trips an empty value', async () => {
        await store.put('empty', new Uint8Array());
        assert.equal((await store.get('empty'))?.value.byteLength, 0);
      });

      it('overwrites a value', async () => {
        await store.put('k', bytes('one'));
        await store.put('k', bytes('two'));
        assert.equal(text((await store.get('k'))?.value), 'two');
      });

      it('forgets a deleted key', async () => {
        await store.put('k', bytes('v'));
        await store.delete('k');
        assert.equal(await store.get('k'), undefined);
      });

      it('treats deleting a missing key as a no-op', async () => {
        await store.delete('never-there');
        assert.equal(await store.get('never-there'), undefined);
      });

      it('does not let a caller mutate stored bytes through the buffer it passed in', async () => {
        const value = bytes('original');
        await store.put('k', value);
        value.fill(0);
        assert.equal(text((await store.get('k'))?.value), 'original');
      });
    });

    describe('versions', () => {
      it('changes the version on every put, always upwards', async () => {
        const seen: number[] = [];
        for (let i = 0; i < 5; i++) {
          await store.put('k', bytes(String(i)));
          seen.push((await store.get('k'))!.version);
        }
        for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `versions ${seen.join(',')}`);
      });

      it('never reuses a version after a delete and re-create', async () => {
        await store.put('k', bytes('first'));
        const before = (await store.get('k'))!.version;
        await store.delete('k');
        await store.put('k', bytes('second'));
        assert.ok((await store.get('k'))!.version > before);
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        for (const key of ['app/db', 'app/api/key', 'app/api/cert', 'app/web/deep/er', 'apple', 'other/x', 'app']) {
          await store.put(key, bytes(key));
        }
      });

      it('returns direct children, folders as "name/", sorted', async () => {
        assert.deepEqual(await store.list('app/'), ['api/', 'db', 'web/']);
      });

      it('lists one level of a nested folder', async () => {
        assert.deepEqual(await store.list('app/api/'), ['cert', 'key']);
      });

      it('lists the root', async () => {
        assert.deepEqual(await store.list(''), ['app', 'app/', 'apple', 'other/']);
      });

      it('treats the prefix as a plain string prefix, like Vault', async () => {
        assert.deepEqual(await store.list('app'), ['/', 'le']);
      });

      it('does not list a key equal to the prefix itself', async () => {
        await store.put('app/', bytes('odd key'));
        assert.deepEqual(await store.list('app/'), ['api/', 'db', 'web/']);
      });

      it('returns an empty list for a prefix with nothing under it', async () => {
        assert.deepEqual(await store.list('nothing/'), []);
      });

      it('drops a folder once its last key is deleted', async () => {
        await store.delete('app/web/deep/er');
        assert.deepEqual(await store.list('app/'), ['api/', 'db']);
      });
    });

    describe('transactions', () => {
      it('applies every op when there are no conditions', async () => {
        await store.put('gone', bytes('x'));
        await store.transaction([
          { type: 'put', key: 'a', value: bytes('1') },
          { type: 'put', key: 'b', value: bytes('2') },
          { type: 'delete', key: 'gone' },
        ]);
        assert.equal(text((await store.get('a'))?.value), '1');
        assert.equal(text((await store.get('b'))?.value), '2');
        assert.equal(await store.get('gone'), undefined);
      });

      it('applies ops when an "absent" condition holds', async () => {
        await store.transaction([{ type: 'put', key: 'k', value: bytes('v') }], [{ type: 'absent', key: 'k' }]);
        assert.equal(text((await store.get('k'))?.value), 'v');
      });

      it('fails an "absent" condition on an existing key with ConditionFailed naming the key', async () => {
        await store.put('k', bytes('v'));
        await assert.rejects(
          store.transaction([{ type: 'put', key: 'k', value: bytes('w') }], [{ type: 'absent', key: 'k' }]),
          (err: unknown) => err instanceof ConditionFailed && err.key === 'k',
        );
        assert.equal(text((await store.get('k'))?.value), 'v');
      });

      it('applies ops when a "version" condition matches the current version', async () => {
        await store.put('k', bytes('v1'));
        const { version } = (await store.get('k'))!;
        await store.transaction([{ type: 'put', key: 'k', value: bytes('v2') }], [{ type: 'version', key: 'k', version }]);
        assert.equal(text((await store.get('k'))?.value), 'v2');
      });

      it('fails a "version" condition once the key has moved on', async () => {
        await store.put('k', bytes('v1'));
        const { version } = (await store.get('k'))!;
        await store.put('k', bytes('v2'));
        await assert.rejects(
          store.transaction([{ type: 'put', key: 'k', value: bytes('v3') }], [{ type: 'version', key: 'k', version }]),
          ConditionFailed,
        );
        assert.equal(text((await store.get('k'))?.value), 'v2');
      });

      it('fails a "version" condition on a missing key', async () => {
        await assert.rejects(
          store.transaction([{ type: 'put', key: 'k', value: bytes('v') }], [{ type: 'version', key: 'k', version: 1 }]),
          ConditionFailed,
        );
        assert.equal(await store.get('k'), undefined);
      });

      it('applies nothing when the second of two conditions fails', async () => {
        await store.put('guard', bytes('exists'));
        await store.put('victim', bytes('untouched'));
        await assert.rejects(
          store.transaction(
            [
              { type: 'put', key: 'new', value: bytes('x') },
              { type: 'delete', key: 'victim' },
            ],
            [
              { type: 'absent', key: 'new' },
              { type: 'absent', key: 'guard' },
            ],
          ),
          ConditionFailed,
        );
        assert.equal(await store.get('new'), undefined);
        assert.equal(text((await store.get('victim'))?.value), 'untouched');
      });

      it('lets exactly one of 50 racing "absent" transactions win', async () => {
        const { won, rejections } = await settle(
          Array.from({ length: 50 }, (_, i) =>
            store.transaction([{ type: 'put', key: 'once', value: bytes(`racer ${i}`) }], [{ type: 'absent', key: 'once' }]),
          ),
        );
        assert.equal(won, 1);
        assert.equal(rejections.length, 49);
        assert.ok(rejections.every((err) => err instanceof ConditionFailed));
      });

      it('lets exactly one of 50 racing "version" transactions win', async () => {
        await store.put('cas', bytes('start'));
        const { version } = (await store.get('cas'))!;
        const { won, rejections } = await settle(
          Array.from({ length: 50 }, (_, i) =>
            store.transaction([{ type: 'put', key: 'cas', value: bytes(`racer ${i}`) }], [{ type: 'version', key: 'cas', version }]),
          ),
        );
        assert.equal(won, 1);
        assert.ok(rejections.every((err) => err instanceof ConditionFailed));
        assert.notEqual(text((await store.get('cas'))?.value), 'start');
      });

      it('gives the single winner of a delete-once race the only successful delete', async () => {
        await store.put('token', bytes('wrapped'));
        const { version } = (await store.get('token'))!;
        const { won } = await settle(
          Array.from({ length: 50 }, () =>
            store.transaction([{ type: 'delete', key: 'token' }], [{ type: 'version', key: 'token', version }]),
          ),
        );
        assert.equal(won, 1);
        assert.equal(await store.get('token'), undefined);
      });
    });
  });
}
