import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { b64, TransitServer } from './transit-fixture.js';

// Key versions over HTTP against a real dev server: rotation of every type, trim, the minimum
// versions, the key read's shape per type, key configuration and cache-config.

type KeyRead = Record<string, unknown> & {
  type: string;
  latest_version: number;
  min_available_version: number;
  min_decryption_version: number;
  min_encryption_version: number;
  keys: Record<string, unknown>;
  auto_rotate_period: number;
};
type Cipher = { ciphertext: string; key_version: number };

const ALL_TYPES = ['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305', 'ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'hmac'];

describe('transit key versions', () => {
  let t: TransitServer;

  before(async () => {
    t = await TransitServer.start();
  });
  after(async () => {
    await t?.destroy();
  });

  it('rotates a key of every type; the new version is the one each operation then uses', async () => {
    await Promise.all(ALL_TYPES.map((type) => t.ok('POST', `keys/rot-${type}`, { type })));
    for (const type of ALL_TYPES) {
      const name = `rot-${type}`;
      const rotated = await t.ok<KeyRead>('POST', `keys/${name}/rotate`);
      assert.equal(rotated.latest_version, 2, type);
      assert.deepEqual(Object.keys(rotated.keys).sort(), ['1', '2'], type);
      const read = await t.readKey<KeyRead & { supports_encryption: boolean; supports_signing: boolean }>(name);
      if (read.supports_encryption) assert.equal((await t.ok<Cipher>('POST', `encrypt/${name}`, { plaintext: b64('x') })).key_version, 2, type);
      if (read.supports_signing) assert.match((await t.ok<{ signature: string }>('POST', `sign/${name}`, { input: b64('x') })).signature, /^vault:v2:/, type);
      assert.match((await t.ok<{ hmac: string }>('POST', `hmac/${name}`, { input: b64('x') })).hmac, /^vault:v2:/, type);
    }
  });

  it('reads each type in Vault\'s shape: creation times for symmetric keys, public keys for asymmetric ones, and its supports_* flags', async () => {
    const flags = (r: Record<string, unknown>) => [r.supports_encryption, r.supports_decryption, r.supports_signing, r.supports_derivation];
    const aes = await t.readKey<KeyRead>('rot-aes256-gcm96');
    assert.equal(typeof aes.keys['1'], 'number');
    assert.deepEqual(flags(aes), [true, true, false, true]);
    const ec = await t.readKey<KeyRead>('rot-ecdsa-p384');
    const entry = ec.keys['2'] as { name: string; public_key: string; creation_time: string };
    assert.equal(entry.name, 'P-384');
    assert.match(entry.public_key, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.ok(Math.abs(Date.parse(entry.creation_time) - Date.now()) < 120_000, entry.creation_time);
    assert.deepEqual(flags(ec), [false, false, true, false]);
    assert.deepEqual(flags(await t.readKey('rot-ed25519')), [false, false, true, true]);
    assert.equal(((await t.readKey<KeyRead>('rot-rsa-3072')).keys['1'] as { name: string }).name, 'rsa-3072');
    assert.deepEqual(flags(await t.readKey('rot-rsa-3072')), [true, true, true, false]);
    const hmac = await t.readKey<KeyRead & { key_size: number }>('rot-hmac');
    assert.deepEqual(flags(hmac), [false, false, false, false]);
    assert.equal(hmac.key_size, 32);
    assert.ok(!JSON.stringify(await t.readKey('rot-rsa-4096')).includes('PRIVATE KEY'), 'no private key material in a read');
  });

  it('trims versions below min_available_version for good, within Vault\'s rules, and a later backup keeps only what is left', async () => {
    await t.ok('POST', 'keys/trimmed', { exportable: true, allow_plaintext_backup: true });
    const sealed: Cipher[] = [await t.ok<Cipher>('POST', 'encrypt/trimmed', { plaintext: b64('v1') })];
    for (const n of [2, 3, 4]) {
      await t.ok('POST', 'keys/trimmed/rotate');
      sealed.push(await t.ok<Cipher>('POST', 'encrypt/trimmed', { plaintext: b64(`v${n}`) }));
    }
    assertErrorAnswer(await t.call('POST', 'keys/trimmed/trim', { min_available_version: 2 }), 400, 'minimum available version cannot be set when minimum encryption version is not set');
    await t.ok('POST', 'keys/trimmed/config', { min_decryption_version: 3, min_encryption_version: 3 });
    assertErrorAnswer(await t.call('POST', 'keys/trimmed/trim', {}), 400, 'missing min_available_version');
    assertErrorAnswer(await t.call('POST', 'keys/trimmed/trim', { min_available_version: 4 }), 400, 'minimum available version cannot be greater than minmum encryption version');
    assertErrorAnswer(await t.call('POST', 'keys/trimmed/trim', { min_available_version: 0 }), 400, 'minimum available version should be positive');
    assertErrorAnswer(await t.call('POST', 'keys/nobody/trim', { min_available_version: 1 }), 400, 'invalid key name');

    const trimmed = await t.ok<KeyRead>('POST', 'keys/trimmed/trim', { min_available_version: 3 });
    assert.equal(trimmed.min_available_version, 3);
    assert.deepEqual(Object.keys(trimmed.keys).sort(), ['3', '4']);
    assertErrorAnswer(await t.call('POST', 'keys/trimmed/trim', { min_available_version: 2 }), 400, 'minimum available version cannot be decremented');
    assertErrorAnswer(await t.call('POST', 'keys/trimmed/config', { min_decryption_version: 1 }), 400, 'min decryption version should not be less then min available version');
    assertErrorAnswer(await t.call('POST', 'decrypt/trimmed', { ciphertext: sealed[0]!.ciphertext }), 400, 'ciphertext or signature version is disallowed by policy (too old)');
    for (const [i, s] of sealed.slice(2).entries()) {
      assert.equal(Buffer.from((await t.ok<{ plaintext: string }>('POST', 'decrypt/trimmed', { ciphertext: s.ciphertext })).plaintext, 'base64').toString(), `v${i + 3}`);
    }

    const { backup } = await t.ok<{ backup: string }>('GET', 'backup/trimmed');
    const json = JSON.parse(Buffer.from(backup, 'base64').toString()) as { policy: { min_available_version: number; archive_min_version: number }; archived_keys: { keys: unknown[] } };
    assert.deepEqual([json.policy.min_available_version, json.policy.archive_min_version, json.archived_keys.keys.length], [3, 3, 2], 'the archive starts at version 3');
    assert.equal((await t.call('POST', 'restore/trimmed-copy', { backup })).status, 204);
    const copy = await t.readKey<KeyRead>('trimmed-copy');
    assert.deepEqual([copy.min_available_version, copy.latest_version], [3, 4]);
    assert.equal(Buffer.from((await t.ok<{ plaintext: string }>('POST', 'decrypt/trimmed-copy', { ciphertext: sealed[3]!.ciphertext })).plaintext, 'base64').toString(), 'v4');
  });

  it('keeps min_encryption_version at or above min_decryption_version, and encrypts only from it up', async () => {
    await t.ok('POST', 'keys/floors', {});
    await t.ok('POST', 'keys/floors/rotate');
    await t.ok('POST', 'keys/floors/rotate');
    assertErrorAnswer(await t.call('POST', 'keys/floors/config', { min_encryption_version: 4 }), 400, 'cannot set min encryption version of 4, latest key version is 3');
    assertErrorAnswer(await t.call('POST', 'keys/floors/config', { min_encryption_version: -1 }), 400, 'min encryption version cannot be negative');
    assertErrorAnswer(
      await t.call('POST', 'keys/floors/config', { min_decryption_version: 3, min_encryption_version: 2 }),
      400,
      'cannot set min encryption/decryption values; min encryption version of 2 must be greater than or equal to min decryption version of 3',
    );
    assert.equal((await t.readKey<KeyRead>('floors')).min_decryption_version, 1, 'a refused config changes nothing');
    await t.ok('POST', 'keys/floors/config', { min_encryption_version: 2 });
    assertErrorAnswer(await t.call('POST', 'encrypt/floors', { plaintext: b64('x'), key_version: 1 }), 400, 'requested version for encryption is less than the minimum encryption key version');
    assert.equal((await t.ok<Cipher>('POST', 'encrypt/floors', { plaintext: b64('x'), key_version: 2 })).key_version, 2);
    const zero = await t.call<KeyRead>('POST', 'keys/floors/config', { min_decryption_version: 0 });
    assert.equal(zero.status, 200);
    assert.deepEqual(zero.body.warnings, ['since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1']);
  });

  it('takes auto_rotate_period at creation and in config (0, or at least an hour) and reports it in seconds', async () => {
    assert.equal((await t.ok<KeyRead>('POST', 'keys/auto', { auto_rotate_period: '2h' })).auto_rotate_period, 7200);
    assertErrorAnswer(await t.call('POST', 'keys/auto-short', { auto_rotate_period: '30m' }), 400, 'auto rotate period must be 0 to disable or at least an hour');
    assert.equal((await t.call('GET', 'keys/auto-short')).status, 404);
    assertErrorAnswer(await t.call('POST', 'keys/auto/config', { auto_rotate_period: 59 }), 400, 'auto rotate period must be 0 to disable or at least an hour');
    assert.equal((await t.readKey<KeyRead>('auto')).auto_rotate_period, 7200);
    assert.equal((await t.ok<KeyRead>('POST', 'keys/auto/config', { auto_rotate_period: '24h' })).auto_rotate_period, 86400);
    assert.equal((await t.ok<KeyRead>('POST', 'keys/auto/config', { auto_rotate_period: 0 })).auto_rotate_period, 0);
    assertErrorAnswer(await t.call('POST', 'keys/nobody/config', { deletion_allowed: true }), 400, 'no existing key named nobody could be found');
  });

  it('answers an existing key unchanged, with a warning, when it is created again with other options', async () => {
    const again = await t.call<KeyRead>('POST', 'keys/rot-ed25519', { type: 'aes256-gcm96', exportable: true });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body.warnings, ['key rot-ed25519 already existed']);
    assert.equal(again.body.data.type, 'ed25519');
    assert.equal(again.body.data.exportable, false);
  });

  it('reads and writes cache-config: size 0 or at least 10, accepted and reported', async () => {
    assert.deepEqual(await t.ok('GET', 'cache-config'), { size: 0 });
    const written = await t.call<{ size: number }>('POST', 'cache-config', { size: 500 });
    assert.equal(written.status, 200, written.text);
    assert.deepEqual(written.body.data, { size: 500 });
    assert.deepEqual(await t.ok('GET', 'cache-config'), { size: 500 });
    assertErrorAnswer(await t.call('POST', 'cache-config', { size: 5 }), 400, 'size must be 0 or a value greater or equal to 10');
    assert.deepEqual(await t.ok('GET', 'cache-config'), { size: 500 });
  });
});
