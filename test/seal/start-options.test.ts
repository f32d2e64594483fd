import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { cleanEnv, runCli, tableValue } from '../harness/cli.js';
import { call, masterKey, startSealServer, storeDir } from './fixture.js';

describe('local seal with neither COFFER_LOCAL_MASTER_KEY nor key_file', () => {
  const dirs: Awaited<ReturnType<typeof storeDir>>[] = [];
  after(async () => Promise.all(dirs.map((d) => d.remove())));

  it('refuses to start: exit 1, naming the missing key and both ways to give it', async () => {
    const dir = await storeDir();
    dirs.push(dir);
    await assert.rejects(startSealServer(dir.path, { seal: 'seal "local" {}' }), (err: Error) => {
      assert.match(err.message, /server exited with 1/);
      assert.match(err.message, /seal "local" has no key: set COFFER_LOCAL_MASTER_KEY .* or key_file = "PATH" in the seal "local" stanza/);
      assert.match(err.message, /ephemeral = true/);
      return true;
    });
  });

  it('with ephemeral = true: starts on a random key, warns, and status shows the ephemeral label', async () => {
    const dir = await storeDir();
    dirs.push(dir);
    const server = await startSealServer(dir.path, { seal: 'seal "local" {\n  ephemeral = true\n}' });
    try {
      assert.match(server.output(), /using a random ephemeral key; data will not survive a restart/);
      const init = await call(server.address, 'PUT', 'sys/init', { body: {} });
      assert.equal(init.status, 200);
      assert.equal((await call(server.address, 'GET', 'auth/token/lookup-self', { token: init.body.root_token })).status, 200);
      const status = (await call(server.address, 'GET', 'sys/seal-status')).body;
      assert.deepEqual([status.type, status.ephemeral, status.recovery_seal], ['local', true, true]);
      const cli = await runCli(['status'], { env: cleanEnv({ COFFER_ADDR: server.address }) });
      assert.equal(cli.code, 0, cli.stderr);
      assert.equal(tableValue(cli.stdout, 'Seal Type'), 'local (ephemeral: data will not survive a restart)');
    } finally {
      await server.stop();
    }
  });

  it('refuses an unknown option of the local seal, naming the line', async () => {
    const dir = await storeDir();
    dirs.push(dir);
    await assert.rejects(startSealServer(dir.path, { seal: 'seal "local" {\n  key = "x"\n}' }), /coffer\.hcl:9: seal "local": unknown option "key" \(known: key_file, ephemeral, disabled\)/);
  });
});

describe('COFFER_BOOTSTRAP_TOKEN', () => {
  const dirs: Awaited<ReturnType<typeof storeDir>>[] = [];
  after(async () => Promise.all(dirs.map((d) => d.remove())));

  it('creates a root, orphan, never-expiring bootstrap-admin token once, the same across a restart, never logged', async () => {
    const dir = await storeDir();
    dirs.push(dir);
    const key = masterKey();
    const bootstrap = `bootstrap-${masterKey().replace(/[^A-Za-z0-9]/g, '')}`;
    const env = { COFFER_LOCAL_MASTER_KEY: key, COFFER_BOOTSTRAP_TOKEN: bootstrap };
    let server = await startSealServer(dir.path, { env });
    try {
      // On a new store the token appears when the store is initialized.
      assert.equal((await call(server.address, 'PUT', 'sys/init', { body: {} })).status, 200);
      const first = await call(server.address, 'GET', 'auth/token/lookup-self', { token: bootstrap });
      assert.equal(first.status, 200);
      assert.deepEqual([first.body.data.display_name, first.body.data.policies, first.body.data.ttl, first.body.data.orphan], ['bootstrap-admin', ['root'], 0, true]);
      await server.stop();
      server = await startSealServer(dir.path, { env });
      const again = await call(server.address, 'GET', 'auth/token/lookup-self', { token: bootstrap });
      assert.equal(again.status, 200);
      assert.equal(again.body.data.accessor, first.body.data.accessor);
      assert.equal(server.output().includes(bootstrap), false);
      // Revoked as advised: a restart with the variable still set does not bring it back.
      assert.equal((await call(server.address, 'POST', 'auth/token/revoke-self', { token: bootstrap, body: {} })).status, 204);
      await server.stop();
      server = await startSealServer(dir.path, { env });
      assert.equal((await call(server.address, 'GET', 'auth/token/lookup-self', { token: bootstrap })).status, 403);
      assert.equal(server.output().includes(bootstrap), false);
    } finally {
      await server.stop();
    }
  });
});
