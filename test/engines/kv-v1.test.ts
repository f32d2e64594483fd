import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kvBackend } from '../../src/engines/kv/index.js';
import { assertRejects, EngineClient, snapshot, testMount } from './engine-client.js';

function kvV1(): EngineClient {
  const mount = testMount('kv');
  return new EngineClient(kvBackend(mount), mount);
}

describe('kv v1', () => {
  it('is chosen when the mount has no version option or version "1"', async () => {
    for (const mount of [testMount('kv'), testMount('kv', { version: '1' })]) {
      const kv = new EngineClient(kvBackend(mount), mount);
      await kv.write('plain/path', { a: 1 });
      assert.deepEqual((await kv.read('plain/path')).data, { a: 1 });
    }
  });

  it('refuses a mount version it does not know', () => {
    assert.throws(() => kvBackend(testMount('kv', { version: '3' })), /unsupported kv version/);
  });

  it('returns the object written, as written, without a 404', async () => {
    const kv = kvV1();
    const secret = { password: 's3cr3t', nested: { list: [1, 2, { deep: true }] }, empty: null };
    const written = await kv.write('app/db', secret);
    assert.equal(written.status, 204);
    const read = await kv.read('app/db');
    assert.equal(read.status, undefined);
    assert.deepEqual(read.data, secret);
  });

  it('answers 404 for a path never written', async () => {
    assert.equal((await kvV1().read('nope')).status, 404);
  });

  it('replaces the whole value on a second write', async () => {
    const kv = kvV1();
    await kv.write('a', { one: 1, two: 2 });
    await kv.write('a', { three: 3 });
    assert.deepEqual((await kv.read('a')).data, { three: 3 });
  });

  it('takes arbitrary fields without "ignored" warnings', async () => {
    const kv = kvV1();
    const resp = await kv.write('a', { anything: 'goes', here: 1 });
    assert.equal(resp.warnings, undefined);
  });

  it('tells create from update by whether the path exists', async () => {
    const kv = kvV1();
    assert.equal(await kv.writeOperation('fresh', { a: 1 }), 'create');
    await kv.write('fresh', { a: 1 });
    assert.equal(await kv.writeOperation('fresh', { a: 2 }), 'update');
  });

  it('deletes a path, after which it reads as 404', async () => {
    const kv = kvV1();
    await kv.write('gone', { a: 1 });
    assert.equal((await kv.delete('gone')).status, 204);
    assert.equal((await kv.read('gone')).status, 404);
  });

  it('lists one level, folders with a trailing slash', async () => {
    const kv = kvV1();
    await kv.write('app/db', { a: 1 });
    await kv.write('app/web/key', { a: 1 });
    await kv.write('app', { a: 1 });
    await kv.write('top', { a: 1 });
    assert.deepEqual((await kv.list('')).data, { keys: ['app', 'app/', 'top'] });
    assert.deepEqual((await kv.list('app/')).data, { keys: ['db', 'web/'] });
    assert.deepEqual((await kv.list('app')).data, { keys: ['db', 'web/'] });
  });

  it('answers 404 to a listing with no keys', async () => {
    const kv = kvV1();
    await kv.write('app/db', { a: 1 });
    assert.equal((await kv.list('other/')).status, 404);
  });

  it('refuses a write without data and changes nothing', async () => {
    const kv = kvV1();
    await kv.write('a', { keep: 'me' });
    const before = await snapshot(kv.store);
    await assertRejects(kv.write('a', {}), 400, 'missing data fields');
    assert.deepEqual(await snapshot(kv.store), before);
  });

  it('refuses a write to the mount root', async () => {
    await assertRejects(kvV1().write('', { a: 1 }), 400, 'missing path');
  });
});
