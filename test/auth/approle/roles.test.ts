import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../../harness/errors.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { Approle, expectLogin, INVALID_CREDENTIALS } from './fixture.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('AppRole roles', () => {
  let server: TestServer;
  let approle: Approle;

  before(async () => {
    server = await startServer();
    approle = new Approle(server.address, server.rootToken);
    await approle.enable();
  });
  after(async () => {
    await server?.destroy();
  });

  it("reads a new role back with Vault's defaults and every field's key", async () => {
    const res = await approle.root('POST', 'role/defaults', {});
    assert.equal(res.status, 204, res.text);
    assert.deepEqual(await approle.readRole('defaults'), {
      bind_secret_id: true,
      local_secret_ids: false,
      secret_id_bound_cidrs: [],
      secret_id_num_uses: 0,
      secret_id_ttl: 0,
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 0,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: [],
      token_ttl: 0,
      token_type: 'default',
    });
  });

  it('stores every field as sent: durations in seconds, lists canonical, policies sorted', async () => {
    await approle.writeRole('full', {
      bind_secret_id: true,
      secret_id_bound_cidrs: '10.0.0.0/8, 127.0.0.1',
      secret_id_num_uses: 5,
      secret_id_ttl: '10m',
      token_ttl: '20m',
      token_max_ttl: 3600,
      token_explicit_max_ttl: '2h',
      token_period: '0',
      token_policies: ['Web', 'db'],
      token_bound_cidrs: ['192.168.0.0/16'],
      token_no_default_policy: true,
      token_num_uses: 7,
      token_type: 'service',
    });
    assert.deepEqual(await approle.readRole('full'), {
      bind_secret_id: true,
      local_secret_ids: false,
      secret_id_bound_cidrs: ['10.0.0.0/8', '127.0.0.1/32'],
      secret_id_num_uses: 5,
      secret_id_ttl: 600,
      token_bound_cidrs: ['192.168.0.0/16'],
      token_explicit_max_ttl: 7200,
      token_max_ttl: 3600,
      token_no_default_policy: true,
      token_num_uses: 7,
      token_period: 0,
      token_policies: ['db', 'web'],
      token_ttl: 1200,
      token_type: 'service',
    });
  });

  it('changes only the fields an update sends', async () => {
    await approle.writeRole('partial', { token_ttl: 300, token_policies: 'a,b', secret_id_num_uses: 2 });
    await approle.writeRole('partial', { token_ttl: 600 });
    const role = await approle.readRole('partial');
    assert.equal(role.token_ttl, 600);
    assert.deepEqual(role.token_policies, ['a', 'b']);
    assert.equal(role.secret_id_num_uses, 2);
  });

  it('accepts the deprecated "policies" and "period" and answers them back, as Vault does', async () => {
    await approle.writeRole('legacy', { policies: 'alpha,beta', period: '1h' });
    const role = await approle.readRole('legacy');
    assert.deepEqual(role.token_policies, ['alpha', 'beta']);
    assert.deepEqual(role.policies, ['alpha', 'beta']);
    assert.equal(role.token_period, 3600);
    assert.equal(role.period, 3600);
  });

  it('takes no deprecated name AppRole never had: "ttl" is ignored like any unknown field', async () => {
    await approle.writeRole('no-old-ttl', { ttl: '1h' });
    const role = await approle.readRole('no-old-ttl');
    assert.equal(role.token_ttl, 0);
    assert.equal(role.ttl, undefined);
  });

  it('answers token_type "default-service" as written, as Vault does', async () => {
    await approle.writeRole('default-service', { token_type: 'default-service' });
    assert.equal((await approle.readRole('default-service')).token_type, 'default-service');
  });

  it('treats role names case-insensitively and lists them lower-cased', async () => {
    await approle.writeRole('MixedCase', { token_ttl: 60 });
    assert.equal((await approle.readRole('mixedcase')).token_ttl, 60);
    await approle.writeRole('MIXEDCASE', { token_ttl: 120 });
    assert.equal((await approle.readRole('MixedCase')).token_ttl, 120);
    const list = await approle.root<{ keys: string[] }>('LIST', 'role');
    assert.equal(list.status, 200, list.text);
    assert.ok(list.body.data!.keys.includes('mixedcase'), list.text);
    assert.ok(!list.body.data!.keys.includes('MixedCase'), list.text);
    assert.equal(await approle.roleId('MIXEDcase'), await approle.roleId('mixedcase'));
  });

  it('lists roles with LIST and with GET ?list=true', async () => {
    await approle.writeRole('listed-one');
    const viaList = await approle.root<{ keys: string[] }>('LIST', 'role');
    const viaGet = await approle.root<{ keys: string[] }>('GET', 'role?list=true');
    assert.equal(viaList.status, 200, viaList.text);
    assert.deepEqual(viaGet.body.data, viaList.body.data);
    assert.ok(viaList.body.data!.keys.includes('listed-one'));
  });

  it('answers 404 for a role that does not exist', async () => {
    const res = await approle.root('GET', 'role/never-written');
    assert.equal(res.status, 404, res.text);
    assert.equal((await approle.root('GET', 'role/never-written/role-id')).status, 404);
  });

  it('deletes a role: it reads 404, and its role ID and secret IDs no longer log in', async () => {
    await approle.writeRole('doomed');
    const creds = await approle.credentials('doomed');
    expectLogin(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 'before delete');
    assert.equal((await approle.root('DELETE', 'role/doomed')).status, 204);
    assert.equal((await approle.root('GET', 'role/doomed')).status, 404);
    assertErrorAnswer(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 400, INVALID_CREDENTIALS);
  });

  it('does not let a role created again under a deleted name inherit the old secret IDs', async () => {
    await approle.writeRole('reborn');
    const old = await approle.credentials('reborn');
    await approle.root('DELETE', 'role/reborn');
    await approle.writeRole('reborn', { role_id: old.role_id });
    assertErrorAnswer(await approle.login({ role_id: old.role_id, secret_id: old.secret_id }), 400, INVALID_CREDENTIALS);
  });

  it('gives each role a random UUID role ID, readable at role-id', async () => {
    await approle.writeRole('uuid-a');
    await approle.writeRole('uuid-b');
    const a = await approle.roleId('uuid-a');
    const b = await approle.roleId('uuid-b');
    assert.match(a, UUID);
    assert.match(b, UUID);
    assert.notEqual(a, b);
  });

  it('sets a custom role ID: the new one logs in, the old one no longer does', async () => {
    await approle.writeRole('custom-id');
    const old = await approle.credentials('custom-id');
    const set = await approle.root('POST', 'role/custom-id/role-id', { role_id: 'my-custom-role-id' });
    assert.equal(set.status, 204, set.text);
    assert.equal(await approle.roleId('custom-id'), 'my-custom-role-id');
    expectLogin(await approle.login({ role_id: 'my-custom-role-id', secret_id: old.secret_id }), 'custom role id');
    assertErrorAnswer(await approle.login({ role_id: old.role_id, secret_id: old.secret_id }), 400, INVALID_CREDENTIALS);
  });

  it('refuses a role ID that another role already has, and keeps both roles as they were', async () => {
    await approle.writeRole('owner', { role_id: 'taken-role-id' });
    await approle.writeRole('claimant');
    const before = await approle.roleId('claimant');
    assertErrorAnswer(await approle.root('POST', 'role/claimant/role-id', { role_id: 'taken-role-id' }), 400, /role_id already in use/);
    assertErrorAnswer(await approle.root('POST', 'role/claimant', { role_id: 'taken-role-id' }), 400, /role_id already in use/);
    assertErrorAnswer(await approle.root('POST', 'role/newcomer', { role_id: 'taken-role-id' }), 400, /role_id already in use/);
    assert.equal(await approle.roleId('claimant'), before);
    assert.equal(await approle.roleId('owner'), 'taken-role-id');
    assert.equal((await approle.root('GET', 'role/newcomer')).status, 404);
  });

  it('gives a contested role ID to exactly one of many roles racing for it', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `racer-${i}`);
    for (const name of names) await approle.writeRole(name);
    const results = await Promise.all(names.map((name) => approle.root('POST', `role/${name}/role-id`, { role_id: 'raced-role-id' })));
    assert.equal(results.filter((r) => r.status === 204).length, 1, results.map((r) => `${r.status} ${r.text}`).join('\n'));
    for (const r of results.filter((r) => r.status !== 204)) assertErrorAnswer(r, 400, /role_id already in use/);
  });

  it('refuses batch tokens with 400 and accepts "service" and "default"', async () => {
    assertErrorAnswer(await approle.root('POST', 'role/batchy', { token_type: 'batch' }), 400, /batch/);
    assert.equal((await approle.root('GET', 'role/batchy')).status, 404);
    await approle.writeRole('servicey', { token_type: 'service' });
    assert.equal((await approle.readRole('servicey')).token_type, 'service');
    await approle.writeRole('servicey', { token_type: 'default' });
    assert.equal((await approle.readRole('servicey')).token_type, 'default');
    assertErrorAnswer(await approle.root('POST', 'role/servicey', { token_type: 'weird' }), 400, /token_type/);
  });

  it('requires at least one constraint: bind_secret_id, secret_id_bound_cidrs or token_bound_cidrs', async () => {
    assertErrorAnswer(await approle.root('POST', 'role/unbound', { bind_secret_id: false }), 400, /at least one constraint/);
    assert.equal((await approle.root('GET', 'role/unbound')).status, 404);
    await approle.writeRole('cidr-bound', { bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.0/8' });
    await approle.writeRole('token-bound', { bind_secret_id: false, token_bound_cidrs: '127.0.0.0/8' });
    assert.equal((await approle.readRole('cidr-bound')).bind_secret_id, false);
    // Removing the last constraint from an existing role is refused too.
    assertErrorAnswer(await approle.root('POST', 'role/cidr-bound', { secret_id_bound_cidrs: [] }), 400, /at least one constraint/);
    assert.deepEqual((await approle.readRole('cidr-bound')).secret_id_bound_cidrs, ['127.0.0.0/8']);
  });

  it('refuses local_secret_ids on an existing role', async () => {
    await approle.writeRole('local-ids', { local_secret_ids: true });
    assert.equal((await approle.readRole('local-ids')).local_secret_ids, true);
    assertErrorAnswer(await approle.root('POST', 'role/local-ids', { local_secret_ids: false }), 400, /only be modified during role creation/);
  });

  describe('per-field sub-paths', () => {
    it('reads, sets and resets one setting at role/:name/<field>', async () => {
      await approle.writeRole('fields', { token_ttl: 300 });
      const read = await approle.root('GET', 'role/fields/token-ttl');
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body.data, { token_ttl: 300 });
      assert.equal((await approle.root('POST', 'role/fields/token-ttl', { token_ttl: '15m' })).status, 204);
      assert.equal((await approle.readRole('fields')).token_ttl, 900);
      assert.equal((await approle.root('DELETE', 'role/fields/token-ttl')).status, 204);
      assert.equal((await approle.readRole('fields')).token_ttl, 0);
    });

    it('sets policies and period under their old names as well as the token_ ones', async () => {
      await approle.writeRole('field-aliases');
      assert.equal((await approle.root('POST', 'role/field-aliases/policies', { policies: 'one,two' })).status, 204);
      assert.deepEqual((await approle.root('GET', 'role/field-aliases/policies')).body.data, { token_policies: ['one', 'two'], policies: ['one', 'two'] });
      assert.equal((await approle.root('POST', 'role/field-aliases/period', { token_period: '1h' })).status, 204);
      assert.equal((await approle.readRole('field-aliases')).token_period, 3600);
    });

    it('resets bind_secret_id to its default (true) and keeps the constraint rule on every change', async () => {
      await approle.writeRole('field-bind', { bind_secret_id: false, token_bound_cidrs: '127.0.0.0/8' });
      assertErrorAnswer(await approle.root('DELETE', 'role/field-bind/token-bound-cidrs'), 400, /at least one constraint/);
      assert.equal((await approle.root('DELETE', 'role/field-bind/bind-secret-id')).status, 204);
      assert.equal((await approle.readRole('field-bind')).bind_secret_id, true);
    });

    it('refuses bad values and a missing value with 400, a missing role with 404, and local_secret_ids changes with 405', async () => {
      await approle.writeRole('field-bad', { secret_id_num_uses: 3 });
      assertErrorAnswer(await approle.root('POST', 'role/field-bad/secret-id-num-uses', { secret_id_num_uses: -2 }), 400, /cannot be negative/);
      assertErrorAnswer(await approle.root('POST', 'role/field-bad/secret-id-bound-cidrs', { secret_id_bound_cidrs: 'nope' }), 400, /invalid CIDR/);
      assertErrorAnswer(await approle.root('POST', 'role/field-bad/token-max-ttl', {}), 400, /missing token_max_ttl/);
      assert.equal((await approle.readRole('field-bad')).secret_id_num_uses, 3);
      assertErrorAnswer(await approle.root('POST', 'role/no-such-role/token-ttl', { token_ttl: 5 }), 404, /does not exist/);
      assert.equal((await approle.root('GET', 'role/no-such-role/token-ttl')).status, 404);
      assert.equal((await approle.root('POST', 'role/field-bad/local-secret-ids', { local_secret_ids: true })).status, 405);
      assert.deepEqual((await approle.root('GET', 'role/field-bad/local-secret-ids')).body.data, { local_secret_ids: false });
    });
  });

  describe('bad input is a 400 that changes nothing', () => {
    const original = { token_ttl: 300, token_policies: ['keep'], secret_id_bound_cidrs: ['127.0.0.1/32'] };
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['a malformed CIDR block', { secret_id_bound_cidrs: ['10.0.0.0/33'] }, /invalid CIDR block/],
      ['a malformed token CIDR block', { token_bound_cidrs: 'not-an-ip' }, /invalid CIDR block/],
      ['a negative duration', { token_ttl: -5 }, /token_ttl/],
      ['a negative duration string', { secret_id_ttl: '-1m' }, /secret_id_ttl/],
      ['a duration that is not one', { token_max_ttl: 'soon' }, /token_max_ttl/],
      ['a boolean that is not one', { bind_secret_id: 'maybe' }, /bind_secret_id/],
      ['an integer that is not one', { secret_id_num_uses: 'many' }, /secret_id_num_uses/],
      ['a negative secret_id_num_uses', { secret_id_num_uses: -1 }, /cannot be negative/],
      ['a negative token_num_uses', { token_num_uses: -1 }, /cannot be negative/],
      ['policies of the wrong type', { token_policies: { a: 1 } }, /token_policies/],
      ['token_ttl above token_max_ttl', { token_ttl: 600, token_max_ttl: 60 }, /cannot be greater than/],
      ['both policies and token_policies', { policies: 'x', token_policies: 'y' }, /^cannot specify both "token_policies" and "policies"$/],
      ['an empty role_id', { role_id: '' }, /role_id/],
    ];
    for (const [what, body, message] of cases) {
      it(`refuses ${what}`, async () => {
        await approle.writeRole('stable', original);
        const before = await approle.readRole('stable');
        const beforeId = await approle.roleId('stable');
        assertErrorAnswer(await approle.root('POST', 'role/stable', { ...body, token_policies: body.token_policies ?? ['changed'] }), 400, message);
        assert.deepEqual(await approle.readRole('stable'), before);
        assert.equal(await approle.roleId('stable'), beforeId);
      });
    }

    it('refuses an invalid role name', async () => {
      assertErrorAnswer(await approle.root('POST', 'role/bad%20name!', {}), 400, /role_name/);
    });
  });
});
