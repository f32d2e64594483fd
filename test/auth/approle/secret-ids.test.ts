import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../../harness/errors.js';
import { poll } from '../../harness/poll.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { Approle, expectLogin, INVALID_CREDENTIALS, type SecretIdAnswer } from './fixture.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

describe('AppRole secret IDs', () => {
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

  it("generates a secret ID with Vault's answer: secret_id, secret_id_accessor, secret_id_ttl, secret_id_num_uses", async () => {
    await approle.writeRole('gen', { secret_id_ttl: '10m', secret_id_num_uses: 40 });
    const res = await approle.root<SecretIdAnswer>('POST', 'role/gen/secret-id', {});
    assert.equal(res.status, 200, res.text);
    const data = res.body.data!;
    assert.deepEqual(Object.keys(data).sort(), ['secret_id', 'secret_id_accessor', 'secret_id_num_uses', 'secret_id_ttl']);
    assert.match(data.secret_id, UUID);
    assert.match(data.secret_id_accessor, UUID);
    assert.notEqual(data.secret_id, data.secret_id_accessor);
    assert.equal(data.secret_id_ttl, 600);
    assert.equal(data.secret_id_num_uses, 40);
  });

  it('lets a request lower the role\'s secret_id_ttl and secret_id_num_uses, never raise them', async () => {
    await approle.writeRole('limits', { secret_id_ttl: 600, secret_id_num_uses: 10 });
    const lower = await approle.newSecretId('limits', { ttl: '5m', num_uses: 3 });
    assert.equal(lower.secret_id_ttl, 300);
    assert.equal(lower.secret_id_num_uses, 3);
    assertErrorAnswer(await approle.root('POST', 'role/limits/secret-id', { ttl: '1h' }), 400, /ttl cannot be longer/);
    assertErrorAnswer(await approle.root('POST', 'role/limits/secret-id', { ttl: 0 }), 400, /ttl cannot be longer/);
    assertErrorAnswer(await approle.root('POST', 'role/limits/secret-id', { num_uses: 11 }), 400, /num_uses cannot be higher/);
    assertErrorAnswer(await approle.root('POST', 'role/limits/secret-id', { num_uses: 0 }), 400, /num_uses cannot be higher/);
  });

  it('looks a secret ID up by the secret and by its accessor, with the same properties and never the secret', async () => {
    await approle.writeRole('lookup', { token_bound_cidrs: '127.0.0.0/8' });
    const generated = await approle.newSecretId('lookup', {
      metadata: JSON.stringify({ team: 'payments', env: 'prod' }),
      cidr_list: '127.0.0.1/32',
      token_bound_cidrs: ['127.0.0.1'],
      ttl: 120,
      num_uses: 4,
    });
    const bySecret = await approle.root('POST', 'role/lookup/secret-id/lookup', { secret_id: generated.secret_id });
    assert.equal(bySecret.status, 200, bySecret.text);
    const data = bySecret.body.data!;
    assert.deepEqual(Object.keys(data).sort(), [
      'cidr_list', 'creation_time', 'expiration_time', 'last_updated_time', 'metadata',
      'secret_id_accessor', 'secret_id_num_uses', 'secret_id_ttl', 'token_bound_cidrs',
    ]);
    assert.deepEqual(data.cidr_list, ['127.0.0.1/32']);
    assert.deepEqual(data.token_bound_cidrs, ['127.0.0.1/32']);
    assert.deepEqual(data.metadata, { team: 'payments', env: 'prod' });
    assert.equal(data.secret_id_accessor, generated.secret_id_accessor);
    assert.equal(data.secret_id_num_uses, 4);
    assert.equal(data.secret_id_ttl, 120);
    assert.match(String(data.creation_time), RFC3339);
    assert.match(String(data.last_updated_time), RFC3339);
    assert.equal(Date.parse(String(data.expiration_time)) - Date.parse(String(data.creation_time)), 120_000);
    assert.ok(!bySecret.text.includes(generated.secret_id), 'the lookup answer must not contain the secret');

    const byAccessor = await approle.root('POST', 'role/lookup/secret-id-accessor/lookup', { secret_id_accessor: generated.secret_id_accessor });
    assert.equal(byAccessor.status, 200, byAccessor.text);
    assert.deepEqual(byAccessor.body.data, data);
    assert.ok(!byAccessor.text.includes(generated.secret_id));
  });

  it("answers Go's zero time as expiration_time for a secret ID without a TTL", async () => {
    await approle.writeRole('forever');
    const generated = await approle.newSecretId('forever');
    const res = await approle.root('POST', 'role/forever/secret-id/lookup', { secret_id: generated.secret_id });
    assert.equal(res.body.data!.expiration_time, GO_ZERO_TIME);
    assert.deepEqual(res.body.data!.metadata, {});
    assert.deepEqual(res.body.data!.cidr_list, []);
  });

  it('lists the accessors of a role\'s secret IDs with LIST', async () => {
    await approle.writeRole('listing');
    const empty = await approle.root('LIST', 'role/listing/secret-id');
    assert.equal(empty.status, 404, empty.text);
    const a = await approle.newSecretId('listing');
    const b = await approle.newSecretId('listing');
    const res = await approle.root<{ keys: string[] }>('LIST', 'role/listing/secret-id');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data!.keys, [a.secret_id_accessor, b.secret_id_accessor].sort());
    assert.ok(!res.text.includes(a.secret_id) && !res.text.includes(b.secret_id));
  });

  it('destroys a secret ID by the secret: lookup answers nothing and login fails', async () => {
    await approle.writeRole('destroy');
    const creds = await approle.credentials('destroy');
    const res = await approle.root('POST', 'role/destroy/secret-id/destroy', { secret_id: creds.secret_id });
    assert.equal(res.status, 204, res.text);
    assert.equal((await approle.root('POST', 'role/destroy/secret-id/lookup', { secret_id: creds.secret_id })).status, 204);
    assertErrorAnswer(await approle.root('POST', 'role/destroy/secret-id-accessor/lookup', { secret_id_accessor: creds.accessor }), 404, /failed to find accessor/);
    assertErrorAnswer(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 400, INVALID_CREDENTIALS);
  });

  it('destroys a secret ID by its accessor: login fails and LIST no longer shows it', async () => {
    await approle.writeRole('destroy-acc');
    const creds = await approle.credentials('destroy-acc');
    const keep = await approle.newSecretId('destroy-acc');
    const res = await approle.root('POST', 'role/destroy-acc/secret-id-accessor/destroy', { secret_id_accessor: creds.accessor });
    assert.equal(res.status, 204, res.text);
    assertErrorAnswer(await approle.login({ role_id: creds.role_id, secret_id: creds.secret_id }), 400, INVALID_CREDENTIALS);
    const list = await approle.root<{ keys: string[] }>('LIST', 'role/destroy-acc/secret-id');
    assert.deepEqual(list.body.data!.keys, [keep.secret_id_accessor]);
    assertErrorAnswer(await approle.root('POST', 'role/destroy-acc/secret-id-accessor/destroy', { secret_id_accessor: creds.accessor }), 404, /failed to find accessor/);
  });

  it("does not let one role's secret IDs be looked up or destroyed through another role", async () => {
    await approle.writeRole('mine');
    await approle.writeRole('theirs');
    const mine = await approle.credentials('mine');
    assert.equal((await approle.root('POST', 'role/theirs/secret-id/lookup', { secret_id: mine.secret_id })).status, 204);
    assertErrorAnswer(await approle.root('POST', 'role/theirs/secret-id-accessor/destroy', { secret_id_accessor: mine.accessor }), 404, /failed to find accessor/);
    expectLogin(await approle.login({ role_id: mine.role_id, secret_id: mine.secret_id }), 'still valid for its own role');
  });

  it('registers a custom secret ID that logs in, and refuses it a second time', async () => {
    await approle.writeRole('pushed', { secret_id_num_uses: 5 });
    const res = await approle.root<SecretIdAnswer>('POST', 'role/pushed/custom-secret-id', { secret_id: 'push-model-secret', num_uses: 2 });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data!.secret_id, 'push-model-secret');
    assert.match(res.body.data!.secret_id_accessor, UUID);
    assert.equal(res.body.data!.secret_id_num_uses, 2);
    assertErrorAnswer(await approle.root('POST', 'role/pushed/custom-secret-id', { secret_id: 'push-model-secret' }), 400, /already registered/);
    expectLogin(await approle.login({ role_id: await approle.roleId('pushed'), secret_id: 'push-model-secret' }), 'custom secret id');
    assertErrorAnswer(await approle.root('POST', 'role/pushed/custom-secret-id', {}), 400, /missing secret_id/);
  });

  it('refuses secret IDs for a role that does not bind them, or does not exist', async () => {
    await approle.writeRole('no-bind', { bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.0/8' });
    assertErrorAnswer(await approle.root('POST', 'role/no-bind/secret-id', {}), 400, /bind_secret_id is not set/);
    assertErrorAnswer(await approle.root('POST', 'role/ghost/secret-id', {}), 400, /does not exist/);
    assertErrorAnswer(await approle.root('LIST', 'role/ghost/secret-id'), 400, /does not exist/);
  });

  describe('bad input is a 400 that registers nothing', () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['a malformed cidr_list', { cidr_list: '300.0.0.1/32' }, /invalid CIDR block/],
      ['a cidr_list outside the role\'s secret_id_bound_cidrs', { cidr_list: '10.1.0.0/16' }, /subset/],
      ['a cidr_list wider than the role\'s block', { cidr_list: '127.0.0.0/7' }, /subset/],
      ['token_bound_cidrs outside the role\'s', { token_bound_cidrs: '192.168.1.1' }, /subset/],
      ['a negative num_uses', { num_uses: -1 }, /cannot be negative/],
      ['a negative ttl', { ttl: -30 }, /ttl/],
      ['a ttl that is not a duration', { ttl: 'tomorrow' }, /ttl/],
      ['metadata that is not JSON', { metadata: '{not json' }, /failed to parse metadata/],
      ['metadata with a non-string value', { metadata: '{"n": 1}' }, /failed to parse metadata/],
      ['metadata that is a JSON list', { metadata: '["a"]' }, /failed to parse metadata/],
      ['num_uses of the wrong type', { num_uses: [1] }, /num_uses/],
    ];
    before(async () => {
      await approle.writeRole('strict', { secret_id_bound_cidrs: '127.0.0.0/8', token_bound_cidrs: '127.0.0.0/8' });
    });
    for (const [what, body, message] of cases) {
      it(`refuses ${what}`, async () => {
        assertErrorAnswer(await approle.root('POST', 'role/strict/secret-id', body), 400, message);
        assertErrorAnswer(await approle.root('POST', 'role/strict/custom-secret-id', { ...body, secret_id: 'never-registered' }), 400, message);
        assert.equal((await approle.root('LIST', 'role/strict/secret-id')).status, 404, 'no secret ID was registered');
      });
    }

    it('accepts a subset of the role\'s blocks', async () => {
      const ok = await approle.newSecretId('strict', { cidr_list: '127.0.0.1/32,127.0.1.0/24', token_bound_cidrs: '127.0.0.1' });
      const lookup = await approle.root('POST', 'role/strict/secret-id/lookup', { secret_id: ok.secret_id });
      assert.deepEqual(lookup.body.data!.cidr_list, ['127.0.0.1/32', '127.0.1.0/24']);
      await approle.root('POST', 'role/strict/secret-id/destroy', { secret_id: ok.secret_id });
    });
  });

  it('tidy/secret-id removes expired secret IDs and keeps live ones', async () => {
    await approle.writeRole('tidy');
    const shortLived = await approle.newSecretId('tidy', { ttl: 1 });
    const live = await approle.newSecretId('tidy');
    let keys: string[] = [];
    await poll(
      'tidy removes the expired secret ID',
      async () => {
        const res = await approle.root('POST', 'tidy/secret-id');
        assert.equal(res.status, 202, res.text);
        assert.ok(res.body.warnings?.some((w) => /Tidy operation/.test(w)), res.text);
        keys = (await approle.root<{ keys: string[] }>('LIST', 'role/tidy/secret-id')).body.data?.keys ?? [];
        return !keys.includes(shortLived.secret_id_accessor);
      },
      { intervalMs: 100 },
    );
    assert.deepEqual(keys, [live.secret_id_accessor]);
  });
});
