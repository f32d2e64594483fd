import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { b64, signatureBytes, TransitServer } from './transit-fixture.js';

// transit/hmac (and verify with hmac), transit/hash and transit/random against a real dev server.
// Every HMAC is recomputed with Node's crypto from the key export/hmac-key answers.

type Exported = { keys: Record<string, string> };

describe('transit hmac, hash and random', () => {
  let t: TransitServer;

  before(async () => {
    t = await TransitServer.start();
  });
  after(async () => {
    await t?.destroy();
  });

  const hmacKey = async (name: string, version = 'latest') => Buffer.from(Object.values((await t.ok<Exported>('GET', `export/hmac-key/${name}/${version}`)).keys)[0]!, 'base64');

  it('HMACs with an "hmac" key of key_size bytes; Node recomputes the same HMAC from the exported key', async () => {
    const created = await t.ok<{ key_size: number; type: string; supports_signing: boolean }>('POST', 'keys/mac', { type: 'hmac', key_size: 64, exportable: true });
    assert.equal(created.type, 'hmac');
    assert.equal(created.key_size, 64);
    const key = await hmacKey('mac');
    assert.equal(key.length, 64);
    const data = Buffer.from('GET /orders?since=2026-01-01');
    const { hmac } = await t.ok<{ hmac: string }>('POST', 'hmac/mac', { input: b64(data) });
    assert.match(hmac, /^vault:v1:/);
    assert.deepEqual(signatureBytes(hmac), createHmac('sha256', key).update(data).digest());
    const sha3 = await t.ok<{ hmac: string }>('POST', 'hmac/mac/sha3-512', { input: b64(data) });
    assert.deepEqual(signatureBytes(sha3.hmac), createHmac('sha3-512', key).update(data).digest());
    const sha384 = await t.ok<{ hmac: string }>('POST', 'hmac/mac', { input: b64(data), algorithm: 'sha2-384' });
    assert.deepEqual(signatureBytes(sha384.hmac), createHmac('sha384', key).update(data).digest());
  });

  it('HMACs with an AES key\'s own per-version HMAC key (not its encryption key), as Vault does', async () => {
    await t.ok('POST', 'keys/aes-mac', { exportable: true });
    const data = Buffer.from('webhook body');
    const { hmac } = await t.ok<{ hmac: string }>('POST', 'hmac/aes-mac/sha2-512', { input: b64(data) });
    const key = await hmacKey('aes-mac');
    const encryptionKey = Buffer.from((await t.ok<Exported>('GET', 'export/encryption-key/aes-mac/1')).keys['1']!, 'base64');
    assert.notDeepEqual(key, encryptionKey);
    assert.deepEqual(signatureBytes(hmac), createHmac('sha512', key).update(data).digest());
  });

  it('verifies an HMAC through verify/:name, in constant time, and says false for another input or algorithm', async () => {
    const input = b64('message');
    const { hmac } = await t.ok<{ hmac: string }>('POST', 'hmac/mac', { input });
    assert.deepEqual(await t.ok('POST', 'verify/mac', { input, hmac }), { valid: true });
    assert.deepEqual(await t.ok('POST', 'verify/mac', { input: b64('massage'), hmac }), { valid: false });
    assert.deepEqual(await t.ok('POST', 'verify/mac/sha2-512', { input, hmac }), { valid: false });
    const sha512 = await t.ok<{ hmac: string }>('POST', 'hmac/mac/sha2-512', { input });
    assert.deepEqual(await t.ok('POST', 'verify/mac', { input, hmac: sha512.hmac, hash_algorithm: 'sha2-512' }), { valid: true });
  });

  it('HMACs with each version after rotation, and refuses versions the key\'s minimums exclude', async () => {
    await t.ok('POST', 'keys/mac-rot', { type: 'hmac', exportable: true });
    const input = b64('versioned');
    const v1 = await t.ok<{ hmac: string }>('POST', 'hmac/mac-rot', { input });
    await t.ok('POST', 'keys/mac-rot/rotate');
    const v2 = await t.ok<{ hmac: string }>('POST', 'hmac/mac-rot', { input });
    assert.match(v2.hmac, /^vault:v2:/);
    assert.deepEqual(signatureBytes(v2.hmac), createHmac('sha256', await hmacKey('mac-rot', '2')).update('versioned').digest());
    assert.notDeepEqual(signatureBytes(v1.hmac), signatureBytes(v2.hmac));
    assert.match((await t.ok<{ hmac: string }>('POST', 'hmac/mac-rot', { input, key_version: 1 })).hmac, /^vault:v1:/);
    await t.ok('POST', 'keys/mac-rot/config', { min_encryption_version: 2 });
    assertErrorAnswer(await t.call('POST', 'hmac/mac-rot', { input, key_version: 1 }), 400, 'cannot generate HMAC: version is too old (disallowed by policy)');
    assertErrorAnswer(await t.call('POST', 'hmac/mac-rot', { input, key_version: 3 }), 400, 'key version does not exist; latest key version is 2');
    assert.deepEqual(await t.ok('POST', 'verify/mac-rot', { input, hmac: v1.hmac }), { valid: true });
    await t.ok('POST', 'keys/mac-rot/config', { min_decryption_version: 2 });
    assertErrorAnswer(await t.call('POST', 'verify/mac-rot', { input, hmac: v1.hmac }), 400, 'cannot verify HMAC: version is too old (disallowed by policy)');
  });

  it('HMACs and verifies batch_input in order, with references; an item without input fails alone', async () => {
    const made = await t.ok<{ batch_results: Array<{ hmac?: string; error?: string; reference: string }> }>('POST', 'hmac/mac', {
      batch_input: [{ input: b64('a'), reference: '1' }, { reference: '2' }, { input: '', reference: '3' }],
    });
    assert.deepEqual(made.batch_results.map((r) => r.reference), ['1', '2', '3']);
    assert.equal(made.batch_results[1]!.error, 'missing input for HMAC');
    assert.match(made.batch_results[2]!.hmac!, /^vault:v1:/, 'an empty input is an HMAC of no bytes');
    const checked = await t.ok<{ batch_results: Array<{ valid: boolean }> }>('POST', 'verify/mac', {
      batch_input: [{ input: b64('a'), hmac: made.batch_results[0]!.hmac }, { input: b64('b'), hmac: made.batch_results[0]!.hmac }],
    });
    assert.deepEqual(checked.batch_results.map((r) => r.valid), [true, false]);
  });

  it('answers 400 for bad HMAC input in Vault\'s words', async () => {
    assertErrorAnswer(await t.call('POST', 'hmac/mac', {}), 400, 'missing input for HMAC');
    assertErrorAnswer(await t.call('POST', 'hmac/mac', { input: '***' }), 400, 'unable to decode input as base64');
    assertErrorAnswer(await t.call('POST', 'hmac/mac/md5', { input: b64('x') }), 400, 'unsupported algorithm "md5"');
    assertErrorAnswer(await t.call('POST', 'hmac/nobody', { input: b64('x') }), 400, 'encryption key not found');
    assertErrorAnswer(await t.call('POST', 'verify/mac', { input: b64('x'), hmac: 'hmac:v1:AAAA' }), 400, 'invalid HMAC to verify: no prefix');
    assertErrorAnswer(await t.call('POST', 'verify/mac', { input: b64('x'), hmac: 'vault:v1' }), 400, 'invalid HMAC: wrong number of fields');
    assertErrorAnswer(await t.call('POST', 'verify/mac', { input: b64('x'), hmac: 'vault:v1:%%' }), 400, 'unable to decode verification HMAC as base64');
    assertErrorAnswer(await t.call('POST', 'verify/mac', { input: b64('x'), hmac: 'vault:v7:AAAA' }), 400, 'invalid HMAC: version is too new');
    assertErrorAnswer(await t.call('POST', 'keys/short', { type: 'hmac', key_size: 16 }), 400, 'invalid key_size 16');
    assertErrorAnswer(await t.call('POST', 'keys/sized-aes', { key_size: 64 }), 400, 'key_size is not valid for algorithm aes256-gcm96');
    assert.equal((await t.call('GET', 'keys/short')).status, 404);
    assert.equal((await t.call('GET', 'keys/sized-aes')).status, 404);
  });

  it('hashes base64 input with SHA-2 and SHA-3, hex by default or base64, the same sums Node computes', async () => {
    const data = Buffer.from('hash me');
    assert.deepEqual(await t.ok('POST', 'hash', { input: b64(data) }), { sum: createHash('sha256').update(data).digest('hex') });
    assert.deepEqual(await t.ok('POST', 'hash/sha2-512', { input: b64(data), format: 'base64' }), { sum: createHash('sha512').update(data).digest('base64') });
    assert.deepEqual(await t.ok('POST', 'hash', { input: b64(data), algorithm: 'sha3-256' }), { sum: createHash('sha3-256').update(data).digest('hex') });
    assert.deepEqual(await t.ok('POST', 'hash/sha2-224', { input: b64(data) }), { sum: createHash('sha224').update(data).digest('hex') });
    assertErrorAnswer(await t.call('POST', 'hash/sha1', { input: b64(data) }), 400, 'unsupported algorithm sha1');
    assertErrorAnswer(await t.call('POST', 'hash', { input: b64(data), format: 'binary' }), 400, 'unsupported encoding format binary; must be "hex" or "base64"');
    assertErrorAnswer(await t.call('POST', 'hash', { input: '***' }), 400, 'unable to decode input as base64');
  });

  it('answers random bytes: 32 base64 by default, a count in the body or URL, hex, and each source', async () => {
    const plain = await t.ok<{ random_bytes: string }>('POST', 'random', {});
    assert.equal(Buffer.from(plain.random_bytes, 'base64').length, 32);
    assert.equal(Buffer.from((await t.ok<{ random_bytes: string }>('POST', 'random', { bytes: 48 })).random_bytes, 'base64').length, 48);
    const hex = await t.ok<{ random_bytes: string }>('POST', 'random/16', { format: 'hex' });
    assert.match(hex.random_bytes, /^[0-9a-f]{32}$/);
    for (const source of ['platform', 'seal', 'all']) {
      assert.equal(Buffer.from((await t.ok<{ random_bytes: string }>('POST', `random/${source}/24`)).random_bytes, 'base64').length, 24);
      assert.equal(Buffer.from((await t.ok<{ random_bytes: string }>('POST', `random/${source}`, { bytes: 8 })).random_bytes, 'base64').length, 8);
    }
    assert.notEqual((await t.ok<{ random_bytes: string }>('POST', 'random')).random_bytes, plain.random_bytes);
    assertErrorAnswer(await t.call('POST', 'random/0'), 400, 'the number of bytes must be positive');
    assertErrorAnswer(await t.call('POST', 'random', { bytes: 200_000 }), 400, 'the number of bytes must be less than 131072');
    assertErrorAnswer(await t.call('POST', 'random/hsm/16'), 400, /unsupported entropy source hsm/);
    assertErrorAnswer(await t.call('POST', 'random/ten'), 400, /error parsing url-set byte count/);
    assertErrorAnswer(await t.call('POST', 'random', { format: 'raw' }), 400, 'unsupported encoding format raw; must be "hex" or "base64"');
  });
});
