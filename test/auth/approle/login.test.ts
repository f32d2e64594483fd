import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../../harness/errors.js';
import { api } from '../../harness/http.js';
import { poll } from '../../harness/poll.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { closingApi, writePolicy } from '../../sys/fixture.js';
import { Approle, expectLogin, INVALID_CREDENTIALS, times } from './fixture.js';

const appPolicy = `
path "secret/data/app/*" {
  capabilities = ["read"]
}
`;

/** Where CIDR-bound requests come from: the server listens on 127.0.0.1, any 127/8 address reaches it. */
const ALLOWED = '127.0.0.1';
const OUTSIDE = '127.0.0.2';

describe('AppRole login', () => {
  let server: TestServer;
  let approle: Approle;

  const lookupSelf = (token: string, localAddress?: string) =>
    closingApi<{ data: Record<string, unknown> }>(server.address, 'GET', 'auth/token/lookup-self', { token, ...(localAddress ? { localAddress } : {}) });

  before(async () => {
    server = await startServer();
    approle = new Approle(server.address, server.rootToken);
    await approle.enable();
    await writePolicy(server.address, server.rootToken, 'app-reader', appPolicy);
    const put = await api(server.address, 'POST', 'secret/data/app/config', { token: server.rootToken, body: { data: { db: 'postgres://app' } } });
    assert.equal(put.status, 200, put.text);
  });
  after(async () => {
    await server?.destroy();
  });

  describe('a successful login', () => {
    it("answers Vault's auth block: the role's policies, role_name metadata, an entity, lease_duration = token_ttl", async () => {
      await approle.writeRole('app', { token_policies: 'app-reader', token_ttl: '20m', token_max_ttl: '1h' });
      const creds = await approle.credentials('app');
      const res = await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id });
      const auth = expectLogin(res, 'login');
      assert.deepEqual(auth.policies, ['app-reader', 'default']);
      assert.deepEqual(auth.token_policies, ['app-reader', 'default']);
      assert.deepEqual(auth.metadata, { role_name: 'app' });
      assert.equal(auth.lease_duration, 1200);
      assert.equal(auth.renewable, true);
      assert.equal(auth.token_type, 'service');
      assert.equal(auth.orphan, true);
      assert.ok(auth.entity_id.length > 0, 'the login is mapped to an identity entity');
      assert.ok(auth.accessor.length > 0);
      assert.equal(res.body.data, null);
    });

    it("gives a token that reads what the role's policies allow, and nothing else", async () => {
      await approle.writeRole('reader', { token_policies: ['app-reader'] });
      const creds = await approle.credentials('reader');
      const { client_token } = expectLogin(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 'login');
      const allowed = await api<{ data: { data: Record<string, string> } }>(server.address, 'GET', 'secret/data/app/config', { token: client_token });
      assert.equal(allowed.status, 200, allowed.text);
      assert.deepEqual(allowed.body.data.data, { db: 'postgres://app' });
      const denied = await api(server.address, 'GET', 'secret/data/other', { token: client_token });
      assert.equal(denied.status, 403, denied.text);
    });

    it('makes a token whose lookup shows display name "approle", role_name metadata and the entity', async () => {
      await approle.writeRole('looked-up', { token_ttl: 600 });
      const creds = await approle.credentials('looked-up');
      const auth = expectLogin(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 'login');
      const self = await lookupSelf(auth.client_token);
      assert.equal(self.status, 200, self.text);
      assert.equal(self.body.data.display_name, 'approle');
      assert.deepEqual(self.body.data.meta, { role_name: 'looked-up' });
      assert.equal(self.body.data.entity_id, auth.entity_id);
      assert.equal(self.body.data.path, 'auth/approle/login');
      assert.equal(self.body.data.orphan, true);
    });

    it('maps every login of one role ID to the same entity', async () => {
      await approle.writeRole('same-entity');
      const roleId = await approle.roleId('same-entity');
      const first = expectLogin(await approle.login({ role_id: roleId, secret_id: (await approle.newSecretId('same-entity')).secret_id }), 'first');
      const second = expectLogin(await approle.login({ role_id: roleId, secret_id: (await approle.newSecretId('same-entity')).secret_id }), 'second');
      assert.equal(second.entity_id, first.entity_id);
    });

    it("puts the secret ID's metadata on the token beside role_name", async () => {
      await approle.writeRole('with-meta');
      const creds = await approle.credentials('with-meta', { metadata: JSON.stringify({ host: 'web-1', team: 'checkout' }) });
      const auth = expectLogin(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 'login');
      assert.deepEqual(auth.metadata, { host: 'web-1', team: 'checkout', role_name: 'with-meta' });
    });

    it("carries the role's token_num_uses, token_period and token_no_default_policy onto the token", async () => {
      await approle.writeRole('token-shape', { token_policies: 'app-reader', token_num_uses: 3, token_period: '30m', token_no_default_policy: true });
      const creds = await approle.credentials('token-shape');
      const auth = expectLogin(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 'login');
      assert.equal(auth.num_uses, 3);
      assert.equal(auth.lease_duration, 1800);
      assert.deepEqual(auth.policies, ['app-reader']);
      // Without the default policy the token may not look itself up; root looks it up instead.
      const looked = await api<{ data: Record<string, unknown> }>(server.address, 'POST', 'auth/token/lookup', { token: server.rootToken, body: { token: auth.client_token } });
      assert.equal(looked.status, 200, looked.text);
      assert.equal(looked.body.data.period, 1800);
      assert.deepEqual(looked.body.data.policies, ['app-reader']);
    });

    it('logs in with the role ID alone when the role does not bind secret IDs', async () => {
      await approle.writeRole('role-id-only', { bind_secret_id: false, secret_id_bound_cidrs: `${ALLOWED}/32`, token_policies: 'app-reader' });
      const roleId = await approle.roleId('role-id-only');
      const auth = expectLogin(await approle.login({ role_id: roleId }, ALLOWED, closingApi), 'role id only');
      assert.deepEqual(auth.metadata, { role_name: 'role-id-only' });
    });
  });

  describe('refused logins', () => {
    it('refuses a wrong secret ID with 400 "invalid role or secret ID"', async () => {
      await approle.writeRole('wrong');
      const creds = await approle.credentials('wrong');
      assertErrorAnswer(await approle.login({ role_id: creds.role_id, secret_id: 'not-the-secret' }), 400, INVALID_CREDENTIALS);
      expectLogin(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 'the right one still works');
    });

    it('refuses an unknown role ID with the same message', async () => {
      await approle.writeRole('known');
      const creds = await approle.credentials('known');
      assertErrorAnswer(await approle.login({ role_id: 'no-such-role-id', secret_id: creds.secret_id }), 400, INVALID_CREDENTIALS);
    });

    it("refuses another role's secret ID", async () => {
      await approle.writeRole('first-role');
      await approle.writeRole('second-role');
      const first = await approle.credentials('first-role');
      const second = await approle.credentials('second-role');
      assertErrorAnswer(await approle.login({ role_id: first.role_id, secret_id: second.secret_id }), 400, INVALID_CREDENTIALS);
    });

    it('asks for role_id and secret_id when they are missing', async () => {
      await approle.writeRole('missing-parts');
      assertErrorAnswer(await approle.login({}), 400, /missing role_id/);
      assertErrorAnswer(await approle.login({ role_id: await approle.roleId('missing-parts') }), 400, /missing secret_id/);
      assertErrorAnswer(await approle.login({ role_id: ['a'], secret_id: 'x' }), 400, /role_id/);
    });

    it('refuses a secret ID once its TTL has passed', async () => {
      await approle.writeRole('short-lived');
      const creds = await approle.credentials('short-lived', { ttl: 2 });
      const lookup = await approle.root('POST', 'role/short-lived/secret-id/lookup', { secret_id: creds.secret_id });
      assert.equal(Date.parse(String(lookup.body.data!.expiration_time)) - Date.parse(String(lookup.body.data!.creation_time)), 2000);
      const last = await poll(
        'the expired secret ID refused',
        async () => {
          const res = await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id });
          return res.status === 200 ? undefined : res;
        },
        { intervalMs: 100 },
      );
      assertErrorAnswer(last, 400, INVALID_CREDENTIALS);
      assert.ok(Date.now() >= Date.parse(String(lookup.body.data!.expiration_time)), 'refused only after the expiration time');
      // Once expired it is gone: lookup answers nothing, LIST shows no accessor.
      assert.equal((await approle.root('POST', 'role/short-lived/secret-id/lookup', { secret_id: creds.secret_id })).status, 204);
      assert.equal((await approle.root('LIST', 'role/short-lived/secret-id')).status, 404);
    });

    it('refuses a role whose policies include root', async () => {
      await approle.writeRole('would-be-root', { token_policies: 'root' });
      const creds = await approle.credentials('would-be-root');
      assertErrorAnswer(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 400, /cannot create root tokens/);
    });
  });

  describe('secret ID use counts', () => {
    it('allows exactly num_uses logins, counting down in lookup, then deletes the secret ID', async () => {
      await approle.writeRole('counted');
      const creds = await approle.credentials('counted', { num_uses: 2 });
      expectLogin(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 'first use');
      const lookup = await approle.root('POST', 'role/counted/secret-id/lookup', { secret_id: creds.secret_id });
      assert.equal(lookup.body.data!.secret_id_num_uses, 1);
      expectLogin(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 'second use');
      assertErrorAnswer(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 400, INVALID_CREDENTIALS);
      assert.equal((await approle.root('POST', 'role/counted/secret-id/lookup', { secret_id: creds.secret_id })).status, 204);
      assertErrorAnswer(await approle.root('POST', 'role/counted/secret-id-accessor/lookup', { secret_id_accessor: creds.accessor }), 404, /failed to find accessor/);
    });

    it('lets exactly one login through per single-use secret ID, with 10 racing for each of 20 secret IDs', async () => {
      await approle.writeRole('single-use');
      const roleId = await approle.roleId('single-use');
      const secrets = await times(20, async () => (await approle.newSecretId('single-use', { num_uses: 1 })).secret_id);
      const results = await Promise.all(secrets.flatMap((secretId) => Array.from({ length: 10 }, () => approle.login({ role_id: roleId, secret_id: secretId }))));
      for (let i = 0; i < secrets.length; i++) {
        const raced = results.slice(i * 10, i * 10 + 10);
        const succeeded = raced.filter((r) => r.status === 200);
        assert.equal(succeeded.length, 1, `secret ID #${i}: ${raced.map((r) => `${r.status} ${r.text}`).join('\n')}`);
        for (const refused of raced.filter((r) => r.status !== 200)) assertErrorAnswer(refused, 400, INVALID_CREDENTIALS);
        assert.equal((await lookupSelf(succeeded[0]!.body.auth!.client_token)).status, 200, 'the one token works');
      }
      assert.equal((await approle.root('LIST', 'role/single-use/secret-id')).status, 404, 'every spent secret ID is gone');
    });

    it('lets exactly three of 20 concurrent logins use a three-use secret ID', async () => {
      await approle.writeRole('three-uses');
      const creds = await approle.credentials('three-uses', { num_uses: 3 });
      const results = await times(20, () => approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }));
      assert.equal(results.filter((r) => r.status === 200).length, 3, results.map((r) => `${r.status} ${r.text}`).join('\n'));
      for (const refused of results.filter((r) => r.status !== 200)) assertErrorAnswer(refused, 400, INVALID_CREDENTIALS);
    });

    it("takes the role's secret_id_num_uses as the default", async () => {
      await approle.writeRole('role-default-uses', { secret_id_num_uses: 1 });
      const creds = await approle.credentials('role-default-uses');
      expectLogin(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 'only use');
      assertErrorAnswer(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 400, INVALID_CREDENTIALS);
    });
  });

  describe('CIDR binding', () => {
    it("refuses a secret ID used from outside its cidr_list, without spending its use, and accepts it from inside", async () => {
      await approle.writeRole('secret-cidr');
      const creds = await approle.credentials('secret-cidr', { cidr_list: `${ALLOWED}/32`, num_uses: 1 });
      const outside = await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }, OUTSIDE, closingApi);
      assertErrorAnswer(outside, 400, /source address "127\.0\.0\.2" unauthorized through CIDR restrictions on the secret ID/);
      expectLogin(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }, ALLOWED, closingApi), 'from inside');
    });

    it("refuses a login from outside the role's secret_id_bound_cidrs, without spending the secret ID's use", async () => {
      await approle.writeRole('role-cidr', { secret_id_bound_cidrs: `${ALLOWED}/32` });
      const creds = await approle.credentials('role-cidr', { num_uses: 1 });
      const outside = await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }, OUTSIDE, closingApi);
      assertErrorAnswer(outside, 400, /unauthorized by CIDR restrictions on the role/);
      // Without the right secret ID, the outsider learns nothing about the role.
      const guessing = await approle.login({ role_id: creds.role_id, secret_id: 'guess' }, OUTSIDE, closingApi);
      assertErrorAnswer(guessing, 400, INVALID_CREDENTIALS);
      expectLogin(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }, ALLOWED, closingApi), 'from inside');
      await approle.writeRole('role-cidr-no-secret', { bind_secret_id: false, secret_id_bound_cidrs: `${ALLOWED}/32` });
      const roleId = await approle.roleId('role-cidr-no-secret');
      assertErrorAnswer(await approle.login({ role_id: roleId }, OUTSIDE, closingApi), 400, /unauthorized by CIDR restrictions on the role/);
    });

    it("binds the token to the role's token_bound_cidrs: refused with 403 from elsewhere", async () => {
      await approle.writeRole('token-cidr', { token_bound_cidrs: `${ALLOWED}/32` });
      const creds = await approle.credentials('token-cidr');
      const auth = expectLogin(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }, ALLOWED, closingApi), 'login');
      assert.equal((await lookupSelf(auth.client_token, ALLOWED)).status, 200);
      const outside = await lookupSelf(auth.client_token, OUTSIDE);
      assert.equal(outside.status, 403, outside.text);
    });

    it("lets a secret ID's token_bound_cidrs narrow the role's for the token", async () => {
      await approle.writeRole('narrowed', { token_bound_cidrs: '127.0.0.0/8' });
      const wide = await approle.credentials('narrowed');
      const narrow = await approle.credentials('narrowed', { token_bound_cidrs: `${ALLOWED}/32` });
      const wideToken = expectLogin(await approle.login({ role_id: wide.role_id, secret_id: wide.secret_id }), 'wide').client_token;
      const narrowToken = expectLogin(await approle.login({ role_id: narrow.role_id, secret_id: narrow.secret_id }), 'narrow').client_token;
      assert.equal((await lookupSelf(wideToken, OUTSIDE)).status, 200, 'the role allows all of 127/8');
      assert.equal((await lookupSelf(narrowToken, OUTSIDE)).status, 403, "the secret ID's block overrides the role's");
      assert.equal((await lookupSelf(narrowToken, ALLOWED)).status, 200);
    });
  });
});
