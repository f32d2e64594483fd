import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { api, type ApiResponse } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';

// The transit engine over HTTP against a real dev server, with Vault's request and response shapes.

interface Data<T> {
  data: T;
  errors?: string[];
  warnings?: string[];
}
type Cipher = { ciphertext: string; key_version: number };
type KeyRead = {
  type: string;
  latest_version: number;
  min_decryption_version: number;
  min_encryption_version: number;
  keys: Record<string, number>;
  deletion_allowed: boolean;
  exportable: boolean;
  supports_encryption: boolean;
  supports_decryption: boolean;
};

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');

describe('transit engine', () => {
  let server: TestServer;
  const call = <T>(method: string, path: string, body?: unknown): Promise<ApiResponse<Data<T>>> =>
    api<Data<T>>(server.address, method, `transit/${path}`, { token: server.rootToken, ...(body === undefined ? {} : { body }) });
  const encrypt = async (key: string, plaintext: string, extra: Record<string, unknown> = {}) => {
    const res = await call<Cipher>('POST', `encrypt/${key}`, { plaintext: b64(plaintext), ...extra });
    assert.equal(res.status, 200, res.text);
    return res.body.data;
  };
  const decrypt = async (key: string, ciphertext: string, extra: Record<string, unknown> = {}) => {
    const res = await call<{ plaintext: string }>('POST', `decrypt/${key}`, { ciphertext, ...extra });
    assert.equal(res.status, 200, res.text);
    return unb64(res.body.data.plaintext);
  };

  before(async () => {
    server = await startServer();
    const mounted = await api(server.address, 'POST', 'sys/mounts/transit', { token: server.rootToken, body: { type: 'transit' } });
    assert.equal(mounted.status, 204, mounted.text);
  });
  after(async () => {
    await server?.destroy();
  });

  it('creates an aes256-gcm96 key by default and reads it in Vault shape', async () => {
    const created = await call<KeyRead>('POST', 'keys/shape', {});
    assert.equal(created.status, 200, created.text);
    const read = await call<KeyRead>('GET', 'keys/shape');
    assert.equal(read.status, 200, read.text);
    const d = read.body.data;
    assert.equal(d.type, 'aes256-gcm96');
    assert.equal(d.latest_version, 1);
    assert.equal(d.min_decryption_version, 1);
    assert.equal(d.min_encryption_version, 0);
    assert.equal(d.deletion_allowed, false);
    assert.equal(d.exportable, false);
    assert.equal(d.supports_encryption, true);
    assert.equal(d.supports_decryption, true);
    assert.deepEqual(Object.keys(d.keys), ['1']);
    assert.ok(Math.abs(d.keys['1']! - Date.now() / 1000) < 60, 'version 1 carries its creation time in unix seconds');
    assert.ok(!JSON.stringify(read.body).includes('"key"'), 'key material is never returned');
  });

  it('lists keys with LIST transit/keys', async () => {
    await call('POST', 'keys/listed-a', {});
    await call('POST', 'keys/listed-b', {});
    const listed = await call<{ keys: string[] }>('LIST', 'keys');
    assert.equal(listed.status, 200, listed.text);
    assert.ok(listed.body.data.keys.includes('listed-a') && listed.body.data.keys.includes('listed-b'));
  });

  it('answers 404 reading a key that does not exist', async () => {
    assert.equal((await call('GET', 'keys/nobody')).status, 404);
  });

  it('round-trips plaintext through encrypt and decrypt as vault:v1: ciphertext', async () => {
    await call('POST', 'keys/roundtrip', {});
    const { ciphertext, key_version } = await encrypt('roundtrip', 'the launch code');
    assert.match(ciphertext, /^vault:v1:[A-Za-z0-9+/]+=*$/);
    assert.equal(key_version, 1);
    assert.ok(!unb64(ciphertext.slice('vault:v1:'.length)).includes('launch'));
    assert.equal(await decrypt('roundtrip', ciphertext), 'the launch code');
  });

  it('encrypts to a fresh ciphertext each time (random nonce)', async () => {
    await call('POST', 'keys/nonce', {});
    const a = await encrypt('nonce', 'same');
    const b = await encrypt('nonce', 'same');
    assert.notEqual(a.ciphertext, b.ciphertext);
  });

  it('creates the key on first encrypt, as Vault does', async () => {
    const { ciphertext } = await encrypt('upserted', 'hello');
    assert.equal(await decrypt('upserted', ciphertext), 'hello');
    assert.equal((await call<KeyRead>('GET', 'keys/upserted')).body.data.type, 'aes256-gcm96');
  });

  it('after rotate, new ciphertexts are v2 and v1 ciphertexts still decrypt', async () => {
    await call('POST', 'keys/rotating', {});
    const old = await encrypt('rotating', 'from before');
    const rotated = await call<KeyRead>('POST', 'keys/rotating/rotate', {});
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal(rotated.body.data.latest_version, 2);
    assert.deepEqual(Object.keys((await call<KeyRead>('GET', 'keys/rotating')).body.data.keys).sort(), ['1', '2']);
    const fresh = await encrypt('rotating', 'from after');
    assert.match(fresh.ciphertext, /^vault:v2:/);
    assert.equal(fresh.key_version, 2);
    assert.equal(await decrypt('rotating', old.ciphertext), 'from before');
    assert.equal(await decrypt('rotating', fresh.ciphertext), 'from after');
  });

  it('refuses v1 ciphertext once min_decryption_version is 2, and hides version 1 from the read', async () => {
    await call('POST', 'keys/floor', {});
    const old = await encrypt('floor', 'archived');
    await call('POST', 'keys/floor/rotate', {});
    const configured = await call<KeyRead>('POST', 'keys/floor/config', { min_decryption_version: 2 });
    assert.equal(configured.status, 200, configured.text);
    const read = (await call<KeyRead>('GET', 'keys/floor')).body.data;
    assert.equal(read.min_decryption_version, 2);
    assert.deepEqual(Object.keys(read.keys), ['2']);
    assertErrorAnswer(await call('POST', 'decrypt/floor', { ciphertext: old.ciphertext }), 400, 'ciphertext or signature version is disallowed by policy (too old)');
  });

  it('refuses a min_decryption_version above the latest version and changes nothing', async () => {
    await call('POST', 'keys/floor-high', {});
    assertErrorAnswer(await call('POST', 'keys/floor-high/config', { min_decryption_version: 5 }), 400, 'cannot set min decryption version of 5, latest key version is 1');
    assert.equal((await call<KeyRead>('GET', 'keys/floor-high')).body.data.min_decryption_version, 1);
  });

  it('rewraps a v1 ciphertext onto v2 without returning the plaintext', async () => {
    await call('POST', 'keys/rewrapped', {});
    const old = await encrypt('rewrapped', 'carried over');
    await call('POST', 'keys/rewrapped/rotate', {});
    const res = await call<Cipher & { plaintext?: string }>('POST', 'rewrap/rewrapped', { ciphertext: old.ciphertext });
    assert.equal(res.status, 200, res.text);
    assert.match(res.body.data.ciphertext, /^vault:v2:/);
    assert.equal(res.body.data.key_version, 2);
    assert.equal(res.body.data.plaintext, undefined);
    assert.ok(!res.text.includes(b64('carried over')));
    assert.equal(await decrypt('rewrapped', res.body.data.ciphertext), 'carried over');
  });

  it('answers 400 "cipher: message authentication failed" for a ciphertext with one byte changed', async () => {
    await call('POST', 'keys/tamper', {});
    const { ciphertext } = await encrypt('tamper', 'do not touch');
    const bytes = Buffer.from(ciphertext.slice('vault:v1:'.length), 'base64');
    bytes[bytes.length - 20]! ^= 0x01;
    assertErrorAnswer(await call('POST', 'decrypt/tamper', { ciphertext: `vault:v1:${bytes.toString('base64')}` }), 400, 'cipher: message authentication failed');
  });

  it('binds associated_data: decrypt needs the same data', async () => {
    await call('POST', 'keys/bound', {});
    const { ciphertext } = await encrypt('bound', 'bound value', { associated_data: b64('context-a') });
    assert.equal(await decrypt('bound', ciphertext, { associated_data: b64('context-a') }), 'bound value');
    assertErrorAnswer(await call('POST', 'decrypt/bound', { ciphertext, associated_data: b64('context-b') }), 400, 'cipher: message authentication failed');
    assertErrorAnswer(await call('POST', 'decrypt/bound', { ciphertext }), 400, 'cipher: message authentication failed');
  });

  it('refuses to delete a key until deletion_allowed is set', async () => {
    await call('POST', 'keys/doomed', {});
    assertErrorAnswer(await call('DELETE', 'keys/doomed'), 400, 'deletion is not allowed for this key');
    assert.equal((await call('GET', 'keys/doomed')).status, 200);
    assert.equal((await call('POST', 'keys/doomed/config', { deletion_allowed: true })).status, 200);
    assert.equal((await call('DELETE', 'keys/doomed')).status, 204);
    assert.equal((await call('GET', 'keys/doomed')).status, 404);
  });

  it('answers 400 for plaintext that is not base64, and for malformed ciphertexts', async () => {
    await call('POST', 'keys/bad-input', {});
    assertErrorAnswer(await call('POST', 'encrypt/bad-input', { plaintext: 'not base64!' }), 400, 'failed to base64-decode plaintext');
    assertErrorAnswer(await call('POST', 'encrypt/bad-input', {}), 400, 'missing plaintext to encrypt');
    assertErrorAnswer(await call('POST', 'decrypt/bad-input', { ciphertext: 'plain:v1:AAAA' }), 400, 'invalid ciphertext: no prefix');
    assertErrorAnswer(await call('POST', 'decrypt/bad-input', { ciphertext: 'vault:vX:AAAA' }), 400, 'invalid ciphertext: version number could not be decoded');
    assertErrorAnswer(await call('POST', 'decrypt/bad-input', { ciphertext: 'vault:v9:' + Buffer.alloc(40).toString('base64') }), 400, 'invalid ciphertext: version is too new');
    assertErrorAnswer(await call('POST', 'decrypt/bad-input', { ciphertext: 'vault:v1:%%%' }), 400, 'invalid ciphertext: could not decode base64');
    assertErrorAnswer(await call('POST', 'decrypt/nobody', { ciphertext: 'vault:v1:AAAA' }), 400, 'encryption key not found');
  });

  it('answers 400 for an unknown key type and for derivation a type cannot do, creating nothing', async () => {
    assertErrorAnswer(await call('POST', 'keys/odd', { type: 'rsa-1024' }), 400, 'unknown key type rsa-1024');
    assertErrorAnswer(await call('POST', 'keys/derived', { type: 'ecdsa-p256', derived: true }), 400, 'key derivation and convergent encryption not supported for keys of type ecdsa-p256');
    assertErrorAnswer(await call('POST', 'keys/convergent', { convergent_encryption: true }), 400, 'convergent encryption requires derivation to be enabled');
    assert.equal((await call('GET', 'keys/odd')).status, 404);
    assert.equal((await call('GET', 'keys/derived')).status, 404);
    assert.equal((await call('GET', 'keys/convergent')).status, 404);
  });

  it('supports chacha20-poly1305 keys', async () => {
    const created = await call<KeyRead>('POST', 'keys/chacha', { type: 'chacha20-poly1305' });
    assert.equal(created.status, 200, created.text);
    assert.equal((await call<KeyRead>('GET', 'keys/chacha')).body.data.type, 'chacha20-poly1305');
    const { ciphertext } = await encrypt('chacha', 'stream cipher', { associated_data: b64('ad') });
    assert.equal(await decrypt('chacha', ciphertext, { associated_data: b64('ad') }), 'stream cipher');
    const bytes = Buffer.from(ciphertext.slice('vault:v1:'.length), 'base64');
    bytes[14]! ^= 0x80;
    assertErrorAnswer(await call('POST', 'decrypt/chacha', { ciphertext: `vault:v1:${bytes.toString('base64')}`, associated_data: b64('ad') }), 400, 'cipher: message authentication failed');
  });

  it('encrypts and decrypts batch_input in order, with a per-item error for a bad item', async () => {
    await call('POST', 'keys/batch', {});
    const enc = await call<{ batch_results: Array<Cipher & { reference: string; error?: string }> }>('POST', 'encrypt/batch', {
      batch_input: [{ plaintext: b64('one'), reference: 'a' }, { plaintext: '***', reference: 'b' }, { plaintext: b64('three'), reference: 'c' }],
    });
    assert.equal(enc.status, 200, enc.text);
    const results = enc.body.data.batch_results;
    assert.deepEqual(results.map((r) => r.reference), ['a', 'b', 'c']);
    assert.equal(results[1]!.error, 'failed to base64-decode plaintext');
    const dec = await call<{ batch_results: Array<{ plaintext: string }> }>('POST', 'decrypt/batch', {
      batch_input: [{ ciphertext: results[0]!.ciphertext }, { ciphertext: results[2]!.ciphertext }],
    });
    assert.equal(dec.status, 200, dec.text);
    assert.deepEqual(dec.body.data.batch_results.map((r) => unb64(r.plaintext)), ['one', 'three']);
  });
});
