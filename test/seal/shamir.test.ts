import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, startSealServer, storeDir, type SealServer } from './fixture.js';

const SHAMIR = 'seal "shamir" {}';

/** Submits each share in turn; answers the seal status after each. */
async function submit(address: string, keys: string[]) {
  const answers = [];
  for (const key of keys) answers.push(await call(address, 'PUT', 'sys/unseal', { body: { key } }));
  return answers;
}

describe('seal "shamir": init, unseal, seal', () => {
  let dir: Awaited<ReturnType<typeof storeDir>>;
  let server: SealServer;
  let keys: string[];
  let keysBase64: string[];
  let rootToken: string;

  before(async () => {
    dir = await storeDir();
    server = await startSealServer(dir.path, { seal: SHAMIR });
  });
  after(async () => {
    await server.stop();
    await dir.remove();
  });

  it('starts uninitialized and sealed, reporting type shamir', async () => {
    const { status, body } = await call(server.address, 'GET', 'sys/seal-status');
    assert.equal(status, 200);
    assert.equal(body.type, 'shamir');
    assert.equal(body.initialized, false);
    assert.equal(body.sealed, true);
  });

  it('refuses pgp_keys and bad share settings with 400, leaving the store uninitialized', async () => {
    const pgp = await call(server.address, 'PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1, pgp_keys: ['abc'] } });
    assert.equal(pgp.status, 400);
    assert.match(pgp.body.errors[0], /pgp_keys .*not supported yet/);
    const tooHigh = await call(server.address, 'PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 4 } });
    assert.equal(tooHigh.status, 400);
    const missing = await call(server.address, 'PUT', 'sys/init', { body: {} });
    assert.equal(missing.status, 400);
    assert.equal((await call(server.address, 'GET', 'sys/init')).body.initialized, false);
  });

  it('init 5/3 answers five hex and base64 shares and a root token, and the server stays sealed', async () => {
    const { status, body } = await call(server.address, 'PUT', 'sys/init', { body: { secret_shares: 5, secret_threshold: 3 } });
    assert.equal(status, 200);
    assert.equal(body.keys.length, 5);
    assert.equal(body.keys_base64.length, 5);
    for (const [i, key] of (body.keys as string[]).entries()) {
      assert.match(key, /^[0-9a-f]{66}$/);
      assert.equal(Buffer.from(key, 'hex').toString('base64'), body.keys_base64[i]);
    }
    assert.match(body.root_token, /\S+/);
    ({ keys, keys_base64: keysBase64, root_token: rootToken } = body);
    const sealStatus = (await call(server.address, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([sealStatus.initialized, sealStatus.sealed, sealStatus.t, sealStatus.n, sealStatus.progress], [true, true, 3, 5, 0]);
  });

  it('answers 503 on secret and token paths while sealed, and serves the status endpoints', async () => {
    for (const [method, path] of [['GET', 'secret/data/x'], ['GET', 'auth/token/lookup-self'], ['POST', 'auth/token/create'], ['GET', 'sys/mounts'], ['PUT', 'sys/seal']] as const) {
      const { status, body } = await call(server.address, method, path, { token: rootToken, ...(method === 'GET' ? {} : { body: {} }) });
      assert.equal(status, 503, `${method} ${path}`);
      assert.deepEqual(body.errors, ['Vault is sealed']);
    }
    assert.equal((await call(server.address, 'GET', 'sys/health')).status, 503);
    assert.equal((await call(server.address, 'GET', 'sys/leader')).status, 200);
  });

  it('unseals with 3 of the 5 shares in any order: progress 1, 2, then unsealed', async () => {
    const answers = await submit(server.address, [keys[4]!, keysBase64[1]!, keys[2]!]);
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
    assert.deepEqual(answers.map((a) => [a.body.sealed, a.body.progress]), [[true, 1], [true, 2], [false, 0]]);
    assert.match(answers[0]!.body.nonce, /^[0-9a-f-]{36}$/);
    assert.equal(answers[1]!.body.nonce, answers[0]!.body.nonce);
    assert.deepEqual([answers[2]!.body.t, answers[2]!.body.n, answers[2]!.body.type], [3, 5, 'shamir']);
    const lookup = await call(server.address, 'GET', 'auth/token/lookup-self', { token: rootToken });
    assert.equal(lookup.status, 200);
  });

  it('seals via sys/seal with a sudo token: 204, then 503 everywhere but the status endpoints', async () => {
    await call(server.address, 'PUT', 'sys/mounts/secret', { token: rootToken, body: { type: 'kv', options: { version: '2' } } });
    assert.equal((await call(server.address, 'PUT', 'secret/data/app', { token: rootToken, body: { data: { password: 'kept-across-seal' } } })).status, 200);
    const sealed = await call(server.address, 'PUT', 'sys/seal', { token: rootToken });
    assert.equal(sealed.status, 204);
    assert.equal((await call(server.address, 'GET', 'secret/data/app', { token: rootToken })).status, 503);
    assert.equal((await call(server.address, 'GET', 'sys/seal-status')).body.sealed, true);
  });

  it('refuses sys/seal to a token without sudo', async () => {
    // Unseal, make a token with only the default policy, and try.
    await submit(server.address, keys.slice(0, 3));
    const created = await call(server.address, 'POST', 'auth/token/create', { token: rootToken, body: { policies: ['default'] } });
    const denied = await call(server.address, 'PUT', 'sys/seal', { token: created.body.auth.client_token });
    assert.equal(denied.status, 403);
    assert.equal((await call(server.address, 'GET', 'sys/seal-status')).body.sealed, false);
    assert.equal((await call(server.address, 'PUT', 'sys/seal', { token: rootToken })).status, 204);
  });

  it('reset clears the progress', async () => {
    await submit(server.address, [keys[0]!, keys[1]!]);
    const reset = await call(server.address, 'PUT', 'sys/unseal', { body: { reset: true } });
    assert.equal(reset.status, 200);
    assert.deepEqual([reset.body.sealed, reset.body.progress, reset.body.nonce], [true, 0, '']);
    // After the reset, one more share is not enough: it starts again at 1.
    assert.equal((await submit(server.address, [keys[2]!]))[0]!.body.progress, 1);
    await call(server.address, 'PUT', 'sys/unseal', { body: { reset: true } });
  });

  it('a wrong share set answers 400 and clears the progress', async () => {
    const forged = Buffer.from(keys[3]!, 'hex');
    forged[5] = forged[5]! ^ 0xff;
    const answers = await submit(server.address, [keys[0]!, keys[1]!, forged.toString('hex')]);
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 400]);
    assert.match(answers[2]!.body.errors[0], /cannot decrypt the barrier root key.*progress was reset/);
    const status = (await call(server.address, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([status.sealed, status.progress], [true, 0]);
  });

  it('refuses a share that is not hex or base64, or not a share of this store, without counting it', async () => {
    assert.equal((await call(server.address, 'PUT', 'sys/unseal', { body: { key: 'not a key!' } })).status, 400);
    assert.equal((await call(server.address, 'PUT', 'sys/unseal', { body: { key: 'abcd' } })).status, 400);
    assert.equal((await call(server.address, 'PUT', 'sys/unseal', {})).status, 400);
    assert.equal((await call(server.address, 'GET', 'sys/seal-status')).body.progress, 0);
  });

  it('comes up sealed after a restart and unseals with shares; data written before is there', async () => {
    await server.stop();
    server = await startSealServer(dir.path, { seal: SHAMIR });
    const status = (await call(server.address, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([status.initialized, status.sealed, status.t, status.n], [true, true, 3, 5]);
    const answers = await submit(server.address, [keys[3]!, keys[0]!, keys[1]!]);
    assert.equal(answers[2]!.body.sealed, false);
    const read = await call(server.address, 'GET', 'secret/data/app', { token: rootToken });
    assert.equal(read.body.data.data.password, 'kept-across-seal');
  });

  it('keeps neither the unseal key shares nor the secret in clear in the SQLite files', async () => {
    const disk = Buffer.concat(readdirSync(dir.path).filter((n) => n.startsWith('coffer.db')).map((n) => readFileSync(join(dir.path, n))));
    assert.ok(disk.includes(Buffer.from('core/barrier/root-key')), 'the scan did not find the root key record at all');
    assert.equal(disk.includes('kept-across-seal'), false);
    for (const key of keys) {
      const share = Buffer.from(key, 'hex');
      // Share bytes raw, hex and base64; and the 32 y-bytes of each share without its x coordinate.
      for (const form of [share, share.subarray(0, 32), Buffer.from(key), Buffer.from(share.toString('base64'))]) assert.equal(disk.includes(form), false);
    }
  });
});
