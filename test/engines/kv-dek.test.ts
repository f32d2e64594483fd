import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { databaseFiles, occurrences } from '../harness/at-rest-scan.js';
import { api } from '../harness/http.js';
import { startDekServer, type DekServer } from './kv-dek-fixture.js';

// Per-version envelope encryption of KV v2 (issue 6, seed 003), seen from storage: each version is
// sealed under its own data key, bound to <mount uuid>:<path>:<version>; destroy shreds it.

type Stored = Record<string, unknown>;
const marker = (label: string) => `dek-${label}-${randomBytes(12).toString('hex')}`;

describe('kv v2 versions sealed under their own data keys', () => {
  let s: DekServer;
  before(async () => {
    s = await startDekServer();
  });
  after(async () => {
    await s.destroy();
  });

  const write = async (path: string, data: Record<string, unknown>) => {
    const resp = await s.call('POST', `secret/data/${path}`, { data });
    assert.equal(resp.status, 200, resp.text);
  };
  const read = (path: string, version = 0) => s.call<{ data: { data: Record<string, unknown> } }>('GET', `secret/data/${path}?version=${version}`);

  it('writes no version\'s value to the SQLite files in any encoding', async () => {
    const values = new Map<string, string>();
    for (let v = 1; v <= 3; v++) {
      const value = marker(`scan-v${v}`);
      values.set(`version ${v}`, value);
      await write('scan/app', { password: value });
    }
    assert.deepEqual(occurrences(await databaseFiles(s.dir), values), []);
    assert.equal((await read('scan/app', 2)).body.data.data['password'], values.get('version 2'));
  });

  it('stores each version as ciphertext, its own wrapped data key and the id of the KMS key that wrapped it', async () => {
    await write('layout/app', { password: marker('layout-1') });
    await write('layout/app', { password: marker('layout-2') });
    const one = (await s.store().get<Stored>('versions/layout/app/1'))!;
    const two = (await s.store().get<Stored>('versions/layout/app/2'))!;
    for (const version of [one, two]) {
      assert.deepEqual(Object.keys(version).sort(), ['ciphertext', 'kms_key_id', 'wrapped_dek']);
      assert.equal(version['kms_key_id'], s.kms.keyId);
    }
    assert.notEqual(one['wrapped_dek'], two['wrapped_dek']);
    assert.notEqual(one['ciphertext'], two['ciphertext']);
    assert.ok(!JSON.stringify(await s.store().get('metadata/layout/app')).includes('dek-layout'));
  });

  it('refuses to read a version whose ciphertext had one byte flipped, with a clear error and no data', async () => {
    await write('tamper/app', { password: marker('tamper') });
    const stored = (await s.store().get<Stored>('versions/tamper/app/1'))!;
    const bytes = Buffer.from(stored['ciphertext'] as string, 'base64');
    bytes[bytes.length - 20]! ^= 0x01;
    await s.store().put('versions/tamper/app/1', { ...stored, ciphertext: bytes.toString('base64') });
    const resp = await read('tamper/app');
    assert.equal(resp.status, 500);
    // No storage binding (mount uuid, key) in the answer: the log has it.
    assert.deepEqual(resp.body, { errors: ['stored data cannot be decrypted; refusing to answer it'] });
    assert.ok(!resp.text.includes('tamper/app'), resp.text);
    assert.ok(!resp.text.includes('dek-tamper'));
  });

  it('refuses to read two versions whose ciphertexts were swapped', async () => {
    await write('swap/app', { password: marker('swap-1') });
    await write('swap/app', { password: marker('swap-2') });
    const one = (await s.store().get<Stored>('versions/swap/app/1'))!;
    const two = (await s.store().get<Stored>('versions/swap/app/2'))!;
    await s.store().put('versions/swap/app/1', { ...one, ciphertext: two['ciphertext'] });
    await s.store().put('versions/swap/app/2', { ...two, ciphertext: one['ciphertext'] });
    for (const version of [1, 2]) {
      const resp = await read('swap/app', version);
      assert.equal(resp.status, 500, resp.text);
      assert.deepEqual(resp.body, { errors: ['stored data cannot be decrypted; refusing to answer it'] });
      assert.ok(!resp.text.includes('dek-swap'));
    }
  });

  it('refuses to read whole version entries swapped between versions (ciphertext and data key together)', async () => {
    await write('swapall/app', { password: marker('swapall-1') });
    await write('swapall/app', { password: marker('swapall-2') });
    const one = (await s.store().get<Stored>('versions/swapall/app/1'))!;
    const two = (await s.store().get<Stored>('versions/swapall/app/2'))!;
    await s.store().put('versions/swapall/app/1', two);
    await s.store().put('versions/swapall/app/2', one);
    for (const version of [1, 2]) {
      const resp = await read('swapall/app', version);
      assert.equal(resp.status, 500, resp.text);
      assert.deepEqual(resp.body, { errors: ['stored data cannot be decrypted; refusing to answer it'] });
    }
  });

  it('refuses to read a version entry moved to another path', async () => {
    await write('move/from', { password: marker('move') });
    await write('move/to', { password: marker('stays') });
    await s.store().put('versions/move/to/1', (await s.store().get<Stored>('versions/move/from/1'))!);
    const resp = await read('move/to');
    assert.equal(resp.status, 500, resp.text);
    assert.deepEqual(resp.body, { errors: ['stored data cannot be decrypted; refusing to answer it'] });
    assert.ok(!resp.text.includes('dek-move'));
  });

  it('destroy deletes the version\'s wrapped data key with its ciphertext, and the ciphertext put back does not open', async () => {
    const value = marker('shred');
    await write('shred/app', { password: value });
    await write('shred/app', { password: marker('shred-kept') });
    const before = (await s.store().get<Stored>('versions/shred/app/1'))!;
    const destroyed = await s.call('POST', 'secret/destroy/shred/app', { versions: [1] });
    assert.equal(destroyed.status, 204, destroyed.text);
    assert.equal(await s.store().get('versions/shred/app/1'), undefined);
    // A backup kept the ciphertext; someone puts it back and clears the destroyed flag.
    await s.store().put('versions/shred/app/1', { ciphertext: before['ciphertext'], kms_key_id: before['kms_key_id'] });
    const meta = (await s.store().get<{ versions: Record<string, { destroyed: boolean }> }>('metadata/shred/app'))!;
    meta.versions['1']!.destroyed = false;
    await s.store().put('metadata/shred/app', meta);
    const resp = await read('shred/app', 1);
    assert.equal(resp.status, 500, resp.text);
    assert.deepEqual(resp.body, { errors: ['stored data cannot be decrypted; refusing to answer it'] });
    assert.ok(!resp.text.includes(value));
    assert.equal((await read('shred/app', 2)).status, 200);
  });

  it('answers metadata reads and lists without asking the KMS', async () => {
    await write('cheap/app', { password: marker('cheap') });
    const unwraps = s.kms.unwraps;
    s.kms.down = true;
    try {
      assert.equal((await s.call('GET', 'secret/metadata/cheap/app')).status, 200);
      assert.equal((await s.call('GET', 'secret/metadata/cheap?list=true')).status, 200);
      assert.equal((await s.call('POST', 'secret/delete/cheap/app', { versions: [1] })).status, 204);
      assert.equal((await s.call('POST', 'secret/undelete/cheap/app', { versions: [1] })).status, 204);
    } finally {
      s.kms.down = false;
    }
    assert.equal(s.kms.unwraps, unwraps);
  });

  it('patches a version by opening the latest and sealing the result under a new data key', async () => {
    await write('patch/app', { a: 'one', b: 'two' });
    const resp = await api(s.address, 'PATCH', 'secret/data/patch/app', {
      token: s.token,
      body: { data: { b: 'three' } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    assert.equal(resp.status, 200, resp.text);
    assert.deepEqual((await read('patch/app')).body.data.data, { a: 'one', b: 'three' });
    const one = (await s.store().get<Stored>('versions/patch/app/1'))!;
    const two = (await s.store().get<Stored>('versions/patch/app/2'))!;
    assert.notEqual(one['wrapped_dek'], two['wrapped_dek']);
  });
});
