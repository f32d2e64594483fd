import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, masterKey, startSealServer, storeDir, type SealServer } from './fixture.js';
import { unsealWith } from './rekey-helpers.js';

const SHAMIR = 'seal "shamir" {}';
const SHAMIR_TO_LOCAL = 'seal "local" {}\nseal "shamir" {\n  disabled = "true"\n}';
const LOCAL_TO_SHAMIR = 'seal "local" {\n  disabled = "true"\n}';

describe('seal migration: shamir to the local KMS and back', () => {
  let dir: Awaited<ReturnType<typeof storeDir>>;
  let server: SealServer | undefined;
  const env = { COFFER_LOCAL_MASTER_KEY: masterKey() };
  let keys: string[];
  let rootToken: string;

  const restart = async (seal: string) => {
    await server?.stop();
    server = await startSealServer(dir.path, { seal, env });
    return server.address;
  };
  const status = async () => (await call(server!.address, 'GET', 'sys/seal-status')).body;
  const secret = async (path: string) => (await call(server!.address, 'GET', `secret/data/${path}`, { token: rootToken })).body?.data?.data?.password;

  before(async () => {
    dir = await storeDir();
    const address = await restart(SHAMIR);
    ({ keys, root_token: rootToken } = (await call(address, 'PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 2 } })).body);
    await unsealWith(address, keys.slice(0, 2));
    await call(address, 'PUT', 'sys/mounts/secret', { token: rootToken, body: { type: 'kv', options: { version: '2' } } });
    assert.equal((await call(address, 'PUT', 'secret/data/under-shamir', { token: rootToken, body: { data: { password: 'p-shamir' } } })).status, 200);
  });
  after(async () => {
    await server?.stop();
    await dir.remove();
  });

  it('a new local stanza with the shamir stanza disabled starts sealed in migration mode', async () => {
    await restart(SHAMIR_TO_LOCAL);
    const s = await status();
    assert.deepEqual([s.sealed, s.migration, s.type, s.t, s.n], [true, true, 'shamir', 2, 3]);
    assert.match(server!.output(), /seal migration from shamir to local pending/);
  });

  it('refuses a share without migrate=true, and a wrong share set, changing nothing', async () => {
    const plain = await call(server!.address, 'PUT', 'sys/unseal', { body: { key: keys[0] } });
    assert.equal(plain.status, 400);
    assert.match(plain.body.errors[0], /migrate=true/);
    const forged = Buffer.from(keys[1]!, 'hex');
    forged[3] = forged[3]! ^ 0xff;
    const answers = await unsealWith(server!.address, [keys[0]!, forged.toString('hex')], { migrate: true });
    assert.deepEqual(answers.map((a) => a.status), [200, 400]);
    assert.match(answers[1]!.body.errors[0], /seal migration failed/);
    const s = await status();
    assert.deepEqual([s.sealed, s.migration, s.type, s.progress], [true, true, 'shamir', 0]);
  });

  it('two unseal key shares with migrate=true unseal and re-wrap the root key under the KMS; the shares become recovery keys', async () => {
    const answers = await unsealWith(server!.address, [keys[2]!, keys[0]!], { migrate: true });
    assert.deepEqual(answers.map((a) => a.status), [200, 200]);
    assert.equal(answers[1]!.body.sealed, false);
    const s = await status();
    assert.deepEqual([s.sealed, s.migration, s.type, s.recovery_seal, s.t, s.n], [false, false, 'local', true, 2, 3]);
    assert.equal(await secret('under-shamir'), 'p-shamir');
    assert.equal((await call(server!.address, 'PUT', 'secret/data/under-local', { token: rootToken, body: { data: { password: 'p-local' } } })).status, 200);
  });

  it('restarts and auto-unseals through the local KMS, even without the disabled stanza; data intact', async () => {
    await restart(SHAMIR_TO_LOCAL);
    assert.deepEqual([(await status()).sealed, (await status()).migration], [false, false]);
    await restart('seal "local" {}');
    assert.equal((await status()).sealed, false);
    assert.equal(await secret('under-shamir'), 'p-shamir');
    assert.equal(await secret('under-local'), 'p-local');
  });

  it('the recovery split is the old unseal split: a recovery rekey requires 2 shares', async () => {
    const init = await call(server!.address, 'PUT', 'sys/rekey-recovery-key/init', { body: { secret_shares: 3, secret_threshold: 2 } });
    assert.equal(init.status, 200);
    assert.equal(init.body.required, 2);
    // Cancelled before any share: the migration back below is what proves the old shares are the recovery key.
    assert.equal((await call(server!.address, 'DELETE', 'sys/rekey-recovery-key/init')).status, 204);
  });

  it('back to shamir: the local stanza disabled, the recovery shares with migrate=true make the recovery key the unseal key', async () => {
    await restart(LOCAL_TO_SHAMIR);
    let s = await status();
    assert.deepEqual([s.sealed, s.migration, s.type], [true, true, 'local']);
    const forged = Buffer.from(keys[1]!, 'hex');
    forged[7] = forged[7]! ^ 0x01;
    const wrong = await unsealWith(server!.address, [keys[0]!, forged.toString('hex')], { migrate: true });
    assert.equal(wrong[1]!.status, 400);
    assert.match(wrong[1]!.body.errors[0], /recovery key shares do not reconstruct the recovery key/);
    assert.deepEqual([(await status()).sealed, (await status()).type], [true, 'local']);
    const answers = await unsealWith(server!.address, [keys[1]!, keys[2]!], { migrate: true });
    assert.equal(answers[1]!.body.sealed, false);
    s = await status();
    assert.deepEqual([s.sealed, s.migration, s.type, s.recovery_seal, s.t, s.n], [false, false, 'shamir', false, 2, 3]);
    assert.equal(await secret('under-shamir'), 'p-shamir');
    assert.equal(await secret('under-local'), 'p-local');
  });

  it('after a restart it is a Shamir store: sealed, the same shares unseal without migrate, data intact', async () => {
    await restart(LOCAL_TO_SHAMIR);
    assert.deepEqual([(await status()).sealed, (await status()).migration, (await status()).type], [true, false, 'shamir']);
    const answers = await unsealWith(server!.address, [keys[0]!, keys[2]!]);
    assert.equal(answers[1]!.body.sealed, false);
    assert.equal(await secret('under-shamir'), 'p-shamir');
    assert.equal(await secret('under-local'), 'p-local');
  });
});

describe('seal migration: configurations refused', () => {
  for (const [name, seal, message] of [
    ['shamir to shamir', `${SHAMIR}\nseal "shamir" {\n  disabled = "true"\n}`, /seal migration from "shamir" to "shamir" is not supported/],
    ['two enabled seal stanzas', 'seal "local" {}\nseal "shamir" {}', /at most one seal stanza is allowed/],
  ] as const) {
    it(`${name}: the server exits naming the problem`, async () => {
      const dir = await storeDir();
      try {
        await assert.rejects(startSealServer(dir.path, { seal }), message);
      } finally {
        await dir.remove();
      }
    });
  }
});
