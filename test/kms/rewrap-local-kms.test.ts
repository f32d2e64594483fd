import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { randomKey } from '../../src/crypto/random.js';
import { KmsUnwrapError } from '../../src/kms/kms.js';
import { LOCAL_MASTER_KEY_ENV, LocalKms, localKmsFromEnvOrFile } from '../../src/kms/local.js';
import { parseConfig } from '../../src/server/config.js';

/** A whole server config around `stanza`, parsed as coffer.hcl. */
const loadConfigText = (stanza: string) =>
  parseConfig('coffer.hcl', `storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n${stanza}`);

const b64 = (key: Buffer) => key.toString('base64');

describe('local KMS key file with versions', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-local-kms-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('wraps with the newest version, records it, and unwraps with any listed version', async () => {
    const [v1, v2] = [randomKey(), randomKey()];
    const file = join(dir, 'two.json');
    await writeFile(file, JSON.stringify({ keys: [{ version: 1, key: b64(v1) }] }));
    const kms = localKmsFromEnvOrFile({ keyFile: file, env: {} });
    assert.equal(await kms.currentKeyVersion(), '1');
    const underV1 = await kms.wrap(randomKey(), 'a');
    assert.equal(Buffer.from(underV1).readUInt32BE(1), 1);
    await writeFile(file, JSON.stringify({ keys: [{ version: 1, key: b64(v1) }, { version: 2, key: b64(v2) }] }));
    const idBefore = kms.keyId;
    assert.equal(await kms.currentKeyVersion(), '2', 'the key file is read again');
    assert.notEqual(kms.keyId, idBefore);
    assert.equal(kms.keyId, new LocalKms(v2).keyId, 'the key id names the newest key');
    const underV2 = await kms.wrap(randomKey(), 'a');
    assert.equal(underV2[0], 2);
    assert.equal(Buffer.from(underV2).readUInt32BE(1), 2);
    await kms.unwrap(underV1, 'a');
    await kms.unwrap(underV2, 'a');
    // A version changed in the header is refused: the header is authenticated.
    const relabelled = Buffer.from(underV2);
    relabelled.writeUInt32BE(1, 1);
    await assert.rejects(kms.unwrap(relabelled, 'a'), KmsUnwrapError);
  });

  it('names a wrapped key version that is no longer in the file', async () => {
    const file = join(dir, 'retire.json');
    await writeFile(file, JSON.stringify({ keys: [{ version: 1, key: b64(randomKey()) }, { version: 2, key: b64(randomKey()) }] }));
    const kms = localKmsFromEnvOrFile({ keyFile: file, env: {} });
    await writeFile(file, JSON.stringify({ keys: [{ version: 3, key: b64(randomKey()) }] }));
    const underV2 = await kms.wrap(randomKey(), 'a');
    await kms.currentKeyVersion();
    await assert.rejects(kms.unwrap(underV2, 'a'), /key version 2 is not in the local key file \(versions 3\)/);
  });

  it('still opens keys wrapped by the single key once that key becomes a version of a key file', async () => {
    const old = randomKey();
    const wrapped = await localKmsFromEnvOrFile({ env: { [LOCAL_MASTER_KEY_ENV]: b64(old) } }).wrap(Buffer.alloc(32, 7), 'a');
    assert.equal(wrapped[0], 1, 'the single-key form keeps its wrap format');
    const file = join(dir, 'grown.json');
    await writeFile(file, JSON.stringify({ keys: [{ version: 1, key: b64(old) }, { version: 2, key: b64(randomKey()) }] }));
    assert.deepEqual(Buffer.from(await localKmsFromEnvOrFile({ keyFile: file, env: {} }).unwrap(wrapped, 'a')), Buffer.alloc(32, 7));
  });

  it('refuses malformed key files with a message naming the entry, never a key', async () => {
    const cases: [unknown, RegExp][] = [
      [{ keys: [] }, /at least one key/],
      [{ keys: [{ version: 0, key: b64(randomKey()) }] }, /keys\[0\]\.version must be a positive integer/],
      [{ keys: [{ version: 1, key: 'c2hvcnQ=' }] }, /keys\[0\]\.key must decode to exactly 32 bytes/],
      [{ keys: [{ version: 1, key: b64(randomKey()) }, { version: 1, key: b64(randomKey()) }] }, /key version 1 is listed twice/],
    ];
    for (const [contents, message] of cases) {
      const file = join(dir, 'bad.json');
      await writeFile(file, JSON.stringify(contents));
      assert.throws(() => localKmsFromEnvOrFile({ keyFile: file, env: {} }), message);
    }
  });

});

describe('kms_rewrap config', () => {
  it('defaults, values, and bad options refused by line', async () => {
    const parsed = await loadConfigText('kms_rewrap {\n  enabled = true\n  max_per_sec = 20\n  interval = "30s"\n}\n');
    assert.deepEqual(parsed.kmsRewrap, { enabled: true, maxPerSec: 20, intervalMs: 30_000 });
    assert.deepEqual((await loadConfigText('kms_rewrap {\n  enabled = true\n}\n')).kmsRewrap, { enabled: true, maxPerSec: 50, intervalMs: 60_000 });
    await assert.rejects(loadConfigText('kms_rewrap {\n  max_per_sec = 0\n}\n'), /:\d+.*max_per_sec must be a positive number/);
    await assert.rejects(loadConfigText('kms_rewrap {\n  speed = 3\n}\n'), /kms_rewrap: unknown option "speed"/);
  });
});
