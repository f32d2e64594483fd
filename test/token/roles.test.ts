import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { api, type ApiOptions } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import type { Envelope, TokenLookup } from '../harness/vault-types.js';
import { poll } from '../harness/poll.js';
import { assertNoContent, createToken, writePolicy } from '../sys/fixture.js';

// Token roles over HTTP (https://developer.hashicorp.com/vault/api-docs/auth/token, "Create/Update
// token role" and "Create token" with a role name): what an operator sees when managing roles and
// what a client gets from auth/token/create/<role>.

describe('token roles over HTTP', () => {
  let server: TestServer;
  let root: string;
  /** A caller with no sudo anywhere: it may only create tokens against roles. */
  let roleUser: string;
  let roleCounter = 0;

  const call = <T = Envelope>(method: string, path: string, options: ApiOptions = {}) =>
    api<T>(server.address, method, path, { token: root, ...options });
  const writeRole = async (name: string, body: Record<string, unknown>) =>
    assertNoContent(await call('POST', `auth/token/roles/${name}`, { body }), `write role ${name}`);
  const readRole = (name: string) => call<Envelope>('GET', `auth/token/roles/${name}`);
  /** A fresh role name per test, so tests never see each other's roles. */
  const newRole = async (body: Record<string, unknown>) => {
    const name = `role-${++roleCounter}`;
    await writeRole(name, body);
    return name;
  };
  const createWithRole = (role: string, body: Record<string, unknown> = {}, token = root) =>
    call<Envelope>('POST', `auth/token/create/${role}`, { token, body });
  /** Creates a token against a role and answers its auth block (and the response's warnings). */
  const tokenFromRole = async (role: string, body: Record<string, unknown> = {}, token = root) => {
    const res = await createWithRole(role, body, token);
    assert.equal(res.status, 200, `create against ${role}: ${res.status} ${res.text}`);
    assert.ok(res.body.auth, 'an auth block');
    return { auth: res.body.auth, warnings: res.body.warnings ?? [] };
  };
  const lookupSelf = async (token: string) => {
    const res = await call<Envelope<TokenLookup>>('GET', 'auth/token/lookup-self', { token });
    assert.equal(res.status, 200, res.text);
    return res.body.data!;
  };
  const accessorCount = async () => {
    const res = await call<Envelope<{ keys: string[] }>>('LIST', 'auth/token/accessors');
    assert.equal(res.status, 200, res.text);
    return res.body.data!.keys.length;
  };

  before(async () => {
    server = await startServer();
    root = server.rootToken;
    await writePolicy(
      server.address,
      root,
      'role-user',
      'path "auth/token/create/*" { capabilities = ["update"] }\npath "auth/token/create" { capabilities = ["update"] }',
    );
    ({ token: roleUser } = await createToken(server.address, root, { policies: ['role-user'] }));
  });
  after(async () => {
    await server?.destroy();
  });

  describe('auth/token/roles/:role_name', () => {
    it("reads a role back in Vault's shape, with its defaults", async () => {
      await writeRole('shape', { allowed_policies: 'App,db', orphan: true, path_suffix: 'v2.1', token_num_uses: 3 });
      const res = await readRole('shape');
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.data, {
        allowed_entity_aliases: [],
        allowed_policies: ['app', 'db'],
        allowed_policies_glob: [],
        disallowed_policies: [],
        disallowed_policies_glob: [],
        explicit_max_ttl: 0,
        name: 'shape',
        orphan: true,
        path_suffix: 'v2.1',
        period: 0,
        renewable: true,
        token_explicit_max_ttl: 0,
        token_no_default_policy: false,
        token_num_uses: 3,
        token_period: 0,
        token_type: 'default-service',
      });
    });

    it('shows bound CIDRs, durations and token type as set', async () => {
      const name = await newRole({
        token_bound_cidrs: ['10.0.0.0/8', '127.0.0.1'],
        token_explicit_max_ttl: '2h',
        token_period: 600,
        token_type: 'service',
        allowed_entity_aliases: ['Web-*'],
        disallowed_policies_glob: ['admin-*'],
      });
      const data = (await readRole(name)).body.data!;
      assert.deepEqual(data.token_bound_cidrs, ['10.0.0.0/8', '127.0.0.1']);
      assert.equal(data.token_explicit_max_ttl, 7200);
      assert.equal(data.token_period, 600);
      assert.equal(data.token_type, 'service');
      assert.deepEqual(data.allowed_entity_aliases, ['web-*']);
      assert.deepEqual(data.disallowed_policies_glob, ['admin-*']);
      assert.equal(data.bound_cidrs, undefined);
    });

    it('keeps the deprecated period, explicit_max_ttl and bound_cidrs readable and in force', async () => {
      const name = await newRole({ allowed_policies: ['app'], period: '30m', explicit_max_ttl: '1h', bound_cidrs: '127.0.0.1/32' });
      const data = (await readRole(name)).body.data!;
      assert.equal(data.period, 1800);
      assert.equal(data.token_period, 1800);
      assert.equal(data.explicit_max_ttl, 3600);
      assert.equal(data.token_explicit_max_ttl, 3600);
      assert.deepEqual(data.bound_cidrs, ['127.0.0.1']);
      assert.deepEqual(data.token_bound_cidrs, ['127.0.0.1']);
      const { auth } = await tokenFromRole(name);
      assert.equal(auth.lease_duration, 1800);
    });

    it('warns and ignores a deprecated field sent with its token_ name', async () => {
      const res = await call<Envelope>('POST', 'auth/token/roles/both-periods', { body: { token_period: 60, period: 120 } });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.warnings, ["Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value"]);
      const data = (await readRole('both-periods')).body.data!;
      assert.equal(data.token_period, 60);
      assert.equal(data.period, 0);
    });

    it('changes only the fields an update sends', async () => {
      const name = await newRole({ allowed_policies: ['app'], orphan: true, renewable: false, token_num_uses: 4 });
      await writeRole(name, { path_suffix: 'next' });
      const data = (await readRole(name)).body.data!;
      assert.deepEqual(data.allowed_policies, ['app']);
      assert.equal(data.orphan, true);
      assert.equal(data.renewable, false);
      assert.equal(data.token_num_uses, 4);
      assert.equal(data.path_suffix, 'next');
    });

    it('answers 404 for a role that does not exist, and after a delete', async () => {
      const name = await newRole({ allowed_policies: ['app'] });
      assert.equal((await readRole(name)).status, 200);
      assertNoContent(await call('DELETE', `auth/token/roles/${name}`), 'delete role');
      assert.equal((await readRole(name)).status, 404);
      assert.equal((await readRole('never-written')).status, 404);
    });

    it('lists role names with LIST and with ?list=true', async () => {
      await writeRole('listed-a', {});
      await writeRole('listed-b', {});
      for (const res of [await call<Envelope<{ keys: string[] }>>('LIST', 'auth/token/roles'), await call<Envelope<{ keys: string[] }>>('GET', 'auth/token/roles?list=true')]) {
        assert.equal(res.status, 200, res.text);
        const keys = res.body.data!.keys;
        assert.ok(keys.includes('listed-a') && keys.includes('listed-b'), res.text);
        assert.deepEqual(keys, [...keys].sort());
      }
    });

    it('refuses bad input with 400 and leaves the role as it was', async () => {
      const name = await newRole({ allowed_policies: ['app'], token_bound_cidrs: ['127.0.0.1/32'], path_suffix: 'v1.0' });
      const before = (await readRole(name)).body.data;
      const bad: [Record<string, unknown>, RegExp][] = [
        [{ allowed_policies: ['other'], token_bound_cidrs: ['127.0.0.1/33'] }, /invalid CIDR block "127\.0\.0\.1\/33" in token_bound_cidrs/],
        [{ allowed_policies: ['other'], bound_cidrs: 'not-an-address' }, /invalid CIDR block "not-an-address" in bound_cidrs/],
        [{ allowed_policies: ['other'], token_num_uses: -1 }, /'token_num_uses' cannot be negative/],
        [{ allowed_policies: ['other'], token_type: 'batch' }, /batch tokens are not supported/],
        [{ allowed_policies: ['other'], token_type: 'fancy' }, /invalid 'token_type' value "fancy"/],
        [{ allowed_policies: ['other'], path_suffix: 'a b' }, /path suffix contains invalid characters/],
        [{ allowed_policies: ['other'], path_suffix: 'abc/../xyz' }, /path suffix contains invalid characters|parent references/],
        [{ allowed_policies: ['other'], token_period: '-5m' }, /token_period/],
        [{ allowed_policies: ['other'], orphan: 'perhaps' }, /orphan/],
      ];
      for (const [body, message] of bad) {
        assertErrorAnswer(await call('POST', `auth/token/roles/${name}`, { body }), 400, message);
      }
      assert.deepEqual((await readRole(name)).body.data, before);
    });

    it('does not create a role when the input is bad', async () => {
      assertErrorAnswer(await call('POST', 'auth/token/roles/never-made', { body: { token_bound_cidrs: ['300.0.0.0/8'] } }), 400, /invalid CIDR block/);
      assert.equal((await readRole('never-made')).status, 404);
    });
  });

  describe('auth/token/create/:role_name', () => {
    it("gives the role's allowed policies and default when none are asked for", async () => {
      const name = await newRole({ allowed_policies: ['app', 'db'] });
      const { auth } = await tokenFromRole(name);
      assert.deepEqual(auth.policies, ['app', 'db', 'default']);
      assert.deepEqual(auth.token_policies, ['app', 'db', 'default']);
    });

    it("lets a caller without those policies and without sudo create a token with the role's", async () => {
      const name = await newRole({ allowed_policies: ['app', 'db'] });
      const { auth } = await tokenFromRole(name, { policies: ['db'] }, roleUser);
      assert.deepEqual(auth.policies, ['db', 'default']);
      assert.equal(auth.orphan, false);
    });

    it("refuses policies outside the role's allowed ones with Vault's message, and creates nothing", async () => {
      const name = await newRole({ allowed_policies: ['app', 'db'] });
      const tokens = await accessorCount();
      assertErrorAnswer(
        await createWithRole(name, { policies: ['app', 'admin'] }),
        400,
        /^token policies \(\["admin" "app" "default"\]\) must be subset of the role's allowed policies \(\["app" "db" "default"\]\) or glob policies \(\[\]\)$/,
      );
      assert.equal(await accessorCount(), tokens);
    });

    it("refuses a disallowed policy with Vault's message", async () => {
      const name = await newRole({ disallowed_policies: ['admin'] });
      assertErrorAnswer(await createWithRole(name, { policies: ['app', 'admin'] }), 400, /^token policy "admin" is disallowed by this role$/);
    });

    it('refuses allowed policies that the role also disallows, as Vault does', async () => {
      const name = await newRole({ allowed_policies: ['app', 'admin'], disallowed_policies: ['admin'] });
      assertErrorAnswer(await createWithRole(name), 400, /^token policy "admin" is disallowed by this role$/);
    });

    it('leaves default out when the role disallows it', async () => {
      const name = await newRole({ allowed_policies: ['app'], disallowed_policies: ['default'] });
      assert.deepEqual((await tokenFromRole(name)).auth.policies, ['app']);
    });

    it('leaves default out when the role says token_no_default_policy', async () => {
      const name = await newRole({ allowed_policies: ['app'], token_no_default_policy: true });
      assert.deepEqual((await tokenFromRole(name)).auth.policies, ['app']);
    });

    it('matches allowed and disallowed policies by glob', async () => {
      const name = await newRole({ allowed_policies_glob: ['team-*'], disallowed_policies_glob: ['*-admin'] });
      assert.deepEqual((await tokenFromRole(name, { policies: ['team-web', 'team-db'] }, roleUser)).auth.policies, ['default', 'team-db', 'team-web']);
      assertErrorAnswer(await createWithRole(name, { policies: ['team-admin'] }), 400, /^token policy "team-admin" is disallowed by this role$/);
      assertErrorAnswer(await createWithRole(name, { policies: ['ops'] }), 400, /glob policies \(\["team-\*"\]\)/);
    });

    it("keeps a role without policy rules to the parent's policies", async () => {
      const name = await newRole({ orphan: false });
      assertErrorAnswer(await createWithRole(name, { policies: ['admin'] }, roleUser), 400, /^child policies must be subset of parent$/);
      assert.deepEqual((await tokenFromRole(name, {}, roleUser)).auth.policies, ['default', 'role-user']);
    });

    it('makes orphans for an orphan role, even for a caller without sudo', async () => {
      const name = await newRole({ orphan: true });
      const { auth } = await tokenFromRole(name, {}, roleUser);
      assert.equal(auth.orphan, true);
      assert.equal((await lookupSelf(auth.client_token)).orphan, true);
      // Without the role the same caller may not make orphans.
      assertErrorAnswer(await call('POST', 'auth/token/create', { token: roleUser, body: { no_parent: true } }), 400, /^root or sudo privileges required to create orphan token$/);
    });

    it('ignores no_parent on a role that does not make orphans', async () => {
      const name = await newRole({ allowed_policies: ['app'] });
      assert.equal((await tokenFromRole(name, { no_parent: true }, roleUser)).auth.orphan, false);
    });

    it('gives a periodic role token its period as TTL, and renewing brings it back to the period', async () => {
      const name = await newRole({ allowed_policies: ['app'], token_period: '1h' });
      const { auth } = await tokenFromRole(name, { ttl: '5m' });
      assert.equal(auth.lease_duration, 3600);
      assert.equal(auth.renewable, true);
      const looked = await lookupSelf(auth.client_token);
      assert.equal(looked.period, 3600);
      // Two seconds gone, so a renewal that resets to the period is told apart from a TTL just floored.
      await poll('the TTL runs down', async () => (await lookupSelf(auth.client_token)).ttl <= 3597, { intervalMs: 50 });
      const renewed = await call<Envelope>('POST', 'auth/token/renew-self', { token: auth.client_token, body: { increment: '10m' } });
      assert.equal(renewed.status, 200, renewed.text);
      assert.equal(renewed.body.auth!.lease_duration, 3600);
      assert.ok((await lookupSelf(auth.client_token)).ttl >= 3599);
    });

    it("uses the lesser of the role's and the request's period", async () => {
      const name = await newRole({ allowed_policies: ['app'], token_period: '1h' });
      const { auth, warnings } = await tokenFromRole(name, { period: '10m' });
      assert.equal(auth.lease_duration, 600);
      assert.ok(warnings.includes('Period specified both during creation call and in role; using the lesser value of 600 seconds'), String(warnings));
    });

    it("caps the TTL at the role's explicit max TTL, and renewals too", async () => {
      const name = await newRole({ allowed_policies: ['app'], token_explicit_max_ttl: 120 });
      const { auth, warnings } = await tokenFromRole(name, { ttl: '1h' });
      assert.ok(auth.lease_duration <= 120 && auth.lease_duration >= 119, String(auth.lease_duration));
      assert.ok(warnings.some((w) => /exceeded the effective max_ttl/.test(w)), String(warnings));
      const renewed = await call<Envelope>('POST', 'auth/token/renew-self', { token: auth.client_token, body: { increment: '1h' } });
      assert.equal(renewed.status, 200, renewed.text);
      assert.ok(renewed.body.auth!.lease_duration <= 120, renewed.text);
    });

    it("uses the lesser of the role's and the request's explicit max TTL, with Vault's warning", async () => {
      const name = await newRole({ allowed_policies: ['app'], token_explicit_max_ttl: '1h' });
      const { auth, warnings } = await tokenFromRole(name, { explicit_max_ttl: '90s' });
      assert.ok(auth.lease_duration <= 90 && auth.lease_duration >= 89, String(auth.lease_duration));
      assert.ok(
        warnings.includes('Explicit max TTL specified both during creation call and in role; using the lesser value of 90 seconds'),
        String(warnings),
      );
    });

    it("follows the role's current limits on renewal, and refuses once the role is gone", async () => {
      const name = await newRole({ allowed_policies: ['app'], token_period: '1h' });
      const { auth } = await tokenFromRole(name);
      await writeRole(name, { token_period: '20m' });
      const renewed = await call<Envelope>('POST', 'auth/token/renew-self', { token: auth.client_token });
      assert.equal(renewed.body.auth!.lease_duration, 1200, renewed.text);
      assertNoContent(await call('DELETE', `auth/token/roles/${name}`), 'delete role');
      assertErrorAnswer(
        await call('POST', 'auth/token/renew-self', { token: auth.client_token }),
        400,
        new RegExp(`^original token role "${name}" could not be found, not renewing$`),
      );
    });

    it('makes tokens that cannot be renewed when the role says renewable=false', async () => {
      const name = await newRole({ allowed_policies: ['app'], renewable: false });
      const { auth } = await tokenFromRole(name);
      assert.equal(auth.renewable, false);
      assertErrorAnswer(await call('POST', 'auth/token/renew-self', { token: auth.client_token }), 400, /lease is not renewable/);
    });

    it("limits uses to the role's token_num_uses, whichever is lower", async () => {
      const name = await newRole({ allowed_policies: ['app'], token_num_uses: 2 });
      assert.equal((await tokenFromRole(name)).auth.num_uses, 2);
      assert.equal((await tokenFromRole(name, { num_uses: 5 })).auth.num_uses, 2);
      assert.equal((await tokenFromRole(name, { num_uses: 1 })).auth.num_uses, 1);
      const { auth } = await tokenFromRole(name);
      for (let use = 0; use < 2; use++) {
        assert.equal((await call('GET', 'auth/token/lookup-self', { token: auth.client_token })).status, 200);
      }
      assertErrorAnswer(await call('GET', 'auth/token/lookup-self', { token: auth.client_token }), 403);
    });

    it('records the role in the token path and lookup, with the path suffix', async () => {
      const plain = await newRole({ allowed_policies: ['app'] });
      const looked = await lookupSelf((await tokenFromRole(plain)).auth.client_token);
      assert.equal(looked.path, `auth/token/create/${plain}`);
      assert.equal(looked.role, plain);
      const suffixed = await newRole({ allowed_policies: ['app'], path_suffix: 'v2.0' });
      assert.equal((await lookupSelf((await tokenFromRole(suffixed)).auth.client_token)).path, `auth/token/create/${suffixed}/v2.0`);
    });

    it('names tokens with the display name asked for', async () => {
      const name = await newRole({ allowed_policies: ['app'] });
      const { auth } = await tokenFromRole(name, { display_name: 'ci job', meta: { team: 'web' } });
      assert.deepEqual(auth.metadata, { team: 'web' });
      const res = await call<Envelope<{ display_name: string }>>('GET', 'auth/token/lookup-self', { token: auth.client_token });
      assert.equal(res.body.data!.display_name, 'token-ci-job');
    });

    it('ties a token to the entity of an allowed entity alias; the same alias shares the entity', async () => {
      const name = await newRole({ allowed_policies: ['app'], allowed_entity_aliases: ['svc-*', 'exact'] });
      const first = (await tokenFromRole(name, { entity_alias: 'svc-billing' }, roleUser)).auth;
      assert.match(first.entity_id, /^[0-9a-f-]{36}$/);
      const second = (await tokenFromRole(name, { entity_alias: 'svc-billing' })).auth;
      assert.equal(second.entity_id, first.entity_id);
      assert.equal((await lookupSelf(second.client_token)).entity_id, first.entity_id);
      const other = (await tokenFromRole(name, { entity_alias: 'EXACT' })).auth;
      assert.notEqual(other.entity_id, '');
      assert.notEqual(other.entity_id, first.entity_id);
    });

    it('refuses an entity alias the role does not allow, and any without a role', async () => {
      const name = await newRole({ allowed_policies: ['app'], allowed_entity_aliases: ['svc-*'] });
      assertErrorAnswer(await createWithRole(name, { entity_alias: 'intruder' }), 400, /^invalid 'entity_alias' value$/);
      const noAliases = await newRole({ allowed_policies: ['app'] });
      assertErrorAnswer(await createWithRole(noAliases, { entity_alias: 'svc-a' }), 400, /^invalid 'entity_alias' value$/);
      assertErrorAnswer(await call('POST', 'auth/token/create', { body: { entity_alias: 'svc-a' } }), 400, /^'entity_alias' is only allowed in combination with token role$/);
    });

    it('answers 400 for an unknown role', async () => {
      assertErrorAnswer(await createWithRole('no-such-role'), 400, /^unknown role no-such-role$/);
    });

    it('refuses bad create input with 400 and creates nothing', async () => {
      const name = await newRole({ allowed_policies: ['app'] });
      const tokens = await accessorCount();
      assertErrorAnswer(await createWithRole(name, { num_uses: -1 }), 400, /number of uses cannot be negative/);
      assertErrorAnswer(await createWithRole(name, { ttl: 'soon' }), 400, /ttl/);
      assertErrorAnswer(await createWithRole(name, { type: 'batch' }), 400, /batch tokens are not supported/);
      assertErrorAnswer(await createWithRole(name, { period: '1h' }, roleUser), 400, /root or sudo privileges required to create periodic token/);
      assertErrorAnswer(await createWithRole(name, { id: 'chosen' }, roleUser), 400, /root or sudo privileges required to specify token id/);
      assert.equal(await accessorCount(), tokens);
    });

    it('lets a caller with sudo on auth/token/create/<role> ask for a period and a token id', async () => {
      await writePolicy(server.address, root, 'role-sudo', 'path "auth/token/create/*" { capabilities = ["update", "sudo"] }');
      const { token } = await createToken(server.address, root, { policies: ['role-sudo'] });
      const name = await newRole({ allowed_policies: ['app'] });
      const { auth } = await tokenFromRole(name, { period: '15m' }, token);
      assert.equal(auth.lease_duration, 900);
      // The same caller has no sudo on plain auth/token/create (nor any grant there).
      assertErrorAnswer(await call('POST', 'auth/token/create', { token, body: { period: '15m' } }), 403);
    });

    it('needs update on auth/token/create/<role> in the ACL', async () => {
      const { token } = await createToken(server.address, root, { policies: ['default'] });
      const name = await newRole({ allowed_policies: ['app'] });
      assertErrorAnswer(await createWithRole(name, {}, token), 403);
    });

    it('wraps the token when X-Vault-Wrap-TTL asks, and unwrapping gives the role token', async () => {
      const name = await newRole({ allowed_policies: ['app'], token_period: '30m' });
      const wrapped = await call<Envelope>('POST', `auth/token/create/${name}`, { headers: { 'X-Vault-Wrap-TTL': '5m' }, body: {} });
      assert.equal(wrapped.status, 200, wrapped.text);
      assert.equal(wrapped.body.auth, null);
      assert.ok(wrapped.body.wrap_info, wrapped.text);
      assert.equal(wrapped.body.wrap_info.creation_path, `auth/token/create/${name}`);
      const unwrapped = await call<Envelope>('POST', 'sys/wrapping/unwrap', { token: wrapped.body.wrap_info.token });
      assert.equal(unwrapped.status, 200, unwrapped.text);
      const auth = unwrapped.body.auth!;
      assert.equal(auth.accessor, wrapped.body.wrap_info.wrapped_accessor);
      assert.deepEqual(auth.policies, ['app', 'default']);
      assert.equal(auth.lease_duration, 1800);
      const looked = await lookupSelf(auth.client_token);
      assert.equal(looked.path, `auth/token/create/${name}`);
      assert.equal(looked.role, name);
    });
  });
});
