import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { sample, scrape } from './prometheus.js';

// Token creations by auth method (Vault's vault.token.creation) and the live-token gauge.

describe('token metrics', () => {
  let server: TestServer;
  let root: string;
  before(async () => {
    server = await startServer();
    root = server.rootToken;
    assert.equal((await api(server.address, 'POST', 'sys/auth/userpass', { token: root, body: { type: 'userpass' } })).status, 204);
    const user = await api(server.address, 'POST', 'auth/userpass/users/alice', { token: root, body: { password: 'metrics-pass-1', token_policies: 'default' } });
    assert.equal(user.status, 204, user.text);
  });
  after(async () => {
    await server?.destroy();
  });

  const created = (text: string, authMethod: string, mountPoint: string) =>
    sample(text, 'coffer_token_creations_total', { auth_method: authMethod, mount_point: mountPoint, namespace: 'root' }) ?? 0;

  it('counts auth/token/create under auth_method "token"', async () => {
    const before = created(await scrape(server.address, root), 'token', 'auth/token/');
    assert.equal((await api(server.address, 'POST', 'auth/token/create', { token: root, body: { policies: ['default'] } })).status, 200);
    assert.equal(created(await scrape(server.address, root), 'token', 'auth/token/') - before, 1);
  });

  it('counts a userpass login under auth_method "userpass" and its mount', async () => {
    const before = created(await scrape(server.address, root), 'userpass', 'auth/userpass/');
    const login = await api(server.address, 'POST', 'auth/userpass/login/alice', { body: { password: 'metrics-pass-1' } });
    assert.equal(login.status, 200, login.text);
    assert.equal(created(await scrape(server.address, root), 'userpass', 'auth/userpass/') - before, 1);
  });

  it('does not count a refused login', async () => {
    const before = created(await scrape(server.address, root), 'userpass', 'auth/userpass/');
    assert.equal((await api(server.address, 'POST', 'auth/userpass/login/alice', { body: { password: 'wrong' } })).status, 400);
    assert.equal(created(await scrape(server.address, root), 'userpass', 'auth/userpass/'), before);
  });

  it('shows one more live token after a create and one fewer after its revocation', async () => {
    const live = async () => sample(await scrape(server.address, root), 'coffer_tokens_live');
    const before = await live();
    assert.ok(before !== undefined && before >= 1, 'the root token at least');
    const res = await api<{ auth: { client_token: string } }>(server.address, 'POST', 'auth/token/create', { token: root, body: { policies: ['default'] } });
    assert.equal(await live(), before + 1);
    assert.equal((await api(server.address, 'POST', 'auth/token/revoke', { token: root, body: { token: res.body.auth.client_token } })).status, 204);
    assert.equal(await live(), before);
  });
});
