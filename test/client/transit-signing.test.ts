import assert from 'node:assert/strict';
import { createHash, createHmac, createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CofferClient } from '../../src/client/client.js';
import { CofferApiError } from '../../src/client/errors.js';
import { TransitClient } from '../../src/client/transit.js';
import { startServer, type TestServer } from '../harness/server.js';

// The SDK's TransitClient helpers for signing, HMAC, data keys, export, backup and restore,
// against a real dev server; what they answer is checked with Node's crypto.

describe('TransitClient signing, HMAC, data keys, export and backup', () => {
  let server: TestServer;
  let transit: TransitClient;

  before(async () => {
    server = await startServer();
    const client = new CofferClient({ address: server.address, token: server.rootToken });
    await client.request('POST', 'sys/mounts/transit', { body: { type: 'transit' } });
    transit = new TransitClient(client);
  });
  after(async () => {
    await server?.destroy();
  });

  it('sign() answers a signature that crypto.verify accepts with exportKey(public-key); verify() agrees', async () => {
    await transit.createKey('sdk-ec', { type: 'ecdsa-p256' });
    const signed = await transit.sign('sdk-ec', 'order 77', { hashAlgorithm: 'sha2-384' });
    assert.equal(signed.keyVersion, 1);
    assert.match(signed.signature, /^vault:v1:/);
    const pem = (await transit.exportKey('sdk-ec', 'public-key', 'latest')).keys['1']!;
    assert.equal(verify('sha384', Buffer.from('order 77'), createPublicKey(pem), Buffer.from(signed.signature.slice(9), 'base64')), true);
    assert.equal(await transit.verify('sdk-ec', 'order 77', signed.signature, { hashAlgorithm: 'sha2-384' }), true);
    assert.equal(await transit.verify('sdk-ec', 'order 78', signed.signature, { hashAlgorithm: 'sha2-384' }), false);
    const jws = await transit.sign('sdk-ec', new Uint8Array([1, 2, 3]), { marshalingAlgorithm: 'jws' });
    assert.equal(Buffer.from(jws.signature.slice(9), 'base64url').length, 64);
    assert.equal(await transit.verify('sdk-ec', new Uint8Array([1, 2, 3]), jws.signature, { marshalingAlgorithm: 'jws' }), true);
  });

  it('sign() of a derived ed25519 key answers the context\'s public key, which verifies the signature', async () => {
    await transit.createKey('sdk-ed', { type: 'ed25519', derived: true });
    const signed = await transit.sign('sdk-ed', 'hello', { context: 'ctx-1' });
    assert.equal(signed.publicKey?.length, 32);
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: signed.publicKey!.toString('base64url') }, format: 'jwk' });
    assert.equal(verify(null, Buffer.from('hello'), key, Buffer.from(signed.signature.slice(9), 'base64')), true);
    assert.equal(await transit.verify('sdk-ed', 'hello', signed.signature, { context: 'ctx-1' }), true);
  });

  it('sign() with RSA pkcs1v15 over a prehashed digest, typed options passed through', async () => {
    await transit.createKey('sdk-rsa', { type: 'rsa-2048' });
    const digest = createHash('sha256').update('big file').digest();
    const signed = await transit.sign('sdk-rsa', digest, { prehashed: true, signatureAlgorithm: 'pkcs1v15' });
    assert.equal(await transit.verify('sdk-rsa', 'big file', signed.signature, { signatureAlgorithm: 'pkcs1v15' }), true);
    const pss = await transit.sign('sdk-rsa', 'salted', { saltLength: 'hash' });
    assert.equal(await transit.verify('sdk-rsa', 'salted', pss.signature, { saltLength: 'hash' }), true);
  });

  it('hmac() answers the HMAC Node computes with exportKey(hmac-key); verifyHmac() checks it', async () => {
    await transit.createKey('sdk-mac', { type: 'hmac', keySize: 48, exportable: true });
    const mac = await transit.hmac('sdk-mac', 'payload', { algorithm: 'sha2-512' });
    assert.equal(mac.keyVersion, 1);
    const key = Buffer.from((await transit.exportKey('sdk-mac', 'hmac-key', 1)).keys['1']!, 'base64');
    assert.equal(key.length, 48);
    assert.deepEqual(Buffer.from(mac.hmac.slice(9), 'base64'), createHmac('sha512', key).update('payload').digest());
    assert.equal(await transit.verifyHmac('sdk-mac', 'payload', mac.hmac, { algorithm: 'sha2-512' }), true);
    assert.equal(await transit.verifyHmac('sdk-mac', 'payload', mac.hmac), false, 'another algorithm');
  });

  it('generateDataKey() answers a key whose ciphertext decrypt() opens to the same bytes; wrapped answers none', async () => {
    // datakey does not create its key, as in Vault.
    await assert.rejects(transit.generateDataKey('sdk-dek'), (err: unknown) => err instanceof CofferApiError && err.status === 400);
    await transit.createKey('sdk-dek');
    const made = await transit.generateDataKey('sdk-dek', { bits: 512 });
    assert.equal(made.plaintext?.length, 64);
    assert.deepEqual(await transit.decrypt('sdk-dek', made.ciphertext), made.plaintext);
    const wrapped = await transit.generateDataKey('sdk-dek', { wrapped: true });
    assert.equal(wrapped.plaintext, undefined);
    assert.equal((await transit.decrypt('sdk-dek', wrapped.ciphertext)).length, 32);
  });

  it('backupKey() then restoreKey() under a new name: the copy decrypts what the original sealed', async () => {
    await transit.createKey('sdk-backed', { exportable: true, allowPlaintextBackup: true });
    const { ciphertext } = await transit.encrypt('sdk-backed', 'kept safe');
    const backup = await transit.backupKey('sdk-backed');
    await transit.restoreKey(backup, { name: 'sdk-restored' });
    assert.equal(await transit.decryptText('sdk-restored', ciphertext), 'kept safe');
    await assert.rejects(transit.restoreKey(backup, { name: 'sdk-restored' }), (err: unknown) => err instanceof CofferApiError && err.status === 400);
    await transit.restoreKey(backup, { name: 'sdk-restored', force: true });
    await transit.configureKey('sdk-restored', { minEncryptionVersion: 1 });
    await transit.rotateKey('sdk-restored');
    await transit.configureKey('sdk-restored', { minDecryptionVersion: 2, minEncryptionVersion: 2 });
    assert.equal((await transit.trimKey('sdk-restored', 2))?.min_available_version, 2);
    await assert.rejects(transit.backupKey('sdk-ec'), (err: unknown) => err instanceof CofferApiError && err.status === 400 && /exporting is disallowed/.test(err.message));
  });
});
