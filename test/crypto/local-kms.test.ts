import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KmsUnwrapError } from '../../src/kms/kms.js';
import { LOCAL_MASTER_KEY_ENV, LocalKms, ephemeralLocalKms, localKmsFromEnvOrFile } from '../../src/kms/local.js';
import { randomKey } from '../../src/crypto/random.js';
import { tempDir } from '../storage/temp-dir.js';

const dir = tempDir('kms');
const rootKey = randomKey();
const envWith = (value: string) => ({ [LOCAL_MASTER_KEY_ENV]: value });

describe('local KMS', () => {
  after(dir.remove);

  it('unwraps what it wrapped under the same aad', async () => {
    const kms = new LocalKms(rootKey);
    const dataKey = randomKey();
    assert.deepEqual(await kms.unwrap(await kms.wrap(dataKey, 'core/keyring'), 'core/keyring'), dataKey);
  });

  it('refuses to unwrap under another aad', async () => {
    const kms = new LocalKms(rootKey);
    await assert.rejects(kms.unwrap(await kms.wrap(randomKey(), 'a'), 'b'), KmsUnwrapError);
  });

  it('refuses to unwrap with another root key, naming its key id', async () => {
    const wrapped = await new LocalKms(rootKey).wrap(randomKey(), 'a');
    const other = new LocalKms(randomKey());
    await assert.rejects(other.unwrap(wrapped, 'a'), (err: unknown) => err instanceof KmsUnwrapError && err.message.includes(other.keyId));
  });

  it('derives a stable key id from the root key without revealing it', () => {
    const id = new LocalKms(rootKey).keyId;
    assert.equal(new LocalKms(rootKey).keyId, id);
    assert.notEqual(new LocalKms(randomKey()).keyId, id);
    assert.match(id, /^local:[0-9a-f]{32}$/);
    assert.ok(!id.includes(rootKey.toString('hex').slice(0, 8)));
  });

  it('cannot be used once destroyed', async () => {
    const kms = new LocalKms(rootKey);
    kms.destroy();
    await assert.rejects(kms.wrap(randomKey(), 'a'), /destroyed/);
  });

  it('reads the root key from COFFER_LOCAL_MASTER_KEY as base64', async () => {
    const kms = localKmsFromEnvOrFile({ env: envWith(rootKey.toString('base64')) });
    assert.equal(kms.keyId, new LocalKms(rootKey).keyId);
  });

  it('refuses an env key that does not decode to 32 bytes', () => {
    assert.throws(
      () => localKmsFromEnvOrFile({ env: envWith(randomKey().subarray(0, 16).toString('base64')) }),
      /COFFER_LOCAL_MASTER_KEY must decode to exactly 32 bytes, got 16/,
    );
  });

  it('refuses an env key that is not base64', () => {
    assert.throws(() => localKmsFromEnvOrFile({ env: envWith('not base64 at all!') }), /COFFER_LOCAL_MASTER_KEY is not valid base64/);
  });

  it('reads a key file holding 32 raw bytes', () => {
    const path = join(dir.path, 'raw.key');
    writeFileSync(path, rootKey);
    assert.equal(localKmsFromEnvOrFile({ keyFile: path, env: {} }).keyId, new LocalKms(rootKey).keyId);
  });

  it('reads a key file holding base64 text with a trailing newline', () => {
    const path = join(dir.path, 'b64.key');
    writeFileSync(path, `${rootKey.toString('base64')}\n`);
    assert.equal(localKmsFromEnvOrFile({ keyFile: path, env: {} }).keyId, new LocalKms(rootKey).keyId);
  });

  it('names a key file it cannot read', () => {
    assert.throws(() => localKmsFromEnvOrFile({ keyFile: join(dir.path, 'missing.key'), env: {} }), /cannot read local KMS key file .*missing\.key/);
  });

  it('refuses both an env key and a key file', () => {
    assert.throws(() => localKmsFromEnvOrFile({ keyFile: 'x', env: envWith(rootKey.toString('base64')) }), /set only one/);
  });

  it('explains how to provide a key when there is none', () => {
    assert.throws(() => localKmsFromEnvOrFile({ env: {} }), /set COFFER_LOCAL_MASTER_KEY to base64 of 32 random bytes/);
  });

  it('makes a different random key for each ephemeral KMS', () => {
    assert.notEqual(ephemeralLocalKms().keyId, ephemeralLocalKms().keyId);
  });
});
