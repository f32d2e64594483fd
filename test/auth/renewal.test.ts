import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { api, type ApiResponse } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { poll } from '../harness/poll.js';
import { assertNoContent, createToken, writePolicy } from '../sys/fixture.js';
import { claims as jwtClaims } from './jwt/fixture.js';
import { newKey, sign, type SigningKey } from './jwt/idp.js';
import { CLUSTER_ISSUER, JwksServer, TokenIssuer } from './kubernetes/fixture.js';

// Renewal of login tokens goes back to the auth method that issued them (Vault's auth renew):
// userpass refuses once the user is gone or its policies changed, approle/jwt/kubernetes once the
// role is gone, and every method's current TTLs bound the renewal. Tokens not made by a login
// renew as before; disabling an auth method revokes the tokens it issued.

interface Auth {
  client_token: string;
  accessor: string;
  lease_duration: number;
}
type Answer = ApiResponse<{ auth?: Auth; data?: Record<string, unknown>; errors?: string[] }>;

const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

describe('renewing login tokens asks the auth method that issued them', () => {
  let server: TestServer;
  let address: string;
  let root: string;
  let jwtKey: SigningKey;
  let k8sIssuer: TokenIssuer;
  let jwks: JwksServer;

  const call = (method: string, path: string, body?: unknown, token?: string): Promise<Answer> =>
    api(address, method, path, { ...(body === undefined ? {} : { body }), ...(token ? { token } : {}) });
  const admin = (method: string, path: string, body?: unknown) => call(method, path, body, root);
  const write = async (path: string, body: Record<string, unknown>) => assertNoContent(await admin('POST', path, body), `write ${path}`);

  const renewSelf = (token: string, increment?: number) => call('POST', 'auth/token/renew-self', increment ? { increment } : {}, token);
  const renewAsRoot = (token: string, increment?: number) => admin('POST', 'auth/token/renew', { token, ...(increment ? { increment } : {}) });
  const renewAccessor = (accessor: string) => admin('POST', 'auth/token/renew-accessor', { accessor });
  const lookupSelf = (token: string) => call('GET', 'auth/token/lookup-self', undefined, token);

  function granted(res: Answer, what: string): number {
    assert.equal(res.status, 200, `${what}: ${res.status} ${res.text}`);
    assert.ok(res.body.auth, `${what}: no auth block: ${res.text}`);
    return res.body.auth.lease_duration;
  }

  async function loginOk(path: string, body: Record<string, unknown>): Promise<Auth> {
    const res = await call('POST', path, body);
    assert.equal(res.status, 200, `login ${path}: ${res.status} ${res.text}`);
    assert.ok(res.body.auth?.client_token, `login ${path}: no token: ${res.text}`);
    return res.body.auth;
  }

  /** A userpass user with `settings`, and a login token of theirs. */
  async function userToken(settings: Record<string, unknown> = {}): Promise<{ name: string; auth: Auth }> {
    const name = unique('user');
    const password = unique('pw');
    await write(`auth/userpass/users/${name}`, { password, token_policies: ['app'], ...settings });
    return { name, auth: await loginOk(`auth/userpass/login/${name}`, { password }) };
  }

  /** An AppRole role and a login token from it. */
  async function approleToken(settings: Record<string, unknown> = {}): Promise<{ role: string; auth: Auth }> {
    const role = unique('role');
    await write(`auth/approle/role/${role}`, { token_policies: ['app'], ...settings });
    const roleId = (await admin('GET', `auth/approle/role/${role}/role-id`)).body.data?.role_id;
    const secret = await admin('POST', `auth/approle/role/${role}/secret-id`, {});
    assert.equal(secret.status, 200, secret.text);
    return { role, auth: await loginOk('auth/approle/login', { role_id: roleId, secret_id: secret.body.data?.secret_id }) };
  }

  before(async () => {
    server = await startServer();
    address = server.address;
    root = server.rootToken;
    jwtKey = await newKey('ES256');
    k8sIssuer = await TokenIssuer.create();
    jwks = await JwksServer.start(k8sIssuer.jwks());
    for (const type of ['userpass', 'approle', 'jwt', 'kubernetes']) await write(`sys/auth/${type}`, { type });
    await write('auth/jwt/config', { jwt_validation_pubkeys: [jwtKey.publicPem], jwt_supported_algs: ['ES256'] });
    await write('auth/kubernetes/config', {
      kubernetes_host: 'http://127.0.0.1:1',
      disable_local_ca_jwt: true,
      jwks_url: jwks.url,
      issuer: CLUSTER_ISSUER,
    });
  });

  after(async () => {
    await jwks?.stop();
    await server?.destroy();
  });

  describe('userpass', () => {
    it('renews a token while its user exists', async () => {
      const { auth } = await userToken();
      assert.ok(granted(await renewSelf(auth.client_token, 600), 'renew-self') > 0);
      assert.ok(granted(await renewAsRoot(auth.client_token), 'renew') > 0);
      assert.ok(granted(await renewAccessor(auth.accessor), 'renew-accessor') > 0);
    });

    it('refuses renew-self with 400 once the user is deleted', async () => {
      const { name, auth } = await userToken();
      assertNoContent(await admin('DELETE', `auth/userpass/users/${name}`), 'delete user');
      assertErrorAnswer(await renewSelf(auth.client_token), 400, /not renewing/);
    });

    it('keeps a deleted user\'s token usable until it expires: only the renewal is refused', async () => {
      const { name, auth } = await userToken({ token_ttl: '3s' });
      assertNoContent(await admin('DELETE', `auth/userpass/users/${name}`), 'delete user');
      assertErrorAnswer(await renewSelf(auth.client_token), 400, /not renewing/);
      assert.equal((await lookupSelf(auth.client_token)).status, 200, 'the token still works after the refused renewal');
      await poll('the token expires', async () => (await lookupSelf(auth.client_token)).status === 403, { timeoutMs: 15_000, intervalMs: 50 });
    });

    it('refuses renew-accessor with 400 once the user is deleted', async () => {
      const { name, auth } = await userToken();
      assertNoContent(await admin('DELETE', `auth/userpass/users/${name}`), 'delete user');
      assertErrorAnswer(await renewAccessor(auth.accessor), 400, /not renewing/);
    });

    it('refuses renewal with "policies have changed" once the user\'s policies change', async () => {
      const { name, auth } = await userToken();
      assertNoContent(await admin('POST', `auth/userpass/users/${name}/policies`, { token_policies: ['app', 'extra'] }), 'change policies');
      assertErrorAnswer(await renewAsRoot(auth.client_token), 400, /^policies have changed, not renewing$/);
      assertErrorAnswer(await renewSelf(auth.client_token), 400, /^policies have changed, not renewing$/);
    });

    it('still renews when the user\'s policies are written again in another case and order', async () => {
      const { name, auth } = await userToken({ token_policies: ['app', 'audit'] });
      assertNoContent(await admin('POST', `auth/userpass/users/${name}/policies`, { token_policies: ['Audit', 'app'] }), 'rewrite policies');
      assert.ok(granted(await renewSelf(auth.client_token), 'renew-self') > 0);
    });

    it('caps the next renewal by a lowered token_max_ttl on the user', async () => {
      const { name, auth } = await userToken();
      assert.equal(granted(await renewSelf(auth.client_token, 3600), 'renew before'), 3600);
      await write(`auth/userpass/users/${name}`, { token_max_ttl: '60s' });
      const capped = granted(await renewSelf(auth.client_token, 3600), 'renew after');
      assert.ok(capped > 0 && capped <= 60, `renewal after token_max_ttl=60s granted ${capped}s`);
    });

    it('gives a renewal without increment the user\'s current token_ttl', async () => {
      const { name, auth } = await userToken({ token_ttl: '10m' });
      await write(`auth/userpass/users/${name}`, { token_ttl: '2m' });
      assert.equal(granted(await renewSelf(auth.client_token), 'renew-self'), 120);
    });
  });

  describe('approle', () => {
    it('renews a token while its role exists and refuses it with 400 once the role is deleted', async () => {
      const { role, auth } = await approleToken();
      assert.ok(granted(await renewSelf(auth.client_token), 'renew before delete') > 0);
      assertNoContent(await admin('DELETE', `auth/approle/role/${role}`), 'delete role');
      assertErrorAnswer(await renewSelf(auth.client_token), 400, /does not exist during renewal/);
      assertErrorAnswer(await renewAccessor(auth.accessor), 400, /does not exist during renewal/);
    });

    it('caps the next renewal by a lowered token_max_ttl on the role', async () => {
      const { role, auth } = await approleToken();
      assert.equal(granted(await renewSelf(auth.client_token, 3600), 'renew before'), 3600);
      await write(`auth/approle/role/${role}/token-max-ttl`, { token_max_ttl: 60 });
      const capped = granted(await renewSelf(auth.client_token, 3600), 'renew after');
      assert.ok(capped > 0 && capped <= 60, `renewal after token_max_ttl=60 granted ${capped}s`);
    });
  });

  describe('jwt', () => {
    it('renews a token while its role exists and refuses it with 400 once the role is deleted', async () => {
      const role = unique('role');
      await write(`auth/jwt/role/${role}`, { role_type: 'jwt', bound_audiences: ['coffer'], user_claim: 'sub', token_policies: ['app'] });
      const auth = await loginOk('auth/jwt/login', { role, jwt: await sign(jwtKey, jwtClaims()) });
      assert.ok(granted(await renewSelf(auth.client_token), 'renew before delete') > 0);
      assertNoContent(await admin('DELETE', `auth/jwt/role/${role}`), 'delete role');
      assertErrorAnswer(await renewSelf(auth.client_token), 400, /could not be found, not renewing/);
    });
  });

  describe('kubernetes', () => {
    it('renews a token while its role exists and refuses it with 400 once the role is deleted', async () => {
      const role = unique('role');
      await write(`auth/kubernetes/role/${role}`, {
        bound_service_account_names: ['app'],
        bound_service_account_namespaces: ['shop'],
        audience: 'coffer',
        token_policies: ['app'],
      });
      const jwt = await k8sIssuer.sign({ namespace: 'shop', name: 'app', audience: 'coffer' });
      const auth = await loginOk('auth/kubernetes/login', { role, jwt });
      assert.ok(granted(await renewSelf(auth.client_token), 'renew before delete') > 0);
      assertNoContent(await admin('DELETE', `auth/kubernetes/role/${role}`), 'delete role');
      assertErrorAnswer(await renewSelf(auth.client_token), 400, /does not exist during renewal/);
    });
  });

  describe('tokens no login made', () => {
    it('renew exactly as before: the increment asked for, by token, self or accessor', async () => {
      const created = await createToken(address, root, { policies: ['app'], ttl: '1h' });
      assert.equal(granted(await renewSelf(created.token, 1800), 'renew-self'), 1800);
      assert.equal(granted(await renewAsRoot(created.token, 900), 'renew'), 900);
      assert.equal(granted(await renewAccessor(created.accessor), 'renew-accessor'), 3600);
    });

    it('renew when created by a login token whose user was since deleted (the child is no login token)', async () => {
      await writePolicy(address, root, 'token-creator', 'path "auth/token/create" { capabilities = ["update"] }');
      const { name, auth } = await userToken({ token_policies: ['token-creator'] });
      const child = await createToken(address, auth.client_token, { ttl: '1h' });
      assertNoContent(await admin('DELETE', `auth/userpass/users/${name}`), 'delete user');
      assert.equal(granted(await renewSelf(child.token, 600), 'child renew-self'), 600);
    });
  });

  describe('disabling the auth method', () => {
    it('revokes the tokens it issued: they get 403, and their renewal finds no token', async () => {
      await write('sys/auth/userpass-gone', { type: 'userpass' });
      await write('auth/userpass-gone/users/carol', { password: 'carol-pw', token_policies: ['app'] });
      const auth = await loginOk('auth/userpass-gone/login/carol', { password: 'carol-pw' });
      const other = (await userToken()).auth;
      assert.equal((await lookupSelf(auth.client_token)).status, 200);

      assertNoContent(await admin('DELETE', 'sys/auth/userpass-gone'), 'disable');
      assertErrorAnswer(await lookupSelf(auth.client_token), 403);
      assertErrorAnswer(await renewSelf(auth.client_token), 403);
      assertErrorAnswer(await renewAccessor(auth.accessor), 400, /invalid accessor/);
      assert.equal((await lookupSelf(other.client_token)).status, 200, 'tokens of other auth mounts stay');
    });

    it('does not let a new mount at the same path adopt the old mount\'s tokens', async () => {
      await write('sys/auth/userpass-again', { type: 'userpass' });
      await write('auth/userpass-again/users/dave', { password: 'dave-pw', token_policies: ['app'] });
      const auth = await loginOk('auth/userpass-again/login/dave', { password: 'dave-pw' });
      assertNoContent(await admin('DELETE', 'sys/auth/userpass-again'), 'disable');
      await write('sys/auth/userpass-again', { type: 'userpass' });
      await write('auth/userpass-again/users/dave', { password: 'dave-pw', token_policies: ['app'] });
      assertErrorAnswer(await lookupSelf(auth.client_token), 403);
      const fresh = await loginOk('auth/userpass-again/login/dave', { password: 'dave-pw' });
      assert.ok(granted(await renewSelf(fresh.client_token), 'new mount token renews') > 0);
    });
  });

  it('never shows what a login keeps for its renewal in lookups', async () => {
    const { auth } = await userToken();
    for (const res of [await lookupSelf(auth.client_token), await admin('POST', 'auth/token/lookup-accessor', { accessor: auth.accessor })]) {
      assert.equal(res.status, 200, res.text);
      assert.ok(!/mountAccessor|internal|"login"/.test(res.text), `lookup reveals login internals: ${res.text}`);
    }
  });
});
