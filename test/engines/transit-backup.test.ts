import assert from 'node:assert/strict';
import { constants, createDecipheriv, createHmac, createPrivateKey, createPublicKey, privateDecrypt, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { b64, signatureBytes, TransitServer } from './transit-fixture.js';

// transit/datakey, transit/export, transit/backup and transit/restore against a real dev server.
// Exported keys are used with Node's crypto to open what the server sealed and to sign what it
// verifies; backups are taken, the key deleted, and the backup restored.

type Cipher = { ciphertext: string; key_version: number };
type Exported = { name: string; type: string; keys: Record<string, string> };

/**
 * A plaintext backup that Vault itself wrote (Vault's API documentation, "Backup Key" sample
 * response, 2017): an aes256-gcm96 key "aes" with one version. Its JSON names the key and HMAC key
 * in the clear, which the test uses to check what the restored key does.
 */
const VAULT_BACKUP =
  'eyJwb2xpY3kiOnsibmFtZSI6ImFlcyIsImtleXMiOnsiMSI6eyJrZXkiOiJXK3k4Z0dOMHdiTDJLOU95NXFPN1laMGtjdzMvR0ZiNWM4STBzdlNMMnFNPSIsImhtYWNfa2V5IjoiUDBTcjh1YTJaZERNUTdPd2h4RGp1Z0U5d0JSR3Q2QXl6K0t4TzN5Z2M5ST0iLCJ0aW1lIjoiMjAxNy0xMi0wOFQxMTo1MDowOC42MTM4MzctMDU6MDAiLCJlY194IjpudWxsLCJlY195IjpudWxsLCJlY19kIjpudWxsLCJyc2Ffa2V5IjpudWxsLCJwdWJsaWNfa2V5IjoiIiwiY3JlYXRpb25fdGltZSI6MTUxMjc1MTgwOH19LCJkZXJpdmVkIjpmYWxzZSwia2RmIjowLCJjb252ZXJnZW50X2VuY3J5cHRpb24iOmZhbHNlLCJleHBvcnRhYmxlIjpmYWxzZSwibWluX2RlY3J5cHRpb25fdmVyc2lvbiI6MSwibWluX2VuY3J5cHRpb25fdmVyc2lvbiI6MCwibGF0ZXN0X3ZlcnNpb24iOjEsImFyY2hpdmVfdmVyc2lvbiI6MSwiZGVsZXRpb25fYWxsb3dlZCI6ZmFsc2UsImNvbnZlcmdlbnRfdmVyc2lvbiI6MCwidHlwZSI6MCwiYmFja3VwX2luZm8iOnsidGltZSI6IjIwMTctMTItMDhUMTE6NTA6MjkuMjI4MTU3LTA1OjAwIiwidmVyc2lvbiI6MX0sInJlc3RvcmVfaW5mbyI6bnVsbH0sImFyY2hpdmVkX2tleXMiOnsia2V5cyI6W3sia2V5IjpudWxsLCJobWFjX2tleSI6bnVsbCwidGltZSI6IjAwMDEtMDEtMDFUMDA6MDA6MDBaIiwiZWNfeCI6bnVsbCwiZWNfeSI6bnVsbCwiZWNfZCI6bnVsbCwicnNhX2tleSI6bnVsbCwicHVibGljX2tleSI6IiIsImNyZWF0aW9uX3RpbWUiOjB9LHsia2V5IjoiVyt5OGdHTjB3YkwySzlPeTVxTzdZWjBrY3czL0dGYjVjOEkwc3ZTTDJxTT0iLCJobWFjX2tleSI6IlAwU3I4dWEyWmRETVE3T3doeERqdWdFOXdCUkd0NkF5eitLeE8zeWdjOUk9IiwidGltZSI6IjIwMTctMTItMDhUMTE6NTA6MDguNjEzODM3LTA1OjAwIiwiZWNfeCI6bnVsbCwiZWNfeSI6bnVsbCwiZWNfZCI6bnVsbCwicnNhX2tleSI6bnVsbCwicHVibGljX2tleSI6IiIsImNyZWF0aW9uX3RpbWUiOjE1MTI3NTE4MDh9XX19Cg==';

/** Opens a "vault:vN:" AES-GCM ciphertext with a raw key, Vault's layout: nonce (12) ‖ ciphertext ‖ tag (16). */
function openAesGcm(key: Buffer, ciphertext: string, bits: 128 | 256 = 256): Buffer {
  const sealed = signatureBytes(ciphertext);
  const decipher = createDecipheriv(`aes-${bits}-gcm`, key, sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
}

describe('transit datakey, export, backup and restore', () => {
  let t: TransitServer;

  before(async () => {
    t = await TransitServer.start();
  });
  after(async () => {
    await t?.destroy();
  });

  const encrypt = async (key: string, text: string, extra: Record<string, unknown> = {}) => t.ok<Cipher>('POST', `encrypt/${key}`, { plaintext: b64(text), ...extra });
  const decrypt = async (key: string, ciphertext: string, extra: Record<string, unknown> = {}) =>
    Buffer.from((await t.ok<{ plaintext: string }>('POST', `decrypt/${key}`, { ciphertext, ...extra })).plaintext, 'base64').toString('utf8');

  describe('datakey', () => {
    it('answers a plaintext data key of 128, 256 or 512 bits whose ciphertext decrypt/ opens back to it', async () => {
      await t.ok('POST', 'keys/dek-wrapper', {});
      for (const bits of [128, 256, 512]) {
        const made = await t.ok<Cipher & { plaintext: string }>('POST', 'datakey/plaintext/dek-wrapper', { bits });
        assert.equal(Buffer.from(made.plaintext, 'base64').length, bits / 8);
        assert.match(made.ciphertext, /^vault:v1:/);
        assert.equal(made.key_version, 1);
        const opened = await t.ok<{ plaintext: string }>('POST', 'decrypt/dek-wrapper', { ciphertext: made.ciphertext });
        assert.equal(opened.plaintext, made.plaintext);
      }
    });

    it('answers only the ciphertext on datakey/wrapped, and that too decrypts to a 256-bit key', async () => {
      const wrapped = await t.ok<Cipher & { plaintext?: string }>('POST', 'datakey/wrapped/dek-wrapper', {});
      assert.equal(wrapped.plaintext, undefined);
      const opened = await t.ok<{ plaintext: string }>('POST', 'decrypt/dek-wrapper', { ciphertext: wrapped.ciphertext });
      assert.equal(Buffer.from(opened.plaintext, 'base64').length, 32);
    });

    it('wraps data keys under a derived key with its context, and under an RSA key with OAEP', async () => {
      await t.ok('POST', 'keys/dek-derived', { derived: true });
      const context = b64('tenant-7');
      const made = await t.ok<Cipher & { plaintext: string }>('POST', 'datakey/plaintext/dek-derived', { context });
      assert.equal((await t.ok<{ plaintext: string }>('POST', 'decrypt/dek-derived', { ciphertext: made.ciphertext, context })).plaintext, made.plaintext);
      assertErrorAnswer(await t.call('POST', 'datakey/plaintext/dek-derived', {}), 400, /missing 'context' for key derivation/);
      await t.ok('POST', 'keys/dek-rsa', { type: 'rsa-2048' });
      const rsa = await t.ok<Cipher & { plaintext: string }>('POST', 'datakey/plaintext/dek-rsa', {});
      assert.equal((await t.ok<{ plaintext: string }>('POST', 'decrypt/dek-rsa', { ciphertext: rsa.ciphertext })).plaintext, rsa.plaintext);
    });

    it('answers 400 for a bad kind, bit length or key, and for a key type that cannot encrypt', async () => {
      await t.ok('POST', 'keys/dek-signer', { type: 'ed25519' });
      assertErrorAnswer(await t.call('POST', 'datakey/secret/dek-wrapper', {}), 400, "Invalid path, must be 'plaintext' or 'wrapped'");
      assertErrorAnswer(await t.call('POST', 'datakey/plaintext/dek-wrapper', { bits: 64 }), 400, 'invalid bit length');
      assertErrorAnswer(await t.call('POST', 'datakey/plaintext/nobody', {}), 400, 'encryption key not found');
      assertErrorAnswer(await t.call('POST', 'datakey/wrapped/dek-signer', {}), 400, 'message encryption not supported for key type ed25519');
      assertErrorAnswer(await t.call('POST', 'datakey/wrapped/dek-wrapper', { key_version: 2 }), 400, 'requested version for encryption is higher than the latest key version');
    });
  });

  describe('export', () => {
    it('refuses key material of a key that is not exportable, but answers an asymmetric key\'s public key', async () => {
      await t.ok('POST', 'keys/sealed-in', {});
      await t.ok('POST', 'keys/public-only', { type: 'ecdsa-p384' });
      assertErrorAnswer(await t.call('GET', 'export/encryption-key/sealed-in'), 400, 'private key material is not exportable');
      assertErrorAnswer(await t.call('GET', 'export/hmac-key/sealed-in'), 400, 'private key material is not exportable');
      assertErrorAnswer(await t.call('GET', 'export/signing-key/public-only'), 400, 'private key material is not exportable');
      const pub = await t.ok<Exported>('GET', 'export/public-key/public-only');
      assert.equal(pub.type, 'ecdsa-p384');
      assert.equal(createPublicKey(pub.keys['1']!).asymmetricKeyDetails?.namedCurve, 'secp384r1');
      assert.equal((await t.call('GET', 'export/public-key/nobody')).status, 404);
    });

    it('exports an AES key that opens the server\'s ciphertexts with Node\'s AES-GCM, for each version', async () => {
      await t.ok('POST', 'keys/aes-out', { exportable: true });
      const first = await encrypt('aes-out', 'version one secret');
      await t.ok('POST', 'keys/aes-out/rotate');
      const second = await encrypt('aes-out', 'version two secret');
      const all = await t.ok<Exported>('GET', 'export/encryption-key/aes-out');
      assert.deepEqual(Object.keys(all.keys).sort(), ['1', '2']);
      assert.equal(openAesGcm(Buffer.from(all.keys['1']!, 'base64'), first.ciphertext).toString(), 'version one secret');
      assert.equal(openAesGcm(Buffer.from(all.keys['2']!, 'base64'), second.ciphertext).toString(), 'version two secret');
      assert.deepEqual((await t.ok<Exported>('GET', 'export/encryption-key/aes-out/latest')).keys, { '2': all.keys['2'] });
      assert.deepEqual((await t.ok<Exported>('GET', 'export/encryption-key/aes-out/v1')).keys, { '1': all.keys['1'] });
      await t.ok('POST', 'keys/aes-out/config', { min_decryption_version: 2 });
      assertErrorAnswer(await t.call('GET', 'export/encryption-key/aes-out/1'), 400, 'version for export is below minimum decryption version');
      assert.deepEqual(Object.keys((await t.ok<Exported>('GET', 'export/encryption-key/aes-out')).keys), ['2']);
      assertErrorAnswer(await t.call('GET', 'export/encryption-key/aes-out/9'), 400, 'version does not exist or cannot be found');
      assertErrorAnswer(await t.call('GET', 'export/encryption-key/aes-out/two'), 400, 'invalid key version');
    });

    it('exports an aes128-gcm96 key of 16 bytes, which opens the server\'s ciphertext', async () => {
      await t.ok('POST', 'keys/aes128-out', { type: 'aes128-gcm96', exportable: true });
      const sealed = await encrypt('aes128-out', 'short key');
      const key = Buffer.from((await t.ok<Exported>('GET', 'export/encryption-key/aes128-out/1')).keys['1']!, 'base64');
      assert.equal(key.length, 16);
      assert.equal(openAesGcm(key, sealed.ciphertext, 128).toString(), 'short key');
    });

    it('exports signing keys in Vault\'s formats: Node signs with them and the server verifies', async () => {
      await t.ok('POST', 'keys/ec-out', { type: 'ecdsa-p256', exportable: true });
      await t.ok('POST', 'keys/ed-out', { type: 'ed25519', exportable: true });
      await t.ok('POST', 'keys/rsa-out', { type: 'rsa-2048', exportable: true });
      const data = Buffer.from('signed outside, verified inside');
      const ecPem = (await t.ok<Exported>('GET', 'export/signing-key/ec-out/1')).keys['1']!;
      assert.match(ecPem, /^-----BEGIN EC PRIVATE KEY-----\n[\s\S]+\n-----END EC PRIVATE KEY-----$/);
      const ecSig = sign('sha256', data, createPrivateKey(ecPem)).toString('base64');
      assert.deepEqual(await t.ok('POST', 'verify/ec-out', { input: b64(data), signature: `vault:v1:${ecSig}` }), { valid: true });

      const edRaw = Buffer.from((await t.ok<Exported>('GET', 'export/signing-key/ed-out/1')).keys['1']!, 'base64');
      assert.equal(edRaw.length, 64, 'seed ‖ public key');
      const edKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: edRaw.subarray(0, 32).toString('base64url'), x: edRaw.subarray(32).toString('base64url') }, format: 'jwk' });
      const edSig = sign(null, data, edKey).toString('base64');
      assert.deepEqual(await t.ok('POST', 'verify/ed-out', { input: b64(data), signature: `vault:v1:${edSig}` }), { valid: true });

      const rsaPem = (await t.ok<Exported>('GET', 'export/signing-key/rsa-out/1')).keys['1']!;
      assert.match(rsaPem, /^-----BEGIN RSA PRIVATE KEY-----/);
      const rsaSig = sign('sha256', data, { key: createPrivateKey(rsaPem), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }).toString('base64');
      assert.deepEqual(await t.ok('POST', 'verify/rsa-out', { input: b64(data), signature: `vault:v1:${rsaSig}` }), { valid: true });
    });

    it('exports an RSA encryption key that opens the server\'s RSA-OAEP (SHA-256) ciphertext', async () => {
      const sealed = await encrypt('rsa-out', 'oaep payload');
      const pem = (await t.ok<Exported>('GET', 'export/encryption-key/rsa-out/1')).keys['1']!;
      const opened = privateDecrypt({ key: createPrivateKey(pem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, signatureBytes(sealed.ciphertext));
      assert.equal(opened.toString(), 'oaep payload');
    });

    it('answers 400 for an export type the key cannot have, or that does not exist', async () => {
      assertErrorAnswer(await t.call('GET', 'export/encryption-key/ed-out'), 400, 'encryption not supported for the key');
      assertErrorAnswer(await t.call('GET', 'export/signing-key/aes-out'), 400, 'signing not supported for the key');
      assertErrorAnswer(await t.call('GET', 'export/public-key/aes-out'), 400, 'unknown key type aes256-gcm96 for export type public-key');
      assertErrorAnswer(await t.call('GET', 'export/private-key/aes-out'), 400, 'invalid export type: private-key');
    });

    it('keeps exportable once set: configuring it false leaves it true', async () => {
      await t.ok('POST', 'keys/sealed-in/config', { exportable: true });
      const after = await t.ok<{ exportable: boolean }>('POST', 'keys/sealed-in/config', { exportable: false });
      assert.equal(after.exportable, true);
      assert.equal(Object.keys((await t.ok<Exported>('GET', 'export/encryption-key/sealed-in')).keys).length, 1);
    });
  });

  describe('backup and restore', () => {
    it('refuses a backup unless the key is both exportable and allows plaintext backup, and keeps allow_plaintext_backup once set', async () => {
      await t.ok('POST', 'keys/no-backup', {});
      assertErrorAnswer(await t.call('GET', 'backup/no-backup'), 400, 'exporting is disallowed on the policy');
      await t.ok('POST', 'keys/no-backup/config', { exportable: true });
      assertErrorAnswer(await t.call('GET', 'backup/no-backup'), 400, 'plaintext backup is disallowed on the policy');
      assert.equal((await t.ok<{ allow_plaintext_backup: boolean }>('POST', 'keys/no-backup/config', { allow_plaintext_backup: true })).allow_plaintext_backup, true);
      assert.equal((await t.ok<{ allow_plaintext_backup: boolean }>('POST', 'keys/no-backup/config', { allow_plaintext_backup: false })).allow_plaintext_backup, true);
      assert.ok((await t.ok<{ backup: string }>('GET', 'backup/no-backup')).backup.length > 0);
      assertErrorAnswer(await t.call('GET', 'backup/nobody'), 400, 'key "nobody" not found');
    });

    it('backs up an AES key with three versions; after delete and restore, every old ciphertext decrypts to the same plaintext', async () => {
      await t.ok('POST', 'keys/vaulted', { exportable: true, allow_plaintext_backup: true });
      const sealed = [await encrypt('vaulted', 'first')];
      await t.ok('POST', 'keys/vaulted/rotate');
      sealed.push(await encrypt('vaulted', 'second', { associated_data: b64('ad') }));
      await t.ok('POST', 'keys/vaulted/rotate');
      sealed.push(await encrypt('vaulted', 'third'));
      const { hmac } = await t.ok<{ hmac: string }>('POST', 'hmac/vaulted', { input: b64('mac me') });
      const { backup } = await t.ok<{ backup: string }>('GET', 'backup/vaulted');
      const read = await t.readKey<{ backup_info: { version: number; time: string } }>('vaulted');
      assert.equal(read.backup_info.version, 3);

      // Vault's format: base64 of {"policy": ..., "archived_keys": {"keys": [...]}}; slot 0 is the empty version 0.
      const json = JSON.parse(Buffer.from(backup, 'base64').toString('utf8')) as {
        policy: { name: string; type: number; latest_version: number; keys: Record<string, { key: string; hmac_key: string }> };
        archived_keys: { keys: Array<{ key: string | null }> };
      };
      assert.equal(json.policy.name, 'vaulted');
      assert.equal(json.policy.type, 0, 'aes256-gcm96 is keysutil.KeyType 0');
      assert.equal(json.policy.latest_version, 3);
      assert.deepEqual(Object.keys(json.policy.keys).sort(), ['1', '2', '3']);
      assert.equal(json.archived_keys.keys.length, 4);
      assert.equal(json.archived_keys.keys[0]!.key, null);
      assert.equal(openAesGcm(Buffer.from(json.policy.keys['1']!.key, 'base64'), sealed[0]!.ciphertext).toString(), 'first');

      await t.ok('POST', 'keys/vaulted/config', { deletion_allowed: true });
      assert.equal((await t.call('DELETE', 'keys/vaulted')).status, 204);
      assertErrorAnswer(await t.call('POST', 'decrypt/vaulted', { ciphertext: sealed[0]!.ciphertext }), 400, 'encryption key not found');

      assert.equal((await t.call('POST', 'restore', { backup })).status, 204);
      assert.equal(await decrypt('vaulted', sealed[0]!.ciphertext), 'first');
      assert.equal(await decrypt('vaulted', sealed[1]!.ciphertext, { associated_data: b64('ad') }), 'second');
      assert.equal(await decrypt('vaulted', sealed[2]!.ciphertext), 'third');
      assert.deepEqual(await t.ok('POST', 'verify/vaulted', { input: b64('mac me'), hmac }), { valid: true });
      const restored = await t.readKey<{ latest_version: number; restore_info: { version: number }; exportable: boolean; deletion_allowed: boolean }>('vaulted');
      assert.equal(restored.latest_version, 3);
      assert.equal(restored.restore_info.version, 3);
      assert.equal(restored.exportable, true);
      assert.equal(restored.deletion_allowed, false, 'the key as it was when backed up');
      assert.match((await encrypt('vaulted', 'after')).ciphertext, /^vault:v3:/);
    });

    it('refuses to restore over an existing key unless force, and restores under another name', async () => {
      const { backup } = await t.ok<{ backup: string }>('GET', 'backup/vaulted');
      assertErrorAnswer(await t.call('POST', 'restore', { backup }), 400, 'key "vaulted" already exists');
      assert.equal((await t.call('POST', 'restore', { backup, force: true })).status, 204);
      assert.equal((await t.call('POST', 'restore/vaulted-copy', { backup })).status, 204);
      const { ciphertext } = await encrypt('vaulted', 'shared keys');
      assert.equal(await decrypt('vaulted-copy', ciphertext), 'shared keys');
      assert.equal((await t.readKey<{ name: string }>('vaulted-copy')).name, 'vaulted-copy');
    });

    it('round-trips ed25519, ECDSA P-521 and RSA keys (big numbers as Go writes them): old signatures still verify', async () => {
      const data = b64('signed before the backup');
      for (const type of ['ed25519', 'ecdsa-p521', 'rsa-2048'] as const) {
        const name = `signer-${type}`;
        await t.ok('POST', `keys/${name}`, { type, exportable: true, allow_plaintext_backup: true, deletion_allowed: true });
        const { signature } = await t.ok<{ signature: string }>('POST', `sign/${name}`, { input: data });
        const before = await t.ok<Exported>('GET', `export/public-key/${name}`);
        const { backup } = await t.ok<{ backup: string }>('GET', `backup/${name}`);
        const text = Buffer.from(backup, 'base64').toString('utf8');
        if (type === 'ecdsa-p521') assert.match(text, /"ec_d":\d{100,}[,}]/, 'ec_d is a bare JSON number, as Go encodes *big.Int');
        if (type === 'rsa-2048') assert.match(text, /"rsa_key":\{"N":\d{600,},"E":65537,"D":\d+/, 'rsa_key is Go\'s rsa.PrivateKey');
        await t.ok('POST', `keys/${name}/config`, { deletion_allowed: true });
        assert.equal((await t.call('DELETE', `keys/${name}`)).status, 204);
        assert.equal((await t.call('POST', 'restore', { backup })).status, 204);
        assert.deepEqual(await t.ok('POST', `verify/${name}`, { input: data, signature }), { valid: true }, type);
        assert.deepEqual((await t.ok<Exported>('GET', `export/public-key/${name}`)).keys, before.keys, type);
      }
    });

    it('round-trips a derived convergent key: the same plaintext and context give the same ciphertext after restore', async () => {
      await t.ok('POST', 'keys/convergent', { derived: true, convergent_encryption: true, exportable: true, allow_plaintext_backup: true });
      const context = b64('row-17');
      const a = await encrypt('convergent', 'deterministic', { context });
      const b = await encrypt('convergent', 'deterministic', { context });
      assert.equal(a.ciphertext, b.ciphertext, 'convergent: no random nonce');
      assert.notEqual((await encrypt('convergent', 'deterministic', { context: b64('row-18') })).ciphertext, a.ciphertext);
      const { backup } = await t.ok<{ backup: string }>('GET', 'backup/convergent');
      assert.equal((await t.call('POST', 'restore/convergent-restored', { backup })).status, 204);
      assert.equal((await encrypt('convergent-restored', 'deterministic', { context })).ciphertext, a.ciphertext);
      assert.equal(await decrypt('convergent-restored', a.ciphertext, { context }), 'deterministic');
      const read = await t.readKey<{ derived: boolean; convergent_encryption: boolean; kdf: string }>('convergent-restored');
      assert.deepEqual([read.derived, read.convergent_encryption, read.kdf], [true, true, 'hkdf_sha256']);
    });

    it('restores a backup Vault itself wrote, whose key encrypts and HMACs as that key does', async () => {
      assert.equal((await t.call('POST', 'restore', { backup: VAULT_BACKUP })).status, 204);
      const read = await t.readKey<{ type: string; latest_version: number; keys: Record<string, number> }>('aes');
      assert.deepEqual([read.type, read.latest_version, read.keys['1']], ['aes256-gcm96', 1, 1512751808]);
      const vault = JSON.parse(Buffer.from(VAULT_BACKUP, 'base64').toString('utf8')) as { policy: { keys: Record<string, { key: string; hmac_key: string }> } };
      const { key, hmac_key } = vault.policy.keys['1']!;
      const { ciphertext } = await encrypt('aes', 'sealed by the restored Vault key');
      assert.equal(openAesGcm(Buffer.from(key, 'base64'), ciphertext).toString(), 'sealed by the restored Vault key');
      const { hmac } = await t.ok<{ hmac: string }>('POST', 'hmac/aes', { input: b64('x') });
      assert.deepEqual(signatureBytes(hmac), createHmac('sha256', Buffer.from(hmac_key, 'base64')).update('x').digest());
    });

    it('answers 400 for a backup it cannot restore, and stores nothing', async () => {
      const vaultJson = JSON.parse(Buffer.from(VAULT_BACKUP, 'base64').toString('utf8')) as { policy: Record<string, unknown> };
      const managed = Buffer.from(JSON.stringify({ ...vaultJson, policy: { ...vaultJson.policy, name: 'managed', type: 10 } })).toString('base64');
      const template = Buffer.from(JSON.stringify({ ...vaultJson, policy: { ...vaultJson.policy, name: 'templated', version_template: 'enc:{{version}}:' } })).toString('base64');
      const gap = Buffer.from(JSON.stringify({ policy: { ...vaultJson.policy, name: 'gap', latest_version: 2 }, archived_keys: { keys: [] } })).toString('base64');
      assertErrorAnswer(await t.call('POST', 'restore', {}), 400, "'backup' must be supplied");
      assertErrorAnswer(await t.call('POST', 'restore', { backup: 'not base64!' }), 400, 'invalid backup: the backup is not base64');
      assertErrorAnswer(await t.call('POST', 'restore', { backup: b64('{"policy": 1') }), 400, 'invalid backup: not JSON');
      assertErrorAnswer(await t.call('POST', 'restore', { backup: managed }), 400, 'invalid backup: key type 10 is not supported by this engine');
      assertErrorAnswer(await t.call('POST', 'restore', { backup: template }), 400, 'invalid backup: custom version templates are not supported');
      assertErrorAnswer(await t.call('POST', 'restore', { backup: gap }), 400, 'invalid backup: version 2 is missing');
      assertErrorAnswer(await t.call('POST', 'restore', { backup: VAULT_BACKUP, name: 'a/b' }), 400, 'key names cannot be paths');
      for (const name of ['managed', 'templated', 'gap']) assert.equal((await t.call('GET', `keys/${name}`)).status, 404);
    });
  });
});
