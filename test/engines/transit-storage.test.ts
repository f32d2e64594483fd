import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CofferError } from '../../src/framework/errors.js';
import { isSecretRead } from '../../src/core/secret-reads.js';
import { transitBackend } from '../../src/engines/transit/index.js';
import { matchPath } from '../../src/framework/match.js';
import type { Resp } from '../../src/framework/types.js';
import { EngineClient, snapshot, testMount } from './engine-client.js';

// The transit engine driven through its path table (dispatch, no HTTP) over in-memory storage, to
// look at what it stores: where key material lives, keys stored before issue 19, auto-rotation,
// and that refused requests leave storage exactly as it was.

const b64 = (text: string) => Buffer.from(text).toString('base64');
const transit = () => new EngineClient(transitBackend(), testMount('transit'));

/** The request's answer, or the CofferError it was refused with. */
async function outcome(promise: Promise<Resp>): Promise<Resp | CofferError> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof CofferError) return err;
    throw err;
  }
}

const data = (r: Resp | CofferError) => {
  assert.ok(!(r instanceof CofferError), r instanceof CofferError ? r.message : '');
  return r.data as Record<string, unknown>;
};

describe('transit storage', () => {
  it('keeps every key under policy/<name> in the mount\'s own storage, and nothing else but cache-config', async () => {
    const t = transit();
    for (const type of ['aes256-gcm96', 'ed25519', 'ecdsa-p256', 'hmac']) await t.write(`keys/k-${type}`, { type });
    await t.write('cache-config', { size: 20 });
    await t.write('encrypt/k-aes256-gcm96', { plaintext: b64('x') });
    assert.deepEqual([...(await snapshot(t.store)).keys()].sort(), ['config/cache', 'policy/k-aes256-gcm96', 'policy/k-ecdsa-p256', 'policy/k-ed25519', 'policy/k-hmac']);
  });

  it('uses keys stored before issue 19 (no hmac_key, no time): they decrypt, rotate, and get an HMAC key on first HMAC', async () => {
    const t = transit();
    const key = randomBytes(32);
    await t.store.put('policy/legacy', {
      name: 'legacy',
      type: 'aes256-gcm96',
      latest_version: 1,
      min_decryption_version: 1,
      min_encryption_version: 0,
      deletion_allowed: false,
      versions: { '1': { key: key.toString('base64'), created: 1700000000 } },
    });
    const sealed = data(await outcome(t.write('encrypt/legacy', { plaintext: b64('old key, new engine') })));
    assert.equal(Buffer.from(String(data(await outcome(t.write('decrypt/legacy', { ciphertext: sealed.ciphertext }))).plaintext), 'base64').toString(), 'old key, new engine');
    const read = data(await outcome(t.read('keys/legacy')));
    assert.deepEqual([read.keys, read.min_available_version, read.exportable, read.derived], [{ '1': 1700000000 }, 0, false, false]);
    assert.match(String(data(await outcome(t.write('hmac/legacy', { input: b64('m') }))).hmac), /^vault:v1:/);
    const stored = (await t.store.get<{ versions: Record<string, { hmac_key?: string }> }>('policy/legacy'))!;
    assert.equal(Buffer.from(stored.versions['1']!.hmac_key!, 'base64').length, 32, 'the latest version got its HMAC key, as Vault\'s policy upgrade does');
    const hmac1 = data(await outcome(t.write('hmac/legacy', { input: b64('m') }))).hmac;
    assert.deepEqual(data(await outcome(t.write('verify/legacy', { input: b64('m'), hmac: hmac1 }))), { valid: true });
    assert.equal(data(await outcome(t.write('keys/legacy/rotate', {}))).latest_version, 2);
  });

  it('rotates a key whose auto_rotate_period has passed before it is next used, and only once', async () => {
    const t = transit();
    await t.write('keys/auto', { auto_rotate_period: '1h' });
    await t.write('keys/fresh', { auto_rotate_period: '1h' });
    // Age version 1 by two hours, as if the key had been made then.
    const stored = (await t.store.get<{ versions: Record<string, { created: number }> }>('policy/auto'))!;
    stored.versions['1']!.created -= 7200;
    await t.store.put('policy/auto', stored);
    const results = await Promise.all([1, 2, 3].map(() => outcome(t.write('encrypt/auto', { plaintext: b64('x') }))));
    assert.deepEqual(results.map((r) => data(r).key_version), [2, 2, 2]);
    assert.equal(data(await outcome(t.read('keys/auto'))).latest_version, 2);
    assert.equal(data(await outcome(t.write('encrypt/fresh', { plaintext: b64('x') }))).key_version, 1);
    assert.equal(data(await outcome(t.read('keys/fresh'))).latest_version, 1);
  });

  it('changes nothing in storage when a request is refused', async () => {
    const t = transit();
    await t.write('keys/aes', { exportable: true });
    await t.write('keys/ed', { type: 'ed25519' });
    await t.write('keys/mac', { type: 'hmac' });
    const sig = data(await outcome(t.write('sign/ed', { input: b64('x') }))).signature;
    const before = await snapshot(t.store);
    const refused: Array<[string, string, Record<string, unknown>]> = [
      ['update', 'keys/new-one', { type: 'rsa-1024' }],
      ['update', 'keys/new-two', { type: 'hmac', key_size: 8 }],
      ['update', 'keys/new-three', { auto_rotate_period: '1m' }],
      ['update', 'keys/new-four', { type: 'rsa-2048', derived: true }],
      ['update', 'keys/aes/config', { min_decryption_version: 9 }],
      ['update', 'keys/aes/config', { min_encryption_version: 1, auto_rotate_period: 5 }],
      ['update', 'keys/aes/trim', { min_available_version: 1 }],
      ['delete', 'keys/aes', {}],
      ['update', 'encrypt/aes', { plaintext: 'not base64' }],
      ['update', 'encrypt/brand-new', { plaintext: 'not base64', batch_input: 'nope' }],
      ['update', 'encrypt/brand-new-2', { plaintext: b64('x'), convergent_encryption: true }],
      ['update', 'decrypt/aes', { ciphertext: 'vault:v1:AAAA' }],
      ['update', 'sign/aes', { input: b64('x') }],
      ['update', 'sign/ed', { input: b64('x'), key_version: 5 }],
      ['update', 'verify/ed', { input: b64('x'), signature: sig, hmac: 'vault:v1:AA==' }],
      ['update', 'hmac/mac/md5', { input: b64('x') }],
      ['update', 'datakey/plaintext/aes', { bits: 100 }],
      ['read', 'export/signing-key/aes', {}],
      ['read', 'export/hmac-key/ed', {}],
      ['read', 'backup/aes', {}],
      ['update', 'restore', { backup: b64('{}') }],
      ['update', 'restore/aes', { backup: b64('{"policy":{"type":0,"latest_version":1}}'), force: true }],
      ['update', 'random/0', {}],
      ['update', 'hash/md5', { input: '' }],
      ['update', 'cache-config', { size: 3 }],
    ];
    for (const [operation, path, body] of refused) {
      const result = await outcome(t.request(operation as 'update', path, body));
      assert.ok(result instanceof CofferError || (result.status ?? 200) >= 400, `${operation} ${path} should be refused`);
      if (result instanceof CofferError) assert.equal(result.status, 400, `${operation} ${path}: ${result.message}`);
    }
    assert.deepEqual(await snapshot(t.store), before);
  });

  it('declares as secret reads what answers key material or plaintext, for the listener allowlist', () => {
    const backend = transitBackend();
    const secret = (path: string, operation: 'read' | 'update') => {
      const match = matchPath(backend, path);
      assert.ok(match, path);
      return isSecretRead(match.def, operation);
    };
    assert.equal(secret('decrypt/k', 'update'), true);
    assert.equal(secret('datakey/plaintext/k', 'update'), true);
    assert.equal(secret('datakey/wrapped/k', 'update'), false);
    assert.equal(secret('export/encryption-key/k', 'read'), true);
    assert.equal(secret('export/signing-key/k/latest', 'read'), true);
    assert.equal(secret('backup/k', 'read'), true);
    for (const path of ['encrypt/k', 'sign/k', 'verify/k', 'hmac/k', 'hash', 'random', 'restore']) assert.equal(secret(path, 'update'), false, path);
    assert.equal(secret('keys/k', 'read'), false);
  });
});
