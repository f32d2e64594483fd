import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodeVault from 'node-vault';
import { assertErrorAnswer } from '../../harness/errors.js';
import { api } from '../../harness/http.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { closingApi, writePolicy } from '../../sys/fixture.js';
import { enableUserpass, login, loginOk, uniquePassword, uniqueUser, writeUser, type AuthBlock, type Envelope } from './fixture.js';

// Logging in with userpass (POST auth/<mount>/login/:username): what the client gets back, and
// that the token behaves as the user's settings say.

interface LookupSelf {
  data: { display_name: string; entity_id: string; meta: Record<string, string> | null; policies: string[]; ttl: number; path: string };
}

describe('userpass login over HTTP', () => {
  let server: TestServer;
  let root: string;
  const lookupSelf = (token: string) => api<LookupSelf>(server.address, 'GET', 'auth/token/lookup-self', { token });

  before(async () => {
    server = await startServer();
    root = server.rootToken;
    await enableUserpass(server.address, root);
    await writePolicy(server.address, root, 'ops', 'path "secret/data/ops/*" { capabilities = ["read"] }');
  });
  after(async () => {
    await server?.destroy();
  });

  it("answers a token with the user's policies, metadata.username and the user's TTL", async () => {
    const name = uniqueUser('alice');
    const password = uniquePassword();
    await writeUser(server.address, root, name, { password, token_policies: ['ops'], token_ttl: '20m' });
    const res = await login(server.address, name, { password });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data, null);
    const auth = res.body.auth!;
    assert.match(auth.client_token, /^hvs\./);
    assert.ok(auth.accessor.length > 0);
    assert.deepEqual(auth.token_policies, ['default', 'ops']);
    assert.deepEqual(auth.policies, ['default', 'ops']);
    assert.deepEqual(auth.metadata, { username: name });
    assert.equal(auth.lease_duration, 1200);
    assert.equal(auth.renewable, true);
    assert.equal(auth.orphan, true);
    assert.equal(auth.token_type, 'service');
  });

  it('issues a token that works, named "userpass-<name>" in lookup-self, with the login path', async () => {
    const name = uniqueUser('bob');
    const password = uniquePassword();
    await writeUser(server.address, root, name, { password, token_policies: ['ops'] });
    const { client_token } = await loginOk(server.address, name, { password });
    const res = await lookupSelf(client_token);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data.display_name, `userpass-${name}`);
    assert.deepEqual(res.body.data.meta, { username: name });
    assert.deepEqual(res.body.data.policies, ['default', 'ops']);
    assert.equal(res.body.data.path, `auth/userpass/login/${name}`);
  });

  it('prefixes the display name with the mount path when mounted elsewhere', async () => {
    await enableUserpass(server.address, root, 'corp');
    const name = uniqueUser('carol');
    const password = uniquePassword();
    await writeUser(server.address, root, name, { password }, 'corp');
    const { client_token } = await loginOk(server.address, name, { password }, 'corp');
    assert.equal((await lookupSelf(client_token)).body.data.display_name, `corp-${name}`);
  });

  it('maps every login of a user to the same non-empty entity, and different users to different ones', async () => {
    const name = uniqueUser('dave');
    const other = uniqueUser('erin');
    const password = uniquePassword();
    await writeUser(server.address, root, name, { password });
    await writeUser(server.address, root, other, { password });
    const first = await loginOk(server.address, name, { password });
    const second = await loginOk(server.address, name.toUpperCase(), { password });
    const third = await loginOk(server.address, other, { password });
    assert.ok(first.entity_id.length > 0, 'entity_id is empty');
    assert.notEqual(first.client_token, second.client_token);
    assert.equal(second.entity_id, first.entity_id);
    assert.notEqual(third.entity_id, first.entity_id);
    assert.equal((await lookupSelf(second.client_token)).body.data.entity_id, first.entity_id);
  });

  it('answers a wrong password and an unknown user with the same 400 and no token', async () => {
    const name = uniqueUser('frank');
    await writeUser(server.address, root, name, { password: uniquePassword() });
    const wrongPassword = await login(server.address, name, { password: uniquePassword() });
    const unknownUser = await login(server.address, uniqueUser('nobody'), { password: uniquePassword() });
    const malformedUser = await login(server.address, '-not-a-user', { password: uniquePassword() });
    for (const res of [wrongPassword, unknownUser, malformedUser]) {
      assertErrorAnswer(res, 400);
      assert.deepEqual(res.body.errors, ['invalid username or password']);
      assert.equal(res.body.auth ?? null, null);
    }
  });

  it('refuses a login without a password (400)', async () => {
    const name = uniqueUser('gina');
    await writeUser(server.address, root, name, { password: uniquePassword() });
    assertErrorAnswer(await login(server.address, name, {}), 400, /password/);
    assertErrorAnswer(await login(server.address, name, { password: ['a'] }), 400, /password/);
  });

  it('leaves out the default policy when token_no_default_policy is set', async () => {
    const name = uniqueUser('hank');
    const password = uniquePassword();
    await writeUser(server.address, root, name, { password, token_policies: ['ops'], token_no_default_policy: true });
    const auth = await loginOk(server.address, name, { password });
    assert.deepEqual(auth.token_policies, ['ops']);
  });

  it('refuses a login that would make a root token (400), as Vault does for every auth method', async () => {
    const name = uniqueUser('rooty');
    const password = uniquePassword();
    await writeUser(server.address, root, name, { password, token_policies: ['root'] });
    assertErrorAnswer(await login(server.address, name, { password }), 400, /auth methods cannot create root tokens/);
  });

  it('gives tokens a use count from token_num_uses', async () => {
    const name = uniqueUser('ivy');
    const password = uniquePassword();
    await writeUser(server.address, root, name, { password, token_num_uses: 2 });
    const { client_token } = await loginOk(server.address, name, { password });
    assert.equal((await lookupSelf(client_token)).status, 200);
    assert.equal((await lookupSelf(client_token)).status, 200);
    assertErrorAnswer(await lookupSelf(client_token), 403);
  });

  describe('token_bound_cidrs', () => {
    const name = uniqueUser('bound');
    const password = uniquePassword();
    before(async () => {
      await writeUser(server.address, root, name, { password, token_bound_cidrs: ['127.0.0.1/32'] });
    });

    it('refuses the login token from outside the blocks (403) and accepts it from inside', async () => {
      const res = await login(server.address, name, { password }, 'userpass', closingApi, '127.0.0.1');
      assert.equal(res.status, 200, res.text);
      const token = res.body.auth!.client_token;
      const inside = await closingApi(server.address, 'GET', 'auth/token/lookup-self', { token, localAddress: '127.0.0.1' });
      assert.equal(inside.status, 200, inside.text);
      assertErrorAnswer(await closingApi(server.address, 'GET', 'auth/token/lookup-self', { token, localAddress: '127.0.0.2' }), 403);
    });

    it('refuses the login itself from outside the blocks (403, no token)', async () => {
      const res = await login(server.address, name, { password }, 'userpass', closingApi, '127.0.0.2');
      assertErrorAnswer(res, 403);
      assert.equal(res.body.auth ?? null, null);
    });
  });

  describe('token_ttl and token_max_ttl', () => {
    it('answer lease_duration token_ttl, and renew-self cannot go past token_max_ttl', async () => {
      const name = uniqueUser('ttl');
      const password = uniquePassword();
      await writeUser(server.address, root, name, { password, token_ttl: '1m', token_max_ttl: '2m' });
      const auth = await loginOk(server.address, name, { password });
      assert.equal(auth.lease_duration, 60);
      const renewed = await api<{ auth: AuthBlock }>(server.address, 'POST', 'auth/token/renew-self', { token: auth.client_token, body: { increment: '1h' } });
      assert.equal(renewed.status, 200, renewed.text);
      assert.ok(renewed.body.auth.lease_duration <= 120 && renewed.body.auth.lease_duration > 60, `renewed lease: ${renewed.body.auth.lease_duration}`);
      const ttl = (await lookupSelf(auth.client_token)).body.data.ttl;
      assert.ok(ttl <= 120 && ttl > 60, `ttl after renewal: ${ttl}`);
    });

    it('caps a token_ttl above the mount max at the mount max, with a warning', async () => {
      await enableUserpass(server.address, root, 'short');
      const tuned = await api(server.address, 'POST', 'sys/auth/short/tune', { token: root, body: { max_lease_ttl: '5m' } });
      assert.ok(tuned.status === 200 || tuned.status === 204, tuned.text);
      const name = uniqueUser('capped');
      const password = uniquePassword();
      await writeUser(server.address, root, name, { password, token_ttl: '1h' }, 'short');
      const res = await login(server.address, name, { password }, 'short');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.auth!.lease_duration, 300);
      assert.ok(res.body.warnings?.some((w) => /capped/.test(w)), res.text);
    });
  });

  describe('response wrapping', () => {
    it('wraps a login with X-Vault-Wrap-TTL; unwrapping gives the auth block with a working token', async () => {
      const name = uniqueUser('wrapped');
      const password = uniquePassword();
      await writeUser(server.address, root, name, { password, token_policies: ['ops'] });
      const wrapped = await api<Envelope>(server.address, 'POST', `auth/userpass/login/${name}`, { body: { password }, headers: { 'X-Vault-Wrap-TTL': '5m' } });
      assert.equal(wrapped.status, 200, wrapped.text);
      assert.equal(wrapped.body.auth, null);
      const wrap = wrapped.body.wrap_info!;
      assert.ok(wrap.token.length > 0, wrapped.text);
      assert.equal(wrap.ttl, 300);
      assert.equal(wrap.creation_path, `auth/userpass/login/${name}`);

      const unwrapped = await api<Envelope>(server.address, 'POST', 'sys/wrapping/unwrap', { token: wrap.token });
      assert.equal(unwrapped.status, 200, unwrapped.text);
      const auth = unwrapped.body.auth!;
      assert.deepEqual(auth.metadata, { username: name });
      assert.deepEqual(auth.token_policies, ['default', 'ops']);
      const looked = await lookupSelf(auth.client_token);
      assert.equal(looked.status, 200, looked.text);
      assert.equal(looked.body.data.display_name, `userpass-${name}`);
      assertErrorAnswer(await api(server.address, 'POST', 'sys/wrapping/unwrap', { token: wrap.token }), 400, /wrapping token is not valid/);
    });
  });

  describe('node-vault', () => {
    it("logs in with userpassLogin({username, password}) and gets the user's policies", async () => {
      const name = uniqueUser('nv');
      const password = uniquePassword();
      await writeUser(server.address, root, name, { password, token_policies: ['ops'] });
      const client = nodeVault({ apiVersion: 'v1', endpoint: server.address });
      const result = await client.userpassLogin({ username: name, password });
      assert.deepEqual(result.auth.policies, ['default', 'ops']);
      assert.equal(result.auth.metadata.username, name);
      // node-vault keeps the token it logged in with, so the client's next call uses it.
      assert.equal(client.token, result.auth.client_token);
      const self = await client.tokenLookupSelf();
      assert.equal(self.data.display_name, `userpass-${name}`);
    });

    it('surfaces a wrong password as a 400 with the same message', async () => {
      const name = uniqueUser('nv-bad');
      await writeUser(server.address, root, name, { password: uniquePassword() });
      const client = nodeVault({ apiVersion: 'v1', endpoint: server.address });
      await assert.rejects(client.userpassLogin({ username: name, password: 'wrong' }), (err: { response?: { statusCode: number; body?: { errors?: string[] } } }) => {
        assert.equal(err.response?.statusCode, 400);
        assert.deepEqual(err.response?.body?.errors, ['invalid username or password']);
        return true;
      });
    });
  });
});
