import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, runCli, tableValue, type CliRun } from '../harness/cli.js';
import { call, startSealServer, storeDir, type SealServer } from './fixture.js';

// A config with no seal stanza is a Shamir seal, as in Vault: operator init splits 5 shares with a
// threshold of 3, and the server is sealed after every restart until 3 of them are given again.
// COFFER_LOCAL_MASTER_KEY is removed from the server's environment (the fixture's default).

const NO_SEAL_STANZA = '';
/** `coffer status` exits with 2 against a sealed server, as Vault's does. */
const STATUS_SEALED = 2;

describe('no seal stanza: the default Shamir seal across a restart', () => {
  let dir: Awaited<ReturnType<typeof storeDir>>;
  let server: SealServer;
  let home: string;
  let keys: string[] = [];
  let rootToken = '';

  const coffer = (args: readonly string[], token = rootToken): Promise<CliRun> =>
    runCli(args, { env: cleanEnv({ HOME: home, COFFER_ADDR: server.address, ...(token ? { COFFER_TOKEN: token } : {}) }) });

  before(async () => {
    dir = await storeDir();
    home = await mkdtemp(join(tmpdir(), 'coffer-default-seal-'));
    server = await startSealServer(dir.path, { seal: NO_SEAL_STANZA });
  });
  after(async () => {
    await server.stop();
    await dir.remove();
    await rm(home, { recursive: true, force: true });
  });

  it('reports a Shamir seal before init; sys/init without secret_shares is a 400, as in Vault', async () => {
    const status = (await call(server.address, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([status.type, status.initialized, status.sealed, status.recovery_seal], ['shamir', false, true, false]);
    const init = await call(server.address, 'PUT', 'sys/init', { body: {} });
    assert.equal(init.status, 400);
    assert.match(init.body.errors[0], /number of shares must be at least one/);
    assert.doesNotMatch(server.output(), /ephemeral/);
  });

  it('operator init prints 5 unseal keys and threshold 3; the server stays sealed', async () => {
    const init = await coffer(['operator', 'init'], '');
    assert.equal(init.code, 0, init.stderr);
    keys = [...init.stdout.matchAll(/^Unseal Key \d+: (\S+)$/gm)].map((m) => m[1]!);
    assert.equal(keys.length, 5);
    rootToken = /^Initial Root Token: (\S+)$/m.exec(init.stdout)![1]!;
    assert.match(init.stdout, /Vault initialized with 5 key shares and a key threshold of 3/);
    const status = await coffer(['status'], '');
    assert.equal(status.code, STATUS_SEALED);
    assert.deepEqual([tableValue(status.stdout, 'Seal Type'), tableValue(status.stdout, 'Total Shares'), tableValue(status.stdout, 'Threshold')], ['shamir', '5', '3']);
  });

  it('unseal with 3 shares, write a secret; after a restart it is sealed, 3 other shares unseal it, the secret is intact', async () => {
    for (const key of keys.slice(0, 3)) assert.equal((await coffer(['operator', 'unseal', key], '')).code, 0);
    assert.equal((await coffer(['secrets', 'enable', '-version=2', '-path=secret', 'kv'])).code, 0);
    const put = await coffer(['kv', 'put', 'secret/app', 'password=survives-restart']);
    assert.equal(put.code, 0, put.stderr);

    await server.stop();
    server = await startSealServer(dir.path, { seal: NO_SEAL_STANZA });
    const sealed = (await call(server.address, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([sealed.initialized, sealed.sealed, sealed.t, sealed.n], [true, true, 3, 5]);
    assert.equal((await call(server.address, 'GET', 'secret/data/app', { token: rootToken })).status, 503);

    let last: CliRun | undefined;
    for (const key of keys.slice(2, 5)) last = await coffer(['operator', 'unseal', key], '');
    assert.equal(last?.code, 0, last?.stderr);
    assert.equal(tableValue(last!.stdout, 'Sealed'), 'false');
    const get = await coffer(['kv', 'get', '-field=password', 'secret/app']);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout.trim(), 'survives-restart');
  });
});
