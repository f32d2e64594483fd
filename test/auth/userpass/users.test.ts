import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../../harness/errors.js';
import { api } from '../../harness/http.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { assertNoContent, writePolicy } from '../../sys/fixture.js';
import { enableUserpass, login, loginOk, uniquePassword, uniqueUser, writeUser, type Envelope } from './fixture.js';

// The userpass users API (https://developer.hashicorp.com/vault/api-docs/auth/userpass): create,
// read, update, list and delete users, change a password or the policies, as a client sees it.

describe('userpass users over HTTP', () => {
  let server: TestServer;
  let root: string;
  const call = <T = Envelope>(method: string, path: string, body?: unknown, token = root) => api<T>(server.address, method, path, { token, body });
  const readUser = (name: string) => call('GET', `auth/userpass/users/${name}`);

  before(async () => {
    server = await startServer();
    root = server.rootToken;
    await enableUserpass(server.address, root);
  });
  after(async () => {
    await server?.destroy();
  });

  it('reads a created user back with every token setting and no password or hash', async () => {
    const name = uniqueUser('reader');
    const password = uniquePassword();
    await writeUser(server.address, root, name, {
      password,
      token_policies: ['Payments', 'audit'],
      token_ttl: '1h',
      token_max_ttl: 7200,
      token_explicit_max_ttl: '3h',
      token_bound_cidrs: '10.0.0.0/8, 127.0.0.1',
      token_num_uses: 5,
      token_period: '0',
      token_no_default_policy: true,
      token_type: 'service',
    });
    const res = await readUser(name);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data, {
      token_policies: ['audit', 'payments'],
      token_ttl: 3600,
      token_max_ttl: 7200,
      token_explicit_max_ttl: 10800,
      token_period: 0,
      token_num_uses: 5,
      token_no_default_policy: true,
      token_bound_cidrs: ['10.0.0.0/8', '127.0.0.1/32'],
      token_type: 'service',
    });
    assert.ok(!res.text.includes(password), 'the password is in the read answer');
    assert.ok(!/password|hash|salt/i.test(res.text), `the read answer mentions the password: ${res.text}`);
  });

  it('defaults a user created with only a password to empty token settings of type "default"', async () => {
    const name = uniqueUser('plain');
    await writeUser(server.address, root, name, { password: uniquePassword() });
    const res = await readUser(name);
    assert.deepEqual(res.body.data, {
      token_policies: [],
      token_ttl: 0,
      token_max_ttl: 0,
      token_explicit_max_ttl: 0,
      token_period: 0,
      token_num_uses: 0,
      token_no_default_policy: false,
      token_bound_cidrs: [],
      token_type: 'default',
    });
  });

  it('answers 404 for a user that does not exist', async () => {
    const res = await readUser(uniqueUser('nobody'));
    assert.equal(res.status, 404, res.text);
  });

  it('lower-cases user names: created as Mixed-Case, read, listed and logged in as any case', async () => {
    const name = uniqueUser('Mixed-Case');
    const password = uniquePassword();
    await writeUser(server.address, root, name, { password });
    assert.equal((await readUser(name.toLowerCase())).status, 200);
    assert.equal((await readUser(name.toUpperCase())).status, 200);
    const list = await call<{ data: { keys: string[] } }>('LIST', 'auth/userpass/users');
    assert.ok(list.body.data.keys.includes(name.toLowerCase()), list.text);
    assert.ok(!list.body.data.keys.includes(name), list.text);
    const auth = await loginOk(server.address, name.toUpperCase(), { password });
    assert.equal(auth.metadata?.username, name.toLowerCase());
  });

  it('accepts the legacy "policies" and answers it beside token_policies', async () => {
    const name = uniqueUser('legacy');
    await writeUser(server.address, root, name, { password: uniquePassword(), policies: 'ops,dev', ttl: '10m' });
    const res = await readUser(name);
    assert.deepEqual(res.body.data?.token_policies, ['dev', 'ops']);
    assert.deepEqual(res.body.data?.policies, ['dev', 'ops']);
    assert.equal(res.body.data?.token_ttl, 600);
    assert.equal(res.body.data?.ttl, 600);
  });

  it('lists users on LIST and on GET ?list=true, sorted', async () => {
    const mount = 'listing';
    await enableUserpass(server.address, root, mount);
    for (const name of ['carol', 'alice', 'bob']) await writeUser(server.address, root, name, { password: uniquePassword() }, mount);
    const listed = await call<{ data: { keys: string[] } }>('LIST', `auth/${mount}/users`);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.body.data.keys, ['alice', 'bob', 'carol']);
    const viaGet = await call<{ data: { keys: string[] } }>('GET', `auth/${mount}/users/?list=true`);
    assert.deepEqual(viaGet.body.data.keys, ['alice', 'bob', 'carol']);
  });

  it('answers 404 when listing a mount without users', async () => {
    await enableUserpass(server.address, root, 'empty-users');
    const res = await call('LIST', 'auth/empty-users/users');
    assert.equal(res.status, 404, res.text);
  });

  it('updates only the fields sent: the password and the other settings stay', async () => {
    const name = uniqueUser('partial');
    const password = uniquePassword();
    await writeUser(server.address, root, name, { password, token_policies: ['ops'], token_ttl: '1h' });
    await writeUser(server.address, root, name, { token_ttl: '30m' });
    const res = await readUser(name);
    assert.equal(res.body.data?.token_ttl, 1800);
    assert.deepEqual(res.body.data?.token_policies, ['ops']);
    await loginOk(server.address, name, { password });
  });

  it('refuses to create a user without a password (400) and creates nothing', async () => {
    const name = uniqueUser('nopass');
    assertErrorAnswer(await call('POST', `auth/userpass/users/${name}`, { token_policies: ['ops'] }), 400, /missing password/);
    assertErrorAnswer(await call('POST', `auth/userpass/users/${name}`, { password: '' }), 400, /missing password/);
    assert.equal((await readUser(name)).status, 404);
  });

  describe('bad input gets 400 and changes nothing', () => {
    const name = uniqueUser('strict');
    const password = uniquePassword();
    let original: unknown;
    before(async () => {
      await writeUser(server.address, root, name, { password, token_policies: ['ops'], token_ttl: '1h', token_max_ttl: '2h' });
      original = (await readUser(name)).body.data;
    });

    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['a malformed CIDR block', { token_bound_cidrs: ['10.0.0.0/33'], token_ttl: '5m' }, /invalid CIDR block/],
      ['token_ttl above token_max_ttl', { token_ttl: '3h' }, /token_ttl.*token_max_ttl/],
      ['a negative token_num_uses', { token_num_uses: -1, token_ttl: '5m' }, /token_num_uses/],
      ['batch tokens', { token_type: 'batch', token_ttl: '5m' }, /batch tokens are not supported/],
      ['an unknown token_type', { token_type: 'shiny', token_ttl: '5m' }, /token_type/],
      ['a duration that is not one', { token_ttl: 'forever' }, /token_ttl/],
      ['policies under both names', { token_policies: ['a'], policies: ['b'] }, /cannot specify both/],
      ['an empty password', { password: '', token_ttl: '5m' }, /missing password/],
      ['a password that is not a string', { password: { nested: true } }, /password/],
    ];
    for (const [what, body, message] of cases) {
      it(`refuses ${what}`, async () => {
        assertErrorAnswer(await call('POST', `auth/userpass/users/${name}`, body), 400, message);
        assert.deepEqual((await readUser(name)).body.data, original);
        await loginOk(server.address, name, { password });
      });
    }

    it('refuses a user name that Vault would not accept', async () => {
      for (const bad of ['-leading-hyphen', '.leading-dot', 'trailing-dot.', 'sp%20ace', 'b%C3%A4d']) {
        assertErrorAnswer(await call('POST', `auth/userpass/users/${bad}`, { password: uniquePassword() }), 400, /invalid username/);
      }
      const list = await call<{ data: { keys: string[] } }>('LIST', 'auth/userpass/users');
      assert.ok(list.body.data.keys.every((key) => /^[a-z0-9_][a-z0-9_.-]*$/.test(key)), list.text);
    });
  });

  it('deletes a user: read answers 404 and the password no longer logs in', async () => {
    const name = uniqueUser('deleted');
    const password = uniquePassword();
    await writeUser(server.address, root, name, { password });
    assertNoContent(await call('DELETE', `auth/userpass/users/${name}`), 'delete user');
    assert.equal((await readUser(name)).status, 404);
    assertErrorAnswer(await login(server.address, name, { password }), 400, /^invalid username or password$/);
  });

  describe('users/:username/password', () => {
    it('changes the password: the old one fails, the new one works', async () => {
      const name = uniqueUser('rotate');
      const oldPassword = uniquePassword();
      const newPassword = uniquePassword();
      await writeUser(server.address, root, name, { password: oldPassword, token_policies: ['ops'] });
      assertNoContent(await call('POST', `auth/userpass/users/${name}/password`, { password: newPassword }), 'change password');
      assertErrorAnswer(await login(server.address, name, { password: oldPassword }), 400, /^invalid username or password$/);
      const auth = await loginOk(server.address, name, { password: newPassword });
      assert.deepEqual(auth.token_policies, ['default', 'ops']);
    });

    it('lets a user change their own password through a policy on that path', async () => {
      const name = uniqueUser('self');
      const password = uniquePassword();
      const policy = `self-password-${name}`;
      await writePolicy(server.address, root, policy, `path "auth/userpass/users/${name}/password" { capabilities = ["update"] }`);
      await writeUser(server.address, root, name, { password, token_policies: [policy] });
      const { client_token } = await loginOk(server.address, name, { password });
      const changed = uniquePassword();
      assertNoContent(await call('POST', `auth/userpass/users/${name}/password`, { password: changed }, client_token), 'self-service change');
      await loginOk(server.address, name, { password: changed });
      assertErrorAnswer(await call('POST', `auth/userpass/users/${name}/policies`, { token_policies: ['root'] }, client_token), 403);
    });

    it('refuses an empty password (400) and keeps the old one', async () => {
      const name = uniqueUser('emptypw');
      const password = uniquePassword();
      await writeUser(server.address, root, name, { password });
      assertErrorAnswer(await call('POST', `auth/userpass/users/${name}/password`, { password: '' }), 400, /missing password/);
      assertErrorAnswer(await call('POST', `auth/userpass/users/${name}/password`, {}), 400, /password/);
      await loginOk(server.address, name, { password });
    });

    it('refuses to set a password for a user that does not exist (400) and creates none', async () => {
      const name = uniqueUser('ghost');
      assertErrorAnswer(await call('POST', `auth/userpass/users/${name}/password`, { password: uniquePassword() }), 400, /does not exist/);
      assert.equal((await readUser(name)).status, 404);
    });
  });

  describe('users/:username/policies', () => {
    it('replaces the policies that the next login gets, keeping the password', async () => {
      const name = uniqueUser('repolicy');
      const password = uniquePassword();
      await writeUser(server.address, root, name, { password, token_policies: ['ops'] });
      assertNoContent(await call('POST', `auth/userpass/users/${name}/policies`, { token_policies: 'dev,qa' }), 'update policies');
      assert.deepEqual((await readUser(name)).body.data?.token_policies, ['dev', 'qa']);
      const auth = await loginOk(server.address, name, { password });
      assert.deepEqual(auth.token_policies, ['default', 'dev', 'qa']);
    });

    it('accepts the legacy "policies" name', async () => {
      const name = uniqueUser('repolicy-legacy');
      await writeUser(server.address, root, name, { password: uniquePassword() });
      assertNoContent(await call('POST', `auth/userpass/users/${name}/policies`, { policies: ['ops'] }), 'update policies');
      const data = (await readUser(name)).body.data;
      assert.deepEqual(data?.token_policies, ['ops']);
      assert.deepEqual(data?.policies, ['ops']);
    });

    it('refuses a request without policies (400) and changes nothing', async () => {
      const name = uniqueUser('nopolicies');
      await writeUser(server.address, root, name, { password: uniquePassword(), token_policies: ['ops'] });
      assertErrorAnswer(await call('POST', `auth/userpass/users/${name}/policies`, {}), 400, /token_policies/);
      assertErrorAnswer(await call('POST', `auth/userpass/users/${name}/policies`, { token_policies: { a: 1 } }), 400);
      assert.deepEqual((await readUser(name)).body.data?.token_policies, ['ops']);
    });

    it('refuses a user that does not exist (400)', async () => {
      assertErrorAnswer(await call('POST', `auth/userpass/users/${uniqueUser('ghost')}/policies`, { token_policies: ['ops'] }), 400, /does not exist/);
    });
  });

  it('needs a token with a grant to manage users (403 without one)', async () => {
    assertErrorAnswer(await api(server.address, 'POST', `auth/userpass/users/${uniqueUser('anon')}`, { body: { password: uniquePassword() } }), 403);
    assertErrorAnswer(await api(server.address, 'LIST', 'auth/userpass/users'), 403);
  });
});
