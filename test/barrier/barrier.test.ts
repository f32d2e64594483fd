import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { BarrierDecryptError } from '../../src/barrier/errors.js';
import { Barrier, KEYRING_KEY, ROOT_KEY_KEY } from '../../src/barrier/barrier.js';
import { CofferError } from '../../src/framework/errors.js';
import { randomBytes } from '../../src/crypto/random.js';
import { LocalKms, ephemeralLocalKms } from '../../src/kms/local.js';
import { ConditionFailed, type StorageBackend } from '../../src/storage/backend.js';
import { InmemBackend } from '../../src/storage/inmem.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import { tempDir } from '../storage/temp-dir.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));
const isStatus = (status: number, message?: RegExp) => (err: unknown) =>
  err instanceof CofferError && err.status === status && (!message || message.test(err.message));

describe('barrier', () => {
  let physical: StorageBackend;
  let kms: LocalKms;
  let barrier: Barrier;
  beforeEach(async () => {
    physical = new InmemBackend();
    kms = ephemeralLocalKms();
    barrier = await Barrier.initialize(physical, kms);
  });

  describe('reading and writing', () => {
    it('returns what was put, with the physical version', async () => {
      await barrier.put('secret/db', bytes('hunter2'));
      const entry = await barrier.get('secret/db');
      assert.equal(text(entry?.value), 'hunter2');
      assert.equal(entry?.version, (await physical.get('secret/db'))?.version);
    });

    it('stores only ciphertext: format 1, term 1, nonce, and no plaintext', async () => {
      await barrier.put('secret/db', bytes('hunter2'));
      const stored = Buffer.from((await physical.get('secret/db'))!.value);
      assert.equal(stored[0], 1);
      assert.equal(stored.readUInt32BE(1), 1);
      assert.equal(stored.byteLength, 5 + 24 + 'hunter2'.length + 16);
      assert.equal(stored.includes('hunter2'), false);
    });

    it('returns undefined for a missing key', async () => {
      assert.equal(await barrier.get('nothing'), undefined);
    });

    it('lists and deletes through to the physical store', async () => {
      await barrier.put('a/x', bytes('1'));
      await barrier.put('a/y/z', bytes('2'));
      assert.deepEqual(await barrier.list('a/'), ['x', 'y/']);
      await barrier.delete('a/x');
      assert.deepEqual(await barrier.list('a/'), ['y/']);
    });

    it('seals the values of a transaction and keeps its conditions', async () => {
      await barrier.transaction([{ type: 'put', key: 'once', value: bytes('first') }], [{ type: 'absent', key: 'once' }]);
      await assert.rejects(
        barrier.transaction([{ type: 'put', key: 'once', value: bytes('second') }], [{ type: 'absent', key: 'once' }]),
        ConditionFailed,
      );
      const { version } = (await barrier.get('once'))!;
      await barrier.transaction([{ type: 'put', key: 'once', value: bytes('third') }], [{ type: 'version', key: 'once', version }]);
      assert.equal(text((await barrier.get('once'))?.value), 'third');
      assert.equal(Buffer.from((await physical.get('once'))!.value).includes('third'), false);
    });
  });

  describe('binding ciphertext to its key', () => {
    it('refuses to open a ciphertext copied to another key', async () => {
      await barrier.put('secret/alice', bytes('alice-password'));
      await physical.put('secret/mallory', (await physical.get('secret/alice'))!.value);
      await assert.rejects(
        barrier.get('secret/mallory'),
        (err: unknown) => err instanceof BarrierDecryptError && err.key === 'secret/mallory' && /moved from another key/.test(err.message),
      );
    });

    it('refuses to open a ciphertext with a flipped byte', async () => {
      await barrier.put('k', bytes('value'));
      const stored = Buffer.from((await physical.get('k'))!.value);
      stored[stored.byteLength - 1]! ^= 0x80;
      await physical.put('k', stored);
      await assert.rejects(barrier.get('k'), BarrierDecryptError);
    });

    it('refuses an entry whose format byte is unknown', async () => {
      await barrier.put('k', bytes('value'));
      const stored = Buffer.from((await physical.get('k'))!.value);
      stored[0] = 9;
      await physical.put('k', stored);
      await assert.rejects(barrier.get('k'), /unknown entry format 9/);
    });

    it('refuses an entry that is too short to be sealed', async () => {
      await physical.put('k', bytes('plain'));
      await assert.rejects(barrier.get('k'), /too short/);
    });
  });

  describe('reserved keys', () => {
    it('refuses to read, write or delete the keyring through the barrier', async () => {
      await assert.rejects(barrier.get(KEYRING_KEY), isStatus(403, /reserved/));
      await assert.rejects(barrier.put(KEYRING_KEY, bytes('x')), isStatus(403));
      await assert.rejects(barrier.delete(KEYRING_KEY), isStatus(403));
      await assert.rejects(barrier.transaction([{ type: 'delete', key: KEYRING_KEY }]), isStatus(403));
    });

    it('hides the barrier folder from listings of core/', async () => {
      await barrier.put('core/mounts/x', bytes('m'));
      assert.deepEqual(await physical.list('core/'), ['barrier/', 'mounts/']);
      assert.deepEqual(await barrier.list('core/'), ['mounts/']);
    });
  });

  describe('sealing', () => {
    it('starts sealed when constructed over a store, answering 503 to everything', async () => {
      const fresh = new Barrier(physical);
      assert.equal(fresh.sealed, true);
      await assert.rejects(fresh.get('k'), isStatus(503, /Vault is sealed/));
      await assert.rejects(fresh.put('k', bytes('v')), isStatus(503));
      await assert.rejects(fresh.delete('k'), isStatus(503));
      await assert.rejects(fresh.list(''), isStatus(503));
      await assert.rejects(fresh.transaction([]), isStatus(503));
    });

    it('answers 503 after seal and serves again after unseal', async () => {
      await barrier.put('k', bytes('v'));
      await barrier.seal();
      assert.equal(barrier.sealed, true);
      await assert.rejects(barrier.get('k'), isStatus(503));
      await barrier.unseal(kms);
      assert.equal(text((await barrier.get('k'))?.value), 'v');
    });

    it('fails a read that was in flight when the barrier sealed', async () => {
      await barrier.put('k', bytes('v'));
      const read = barrier.get('k');
      await barrier.seal();
      await assert.rejects(read, isStatus(503));
    });

    it('unseals a second barrier object over the same store with the same KMS key', async () => {
      await barrier.put('k', bytes('shared'));
      const other = new Barrier(physical);
      await other.unseal(kms);
      assert.equal(text((await other.get('k'))?.value), 'shared');
    });

    it('stays sealed, with a clear 400, when the KMS key is wrong', async () => {
      const other = new Barrier(physical);
      const wrong = ephemeralLocalKms();
      await assert.rejects(
        other.unseal(wrong),
        isStatus(400, new RegExp(`unseal failed: the KMS key cannot decrypt the barrier root key \\(the root key was wrapped by local key ${kms.keyId}, this server uses ${wrong.keyId}\\)`)),
      );
      assert.equal(other.sealed, true);
    });

    it('unseals with the KMS it was constructed with when none is passed', async () => {
      await barrier.put('k', bytes('v'));
      const configured = new Barrier(physical, kms);
      await configured.unseal();
      assert.equal(text((await configured.get('k'))?.value), 'v');
      assert.equal(configured.kmsType, 'local');
    });

    it('says so when asked to unseal with no KMS at all', async () => {
      await assert.rejects(new Barrier(physical).unseal(), /no KMS configured/);
    });

    it('refuses to unseal a store that was never initialized', async () => {
      await assert.rejects(new Barrier(new InmemBackend()).unseal(kms), isStatus(400, /not initialized/));
    });
  });

  describe('initialization', () => {
    it('reports whether a store holds a keyring', async () => {
      const empty = new InmemBackend();
      assert.equal(await Barrier.isInitialized(empty), false);
      assert.equal(await new Barrier(empty).isInitialized(), false);
      assert.equal(await Barrier.isInitialized(physical), true);
    });

    it('initializes a new store with the KMS it was constructed with', async () => {
      const configured = new Barrier(new InmemBackend(), kms);
      await configured.initialize();
      assert.equal(configured.sealed, false);
    });

    it('refuses to initialize a store twice', async () => {
      await assert.rejects(Barrier.initialize(physical, kms), isStatus(400, /already initialized/));
    });

    it('keeps the root key wrapped by the KMS and the keyring encrypted by the root key, never in the clear', async () => {
      const rootRecord = JSON.parse(text((await physical.get(ROOT_KEY_KEY))!.value)!) as Record<string, unknown>;
      assert.deepEqual(Object.keys(rootRecord).sort(), ['format', 'kms_key_id', 'seal_type', 'wrapped_root_key']);
      assert.equal(rootRecord.kms_key_id, kms.keyId);
      assert.equal(rootRecord.seal_type, 'local');
      const keyringRecord = JSON.parse(text((await physical.get(KEYRING_KEY))!.value)!) as Record<string, unknown>;
      assert.deepEqual(Object.keys(keyringRecord).sort(), ['format', 'sealed_keyring']);
    });

    it('opens the keyring only through the root key: a keyring record from another store fails with a clear error', async () => {
      const otherStore = new InmemBackend();
      await Barrier.initialize(otherStore, kms);
      await physical.put(KEYRING_KEY, (await otherStore.get(KEYRING_KEY))!.value);
      await assert.rejects(new Barrier(physical).unseal(kms), (err: unknown) => err instanceof BarrierDecryptError && /root key does not open the keyring/.test(err.message));
    });

    it('a rotation rewrites the keyring without touching the KMS-wrapped root key', async () => {
      const before = Buffer.from((await physical.get(ROOT_KEY_KEY))!.value);
      await barrier.rotate();
      assert.deepEqual(Buffer.from((await physical.get(ROOT_KEY_KEY))!.value), before);
    });

    it('openOrInitialize creates a new store, then reopens it with the same keys', async () => {
      const store = new InmemBackend();
      const first = await Barrier.openOrInitialize(store, kms);
      await first.put('k', bytes('kept'));
      const second = await Barrier.openOrInitialize(store, kms);
      assert.equal(text((await second.get('k'))?.value), 'kept');
    });

    it('openOrInitialize racing on one new store settles on a single keyring', async () => {
      const store = new InmemBackend();
      const barriers = await Promise.all(Array.from({ length: 5 }, () => Barrier.openOrInitialize(store, kms)));
      await barriers[0]!.put('k', bytes('agreed'));
      for (const each of barriers) assert.equal(text((await each.get('k'))?.value), 'agreed');
    });
  });

  describe('rotation', () => {
    it('seals new writes under the new term and still opens old ones', async () => {
      await barrier.put('old', bytes('before'));
      const { term } = await barrier.rotate();
      assert.equal(term, 2);
      await barrier.put('new', bytes('after'));
      assert.equal(Buffer.from((await physical.get('new'))!.value).readUInt32BE(1), 2);
      assert.equal(text((await barrier.get('old'))?.value), 'before');
      assert.equal(text((await barrier.get('new'))?.value), 'after');
    });

    it('keeps the rotated keyring across seal and unseal', async () => {
      await barrier.rotate();
      await barrier.seal();
      await barrier.unseal(kms);
      assert.equal(barrier.keyStatus().term, 2);
    });

    it('lets another node with a stale keyring read entries of the new term', async () => {
      const stale = new Barrier(physical);
      await stale.unseal(kms);
      await barrier.rotate();
      await barrier.put('fresh', bytes('term 2'));
      assert.equal(text((await stale.get('fresh'))?.value), 'term 2');
      assert.equal(stale.keyStatus().term, 2);
    });
  });
});

describe('barrier over SQLite: only ciphertext reaches the disk', () => {
  const dir = tempDir('barrier');
  after(dir.remove);

  /** Every file SQLite keeps for the store (main file, -wal, -shm), concatenated. */
  const diskBytes = () =>
    Buffer.concat(readdirSync(dir.path).map((name) => readFileSync(join(dir.path, name))));

  it('writes no plaintext (raw or base64) to the database or its WAL, and reads everything back', async () => {
    const path = join(dir.path, 'coffer.sqlite');
    const rootKey = randomBytes(32);
    const secrets = Array.from({ length: 200 }, (_, i) => `canary-${i}-${randomBytes(12).toString('hex')}`);

    const physical = openSqlite(path);
    const barrier = await Barrier.initialize(physical, new LocalKms(rootKey));
    for (const [i, secret] of secrets.entries()) {
      if (i % 2) await barrier.put(`secret/data/app${i}`, bytes(JSON.stringify({ password: secret })));
      else await barrier.transaction([{ type: 'put', key: `secret/data/app${i}`, value: bytes(secret) }], [{ type: 'absent', key: `secret/data/app${i}` }]);
    }
    // Control: a value written around the barrier must be found, or the scan proves nothing.
    const control = `control-${randomBytes(12).toString('hex')}`;
    await physical.put('control', bytes(control));

    const whileOpen = diskBytes();
    assert.ok(readdirSync(dir.path).some((name) => name.endsWith('-wal')), 'expected a WAL file while open');
    assert.ok(whileOpen.includes(control), 'the scan did not find a plaintext written around the barrier');
    await barrier.close();
    const afterClose = diskBytes();

    for (const secret of secrets) {
      for (const disk of [whileOpen, afterClose]) {
        assert.equal(disk.includes(secret), false, `plaintext ${secret} reached the disk`);
        assert.equal(disk.includes(Buffer.from(secret).toString('base64')), false, `base64 of ${secret} reached the disk`);
        assert.equal(disk.includes(Buffer.from(secret).toString('hex')), false, `hex of ${secret} reached the disk`);
      }
    }
    assert.equal(afterClose.includes(rootKey), false, 'the KMS root key reached the disk');

    const reopened = new Barrier(openSqlite(path));
    await reopened.unseal(new LocalKms(rootKey));
    for (const [i, secret] of secrets.entries()) {
      const value = text((await reopened.get(`secret/data/app${i}`))?.value);
      assert.equal(value, i % 2 ? JSON.stringify({ password: secret }) : secret);
    }
    await reopened.close();
  });
});
