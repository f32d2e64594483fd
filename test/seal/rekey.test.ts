import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startSealServer, storeDir, type SealServer } from './fixture.js';
import { rekeyWith, unsealWith } from './rekey-helpers.js';

const SHAMIR = 'seal "shamir" {}';

describe('seal "shamir": rekey', () => {
  let dir: Awaited<ReturnType<typeof storeDir>>;
  let server: SealServer;
  let oldKeys: string[];
  let newKeys: string[];
  let rootToken: string;

  before(async () => {
    dir = await storeDir();
    server = await startSealServer(dir.path, { seal: SHAMIR });
    const init = (await call(server.address, 'PUT', 'sys/init', { body: { secret_shares: 5, secret_threshold: 3 } })).body;
    ({ keys: oldKeys, root_token: rootToken } = init);
    await unsealWith(server.address, oldKeys.slice(0, 3));
    await call(server.address, 'PUT', 'sys/mounts/secret', { token: rootToken, body: { type: 'kv', options: { version: '2' } } });
    await call(server.address, 'PUT', 'secret/data/app', { token: rootToken, body: { data: { password: 'survives-rekey' } } });
  });
  after(async () => {
    await server.stop();
    await dir.remove();
  });

  it('GET sys/rekey/init reports no attempt, the current threshold as required', async () => {
    const { status, body } = await call(server.address, 'GET', 'sys/rekey/init');
    assert.equal(status, 200);
    assert.deepEqual([body.started, body.nonce, body.progress, body.required], [false, '', 0, 3]);
  });

  it('refuses a bad split, a second attempt, a wrong nonce; cancel forgets the attempt', async () => {
    assert.equal((await call(server.address, 'PUT', 'sys/rekey/init', { body: { secret_shares: 2, secret_threshold: 3 } })).status, 400);
    const init = await call(server.address, 'PUT', 'sys/rekey/init', { body: { secret_shares: 3, secret_threshold: 2 } });
    assert.equal(init.status, 200);
    assert.equal((await call(server.address, 'PUT', 'sys/rekey/init', { body: { secret_shares: 3, secret_threshold: 2 } })).status, 400);
    const wrongNonce = await call(server.address, 'PUT', 'sys/rekey/update', { body: { key: oldKeys[0], nonce: 'nope' } });
    assert.equal(wrongNonce.status, 400);
    assert.match(wrongNonce.body.errors[0], /incorrect nonce/);
    assert.equal((await call(server.address, 'PUT', 'sys/rekey/update', { body: { key: oldKeys[0], nonce: init.body.nonce } })).body.progress, 1);
    assert.equal((await call(server.address, 'DELETE', 'sys/rekey/init')).status, 204);
    assert.equal((await call(server.address, 'GET', 'sys/rekey/init')).body.started, false);
  });

  it('a forged share set is refused at the threshold and the unseal key stays the same', async () => {
    const forged = Buffer.from(oldKeys[3]!, 'hex');
    forged[4] = forged[4]! ^ 0xff;
    const { updates } = await rekeyWith(server.address, 'sys/rekey', { shares: 3, threshold: 2 }, [oldKeys[0]!, oldKeys[1]!, forged.toString('hex')]);
    assert.deepEqual(updates.map((u) => u.status), [200, 200, 400]);
    assert.match(updates[2]!.body.errors[0], /do not reconstruct the current unseal key/);
    assert.deepEqual([(await call(server.address, 'GET', 'sys/seal-status')).body.t, (await call(server.address, 'GET', 'sys/seal-status')).body.n], [3, 5]);
    await call(server.address, 'DELETE', 'sys/rekey/init');
  });

  it('3 of the 5 shares rekey to 3/2: three new hex and base64 shares, seal-status t 2 n 3', async () => {
    const { updates } = await rekeyWith(server.address, 'sys/rekey', { shares: 3, threshold: 2 }, [oldKeys[2]!, oldKeys[4]!, oldKeys[1]!]);
    assert.deepEqual(updates.map((u) => u.status), [200, 200, 200]);
    const done = updates[2]!.body;
    assert.equal(done.complete, true);
    assert.equal(done.keys.length, 3);
    for (const [i, key] of (done.keys as string[]).entries()) assert.equal(Buffer.from(key, 'hex').toString('base64'), done.keys_base64[i]);
    newKeys = done.keys;
    const status = (await call(server.address, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([status.t, status.n, status.sealed], [2, 3, false]);
  });

  it('answers 503 while sealed', async () => {
    assert.equal((await call(server.address, 'PUT', 'sys/seal', { token: rootToken })).status, 204);
    assert.equal((await call(server.address, 'GET', 'sys/rekey/init')).status, 503);
  });

  it('after a restart the old shares are refused and 2 new shares unseal; the data is intact', async () => {
    await server.stop();
    server = await startSealServer(dir.path, { seal: SHAMIR });
    const old = await unsealWith(server.address, oldKeys.slice(0, 2));
    assert.equal(old[1]!.status, 400);
    assert.match(old[1]!.body.errors[0], /cannot decrypt the barrier root key/);
    assert.equal((await call(server.address, 'GET', 'sys/seal-status')).body.sealed, true);
    const answers = await unsealWith(server.address, [newKeys[2]!, newKeys[0]!]);
    assert.equal(answers[1]!.body.sealed, false);
    const read = await call(server.address, 'GET', 'secret/data/app', { token: rootToken });
    assert.equal(read.body.data.data.password, 'survives-rekey');
  });
});
