import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, masterKey, startSealServer, storeDir, type SealServer } from './fixture.js';
import { rekeyWith } from './rekey-helpers.js';

const RECOVERY = 'sys/rekey-recovery-key';

describe('local KMS seal: recovery keys', () => {
  let dir: Awaited<ReturnType<typeof storeDir>>;
  let server: SealServer;
  const env = { COFFER_LOCAL_MASTER_KEY: masterKey() };
  let recoveryKeys: string[];
  let rootToken: string;

  before(async () => {
    dir = await storeDir();
    server = await startSealServer(dir.path, { env });
  });
  after(async () => {
    await server.stop();
    await dir.remove();
  });

  it('init without options answers 5 recovery keys (threshold 3), no unseal keys, and a root token; the server is unsealed', async () => {
    const { status, body } = await call(server.address, 'PUT', 'sys/init', { body: {} });
    assert.equal(status, 200);
    assert.deepEqual([body.keys, body.keys_base64], [[], []]);
    assert.equal(body.recovery_keys.length, 5);
    for (const [i, key] of (body.recovery_keys as string[]).entries()) {
      assert.match(key, /^[0-9a-f]{66}$/);
      assert.equal(Buffer.from(key, 'hex').toString('base64'), body.recovery_keys_base64[i]);
    }
    ({ recovery_keys: recoveryKeys, root_token: rootToken } = body);
    assert.equal((await call(server.address, 'GET', 'auth/token/lookup-self', { token: rootToken })).status, 200);
  });

  it('seal-status reports the KMS type, recovery_seal true and the recovery split as t/n', async () => {
    const { body } = await call(server.address, 'GET', 'sys/seal-status');
    assert.deepEqual([body.type, body.recovery_seal, body.t, body.n, body.sealed], ['local', true, 3, 5, false]);
  });

  it('keeps no recovery share in the SQLite files', async () => {
    const disk = Buffer.concat(readdirSync(dir.path).filter((n) => n.startsWith('coffer.db')).map((n) => readFileSync(join(dir.path, n))));
    assert.ok(disk.includes(Buffer.from('core/barrier/root-key')));
    for (const key of recoveryKeys) {
      const share = Buffer.from(key, 'hex');
      for (const form of [share, share.subarray(0, 32), Buffer.from(key), Buffer.from(share.toString('base64'))]) assert.equal(disk.includes(form), false);
    }
  });

  it('refuses shares of another store at the threshold with 400, changing nothing', async () => {
    const otherDir = await storeDir();
    const other = await startSealServer(otherDir.path, { env: { COFFER_LOCAL_MASTER_KEY: masterKey() } });
    let foreign: string[];
    try {
      foreign = (await call(other.address, 'PUT', 'sys/init', { body: {} })).body.recovery_keys;
    } finally {
      await other.stop();
      await otherDir.remove();
    }
    const { init, updates } = await rekeyWith(server.address, RECOVERY, { shares: 3, threshold: 2 }, foreign.slice(0, 3));
    assert.equal(init.status, 200);
    assert.deepEqual([init.body.started, init.body.t, init.body.n, init.body.required], [true, 2, 3, 3]);
    assert.deepEqual(updates.map((u) => u.status), [200, 200, 400]);
    assert.match(updates[2]!.body.errors[0], /do not reconstruct the current recovery key/);
    const status = (await call(server.address, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([status.t, status.n], [3, 5]);
    assert.equal((await call(server.address, 'DELETE', `${RECOVERY}/init`)).status, 204);
  });

  it('a rekey of the unseal key is refused under a KMS seal, pointing at the recovery rekey', async () => {
    const init = await call(server.address, 'PUT', 'sys/rekey/init', { body: { secret_shares: 3, secret_threshold: 2 } });
    assert.equal(init.status, 400);
    assert.match(init.body.errors[0], /sys\/rekey-recovery-key/);
  });

  it('3 recovery shares rekey the recovery key to 3/2: new shares answered once, old ones then refused', async () => {
    const { updates } = await rekeyWith(server.address, RECOVERY, { shares: 3, threshold: 2 }, [recoveryKeys[4]!, recoveryKeys[0]!, recoveryKeys[2]!]);
    assert.deepEqual(updates.map((u) => u.status), [200, 200, 200]);
    assert.deepEqual(updates.slice(0, 2).map((u) => u.body.progress), [1, 2]);
    const done = updates[2]!.body;
    assert.equal(done.complete, true);
    assert.equal(done.keys.length, 3);
    const status = (await call(server.address, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([status.t, status.n, status.sealed], [2, 3, false]);

    const old = await rekeyWith(server.address, RECOVERY, { shares: 1, threshold: 1 }, recoveryKeys.slice(0, 3));
    // Old shares are 33 bytes like new ones: refused only once combined, at the new threshold of 2.
    assert.deepEqual(old.updates.slice(0, 2).map((u) => u.status), [200, 400]);
    await call(server.address, 'DELETE', `${RECOVERY}/init`);

    const again = await rekeyWith(server.address, RECOVERY, { shares: 3, threshold: 2 }, done.keys.slice(1, 3));
    assert.equal(again.updates[1]!.body.complete, true);
    recoveryKeys = again.updates[1]!.body.keys;
  });

  it('auto-unseals after a restart, keeping the recovery split', async () => {
    await server.stop();
    server = await startSealServer(dir.path, { env });
    const status = (await call(server.address, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([status.sealed, status.recovery_seal, status.t, status.n], [false, true, 2, 3]);
    assert.equal((await call(server.address, 'GET', 'auth/token/lookup-self', { token: rootToken })).status, 200);
  });
});
