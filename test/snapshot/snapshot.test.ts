import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verifySnapshot } from '../../src/core/snapshot.js';
import { startServer, type TestServer } from '../harness/server.js';
import { coffer, succeeded } from '../harness/cli.js';
import { createToken, mountKv, readSecret, restoreOverHttp, saveOverHttp, sealed, tokenWorks, unwrapStatus, wrap, writeSecret } from './fixture.js';

/**
 * One SQLite server A: secrets, a token and a wrapping token, then a snapshot (saved through the
 * CLI and through HTTP), then later writes. Restores go back to A, into B (other keys) and into a
 * fresh C started with A's master key.
 */
describe('storage snapshots (SQLite, real server processes)', () => {
  const masterKey = randomBytes(32).toString('base64');
  const earlySecret = `early-${randomBytes(8).toString('hex')}`;
  const wrappedSecret = `wrapped-${randomBytes(8).toString('hex')}`;
  const laterSecret = `later-${randomBytes(8).toString('hex')}`;
  let a: TestServer;
  let root: string;
  let home: string;
  let cliFile: string;
  let httpSnapshot: Buffer;
  let earlyToken: string;
  let laterToken: string;
  let wrappingToken: string;
  const others: TestServer[] = [];

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'coffer-snapshot-test-'));
    a = await startServer({ dev: false, masterKey });
    root = a.rootToken;
    await mountKv(a.address, root);
    await writeSecret(a.address, root, 'app', { password: earlySecret });
    earlyToken = await createToken(a.address, root);
    wrappingToken = await wrap(a.address, root, { payload: wrappedSecret });
    cliFile = join(home, 'a.snap');
    succeeded(await coffer(a.address, root, home, ['operator', 'snapshot', 'save', cliFile]), 'snapshot save');
    httpSnapshot = await saveOverHttp(a.address, root);
    // After the snapshot: a new secret, a changed one, a new token, and the wrapping token used up.
    await writeSecret(a.address, root, 'later', { value: laterSecret });
    await writeSecret(a.address, root, 'app', { password: laterSecret });
    laterToken = await createToken(a.address, root);
    assert.equal(await unwrapStatus(a.address, wrappingToken), 200);
  });

  after(async () => {
    // Newest first: a server reopened on another's files stops before those files are removed.
    for (const server of [a, ...others].reverse()) await server?.destroy();
    await rm(home, { recursive: true, force: true });
  });

  test('the CLI and the HTTP API both save a complete, checksummed snapshot', async () => {
    const fromCli = verifySnapshot(await readFile(cliFile));
    const fromHttp = verifySnapshot(httpSnapshot);
    assert.ok(fromCli.entries.length > 5);
    assert.equal(fromCli.header.storage_type, 'sqlite');
    assert.equal(fromCli.keyIdentity, fromHttp.keyIdentity);
  });

  test('a snapshot holds no plaintext: neither secret values nor tokens appear in it', async () => {
    for (const bytes of [await readFile(cliFile), httpSnapshot]) {
      for (const secret of [earlySecret, wrappedSecret, earlyToken, wrappingToken, root]) {
        assert.equal(bytes.includes(Buffer.from(secret)), false, `found ${secret.slice(0, 8)}… in the snapshot`);
      }
    }
  });

  test('a truncated snapshot is refused with 400 and nothing changes', async () => {
    const res = await restoreOverHttp(a.address, root, httpSnapshot.subarray(0, httpSnapshot.length - 100));
    assert.equal(res.status, 400);
    assert.match(res.body.errors?.join(' ') ?? '', /truncated/);
    assert.deepEqual(await readSecret(a.address, root, 'later'), { value: laterSecret });
    assert.equal(await tokenWorks(a.address, laterToken), 200);
  });

  test('a snapshot with one flipped byte is refused with 400 and nothing changes', async () => {
    const flipped = Buffer.from(httpSnapshot);
    // Inside a sealed value, where only the checksum can tell (framing stays intact).
    const largest = verifySnapshot(httpSnapshot).entries.reduce((x, y) => (y.value.length > x.value.length ? y : x));
    const at = httpSnapshot.indexOf(Buffer.from(largest.value)) + 10;
    flipped[at] = flipped[at]! ^ 0x01;
    const res = await restoreOverHttp(a.address, root, flipped);
    assert.equal(res.status, 400);
    assert.match(res.body.errors?.join(' ') ?? '', /checksum mismatch/);
    assert.deepEqual(await readSecret(a.address, root, 'later'), { value: laterSecret });
  });

  test('restore needs sudo: a default-policy token gets 403', async () => {
    const res = await restoreOverHttp(a.address, laterToken, httpSnapshot);
    assert.equal(res.status, 403);
    assert.equal((await fetch(`${a.address}/v1/sys/storage/snapshot`, { headers: { 'X-Vault-Token': laterToken } })).status, 403);
  });

  test('restoring through the CLI brings back the earlier state: later writes gone, tokens and wrapping token back', async () => {
    succeeded(await coffer(a.address, root, home, ['operator', 'snapshot', 'restore', cliFile]), 'snapshot restore');
    assert.equal(await sealed(a.address), false);
    assert.equal(await readSecret(a.address, root, 'later'), 404);
    assert.deepEqual(await readSecret(a.address, root, 'app'), { password: earlySecret });
    assert.equal(await tokenWorks(a.address, earlyToken), 200);
    assert.equal(await tokenWorks(a.address, laterToken), 403);
    // The wrapping token was unused in the snapshot: usable again, and still exactly once.
    assert.equal(await unwrapStatus(a.address, wrappingToken), 200);
    assert.equal(await unwrapStatus(a.address, wrappingToken), 400);
  });

  test('a snapshot restored into a fresh SQLite server with the same master key serves the same secrets and tokens', async () => {
    const c = await startServer({ dev: false, masterKey });
    others.push(c);
    const res = await restoreOverHttp(c.address, c.rootToken, httpSnapshot, 'sys/storage/raft/snapshot');
    assert.equal(res.status, 204, res.text);
    assert.equal(await sealed(c.address), false);
    assert.deepEqual(await readSecret(c.address, root, 'app'), { password: earlySecret });
    assert.equal(await tokenWorks(c.address, earlyToken), 200);
    assert.equal(await tokenWorks(c.address, c.rootToken), 403, "the fresh server's own root token is gone with its old store");
    assert.equal(await unwrapStatus(c.address, wrappingToken), 200);
    assert.equal(await unwrapStatus(c.address, wrappingToken), 400);
  });

  describe('a snapshot from a server with other keys', () => {
    let b: TestServer;
    before(async () => {
      b = await startServer({ dev: false });
      others.push(b);
      await mountKv(b.address, b.rootToken);
      await writeSecret(b.address, b.rootToken, 'own', { value: 'b-data' });
    });

    test('is refused with 400 naming snapshot-force, and the server keeps its own data', async () => {
      const res = await restoreOverHttp(b.address, b.rootToken, httpSnapshot);
      assert.equal(res.status, 400);
      assert.match(res.body.errors?.join(' ') ?? '', /sealed under other keys; use snapshot-force/);
      assert.deepEqual(await readSecret(b.address, b.rootToken, 'own'), { value: 'b-data' });
    });

    test('is restored with -force, leaving the server sealed until it runs with the snapshot store\'s key', async () => {
      const file = join(home, 'from-a.snap');
      await writeFile(file, httpSnapshot);
      const forced = succeeded(await coffer(b.address, b.rootToken, home, ['operator', 'snapshot', 'restore', '-force', file]), 'forced restore');
      assert.match(forced, /Snapshot restored/);
      assert.equal(await sealed(b.address), true);
      assert.equal((await readSecret(b.address, b.rootToken, 'own')) as number, 503);
      // Started again with A's master key, B unseals and serves A's data.
      await b.stop();
      const reopened = await startServer({ dev: false, dir: b.dir, masterKey });
      others.push(reopened);
      assert.equal(await sealed(reopened.address), false);
      assert.deepEqual(await readSecret(reopened.address, root, 'app'), { password: earlySecret });
      assert.equal(await readSecret(reopened.address, root, 'own'), 404);
    });
  });
});
