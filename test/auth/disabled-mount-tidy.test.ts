import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startInProcessServer, type InProcessServer } from '../harness/in-process.js';

// Disabling an auth method revokes its login tokens. Should that stop half-way (a crash, a storage
// error), the tokens left behind belong to a mount that no longer exists: tidy revokes them.

describe('tidy revokes login tokens whose auth method is gone', () => {
  let server: InProcessServer;
  const root = 'root-disabled-mount-tidy';

  before(async () => {
    server = await startInProcessServer(root);
  });
  after(async () => {
    await server?.destroy();
  });

  async function userpassToken(mount: string): Promise<string> {
    assert.equal((await api(server.address, 'POST', `sys/auth/${mount}`, { token: root, body: { type: 'userpass' } })).status, 204);
    const user = await api(server.address, 'POST', `auth/${mount}/users/ada`, { token: root, body: { password: 'pw-ada-1', token_policies: ['default'] } });
    assert.equal(user.status, 204, user.text);
    const login = await api<{ auth: { client_token: string } }>(server.address, 'POST', `auth/${mount}/login/ada`, { body: { password: 'pw-ada-1' } });
    assert.equal(login.status, 200, login.text);
    return login.body.auth.client_token;
  }

  it('a token left behind by an interrupted disable is revoked by auth/token/tidy; tokens of live mounts stay', async () => {
    const orphaned = await userpassToken('gone');
    const kept = await userpassToken('kept');
    // The disable's first step only (the mount leaves the table), as if the process died before revoking.
    await server.core.mounts.remove('auth/gone/');
    assert.equal((await api(server.address, 'GET', 'auth/token/lookup-self', { token: orphaned })).status, 200, 'the leftover token still works before tidy');

    const tidy = await api<{ warnings: string[] }>(server.address, 'POST', 'auth/token/tidy', { token: root, body: {} });
    assert.equal(tidy.status, 202, tidy.text);
    assert.match(tidy.body.warnings.join(' '), /1 from disabled auth methods/);
    assert.equal((await api(server.address, 'GET', 'auth/token/lookup-self', { token: orphaned })).status, 403);
    assert.equal((await api(server.address, 'GET', 'auth/token/lookup-self', { token: kept })).status, 200);
  });
});
