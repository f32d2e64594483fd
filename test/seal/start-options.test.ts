import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { call, masterKey, startSealServer, storeDir } from './fixture.js';

describe('local seal with neither COFFER_LOCAL_MASTER_KEY nor key_file', () => {
  const dirs: Awaited<ReturnType<typeof storeDir>>[] = [];
  after(async () => Promise.all(dirs.map((d) => d.remove())));

  it('starts on an ephemeral key and warns that data will not survive a restart', async () => {
    const dir = await storeDir();
    dirs.push(dir);
    const server = await startSealServer(dir.path);
    try {
      assert.match(server.output(), /using a random ephemeral key; data will not survive a restart/);
      const init = await call(server.address, 'PUT', 'sys/init', { body: {} });
      assert.equal(init.status, 200);
      assert.equal((await call(server.address, 'GET', 'auth/token/lookup-self', { token: init.body.root_token })).status, 200);
    } finally {
      await server.stop();
    }
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
