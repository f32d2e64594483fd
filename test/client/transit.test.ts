import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CofferClient } from '../../src/client/client.js';
import { CofferApiError } from '../../src/client/errors.js';
import { TransitClient } from '../../src/client/transit.js';
import { startServer, type TestServer } from '../harness/server.js';

// The SDK's TransitClient against a real dev server's transit engine: base64 is the client's
// business, errors are CofferApiError with the server's status and words.

/** Asserts that `promise` fails with a CofferApiError of `status` one of whose errors matches `message` (when given). */
async function rejectsWith(promise: Promise<unknown>, status: number, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof CofferApiError, `expected a CofferApiError, got ${String(err)}`);
    assert.equal(err.status, status, err.message);
    if (message) assert.ok(err.errors.some((e) => message.test(e)), `no error matches ${message}: ${err.message}`);
    return true;
  });
}

describe('TransitClient', () => {
  let server: TestServer;
  let client: CofferClient;
  let transit: TransitClient;

  before(async () => {
    server = await startServer();
    client = new CofferClient({ address: server.address, token: server.rootToken });
    await client.request('POST', 'sys/mounts/transit', { body: { type: 'transit' } });
    transit = new TransitClient(client);
  });
  after(async () => {
    await server?.destroy();
  });

  it('round-trips text as a vault:v1: ciphertext that the raw API decrypts to the same base64', async () => {
    const sealed = await transit.encrypt('text', 'the quick brown fox, déjà vu');
    assert.match(sealed.ciphertext, /^vault:v1:[A-Za-z0-9+/]+={0,2}$/);
    assert.equal(sealed.keyVersion, 1);
    assert.equal(await transit.decryptText('text', sealed.ciphertext), 'the quick brown fox, déjà vu');
    const raw = await client.write('transit/decrypt/text', { ciphertext: sealed.ciphertext });
    assert.equal((raw?.data as { plaintext: string }).plaintext, Buffer.from('the quick brown fox, déjà vu').toString('base64'));
  });

  it('round-trips binary bytes, 0x00 and 0xff included, and an empty plaintext', async () => {
    const bytes = new Uint8Array([0x00, 0xff, 0x00, 0x01, 0xfe, 0x80, 0x7f, 0xff, 0x00]);
    const plain = await transit.decrypt('bytes', (await transit.encrypt('bytes', bytes)).ciphertext);
    assert.ok(Buffer.isBuffer(plain));
    assert.deepEqual([...plain], [...bytes]);
    // A view into a larger buffer sends only its own bytes.
    const view = Buffer.from([0xaa, 0x00, 0xff, 0xbb]).subarray(1, 3);
    assert.deepEqual([...(await transit.decrypt('bytes', (await transit.encrypt('bytes', view)).ciphertext))], [0x00, 0xff]);
    assert.equal((await transit.decrypt('bytes', (await transit.encrypt('bytes', '')).ciphertext)).byteLength, 0);
  });

  it('binds associated data: decrypting without the same data is a 400', async () => {
    const { ciphertext } = await transit.encrypt('aad', 'bound', { associatedData: new Uint8Array([0, 1, 2]) });
    assert.equal(await transit.decryptText('aad', ciphertext, { associatedData: new Uint8Array([0, 1, 2]) }), 'bound');
    await rejectsWith(transit.decrypt('aad', ciphertext, { associatedData: 'other' }), 400, /message authentication failed/);
    await rejectsWith(transit.decrypt('aad', ciphertext), 400, /message authentication failed/);
  });

  it('derives per-context keys for a derived key, and, as Vault does, ignores context on a key that is not derived', async () => {
    await transit.createKey('derived', { derived: true });
    assert.equal((await transit.readKey('derived')).derived, true);
    const sealed = await transit.encrypt('derived', 'tenant data', { context: 'tenant-a' });
    assert.equal(await transit.decryptText('derived', sealed.ciphertext, { context: 'tenant-a' }), 'tenant data');
    await rejectsWith(transit.decrypt('derived', sealed.ciphertext, { context: 'tenant-b' }), 400, /message authentication failed/);
    await rejectsWith(transit.decrypt('derived', sealed.ciphertext), 400, /missing 'context' for key derivation/);
    await transit.createKey('plain-key');
    const { ciphertext } = await transit.encrypt('plain-key', 'with context', { context: 'tenant-a' });
    assert.equal(await transit.decryptText('plain-key', ciphertext, { context: new Uint8Array([1, 2, 3]) }), 'with context');
    assert.equal(await transit.decryptText('plain-key', ciphertext), 'with context');
  });

  it('encrypts and decrypts a batch in order, a bad item failing alone in its slot', async () => {
    const encrypted = await transit.encryptBatch('batch', [
      'one',
      { plaintext: new Uint8Array([0, 255]), reference: 'bytes' },
      { plaintext: 'too new', keyVersion: 99, reference: 'bad' },
      'four',
    ]);
    assert.deepEqual(encrypted.map((r) => r.ok), [true, true, false, true]);
    assert.deepEqual(encrypted.map((r) => r.reference), ['', 'bytes', 'bad', '']);
    const bad = encrypted[2]!;
    assert.ok(!bad.ok && /higher than the latest key version/.test(bad.error), JSON.stringify(bad));
    const ciphertexts = encrypted.map((r) => (r.ok ? r.ciphertext : 'vault:v1:not-base64!'));
    const decrypted = await transit.decryptBatch('batch', ciphertexts.map((ciphertext, i) => ({ ciphertext, reference: `r${i}` })));
    assert.deepEqual(decrypted.map((r) => r.reference), ['r0', 'r1', 'r2', 'r3']);
    assert.deepEqual(decrypted.map((r) => (r.ok ? [...r.plaintext] : r.error)), [
      [...Buffer.from('one')],
      [0, 255],
      'invalid ciphertext: could not decode base64',
      [...Buffer.from('four')],
    ]);
  });

  it('answers each item in its slot when every item of a batch fails, which the server answers with a 400', async () => {
    await transit.createKey('all-bad');
    const results = await transit.decryptBatch('all-bad', ['garbage', 'vault:v7:AAAA']);
    assert.deepEqual(results, [
      { ok: false, error: 'invalid ciphertext: no prefix', reference: '' },
      { ok: false, error: 'invalid ciphertext: version is too new', reference: '' },
    ]);
  });

  it('after rotateKey, encrypts with version 2, still decrypts version 1, and rewraps v1 onto v2', async () => {
    const old = await transit.encrypt('rotating', 'sealed before rotation');
    const rotated = await transit.rotateKey('rotating');
    assert.equal(rotated?.latest_version, 2);
    assert.deepEqual(Object.keys((await transit.readKey('rotating')).keys), ['1', '2']);
    const fresh = await transit.encrypt('rotating', 'sealed after');
    assert.equal(fresh.keyVersion, 2);
    assert.match(fresh.ciphertext, /^vault:v2:/);
    assert.equal(await transit.decryptText('rotating', old.ciphertext), 'sealed before rotation');
    const pinned = await transit.encrypt('rotating', 'on purpose', { keyVersion: 1 });
    assert.equal(pinned.keyVersion, 1);
    const rewrapped = await transit.rewrap('rotating', old.ciphertext);
    assert.equal(rewrapped.keyVersion, 2);
    assert.match(rewrapped.ciphertext, /^vault:v2:/);
    assert.equal(await transit.decryptText('rotating', rewrapped.ciphertext), 'sealed before rotation');
    await transit.configureKey('rotating', { minDecryptionVersion: 2 });
    await rejectsWith(transit.decrypt('rotating', old.ciphertext), 400, /disallowed by policy/);
  });

  it('throws CofferApiError 400 for a bad ciphertext: malformed, altered, or for a key that does not exist', async () => {
    const { ciphertext } = await transit.encrypt('strict', 'untouched');
    await rejectsWith(transit.decrypt('strict', 'not a ciphertext'), 400, /^invalid ciphertext: no prefix$/);
    await rejectsWith(transit.decrypt('strict', 'vault:v1:***'), 400, /could not decode base64/);
    const bytes = Buffer.from(ciphertext.slice('vault:v1:'.length), 'base64');
    bytes[bytes.length - 1]! ^= 0x01;
    await rejectsWith(transit.decrypt('strict', `vault:v1:${bytes.toString('base64')}`), 400, /^cipher: message authentication failed$/);
    await rejectsWith(transit.decrypt('nobody', ciphertext), 400, /^encryption key not found$/);
  });

  it('creates, reads, lists and deletes keys, deleting only once the config allows it', async () => {
    const created = await transit.createKey('managed', { type: 'chacha20-poly1305' });
    assert.equal(created?.type, 'chacha20-poly1305');
    const read = await transit.readKey('managed');
    assert.equal(read.name, 'managed');
    assert.equal(read.latest_version, 1);
    assert.equal(read.supports_encryption, true);
    assert.equal(await transit.decryptText('managed', (await transit.encrypt('managed', 'chacha')).ciphertext), 'chacha');
    assert.ok((await transit.listKeys()).includes('managed'));
    await rejectsWith(transit.createKey('odd', { type: 'rsa-1024' }), 400, /unknown key type/);
    await rejectsWith(transit.deleteKey('managed'), 400, /deletion is not allowed/);
    assert.equal((await transit.configureKey('managed', { deletionAllowed: true }))?.deletion_allowed, true);
    await transit.deleteKey('managed');
    await rejectsWith(transit.readKey('managed'), 404);
  });

  it('talks to a transit engine at another mount, and answers [] listing a mount with no keys', async () => {
    await client.request('POST', 'sys/mounts/crypto/team', { body: { type: 'transit' } });
    const other = new TransitClient(client, '/crypto/team/');
    assert.deepEqual(await other.listKeys(), []);
    const { ciphertext } = await other.encrypt('elsewhere', 'mounted deeper');
    assert.equal(await other.decryptText('elsewhere', ciphertext), 'mounted deeper');
    assert.deepEqual(await other.listKeys(), ['elsewhere']);
    await rejectsWith(transit.decrypt('elsewhere', ciphertext), 400, /encryption key not found/);
  });
});
