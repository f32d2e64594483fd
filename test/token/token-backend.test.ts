import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenBackend } from '../../src/core/backends/token/index.js';
import { assertRejects, newStore, TokenApi } from './fixture.js';

/** A store with a root token and the backend over it. */
async function setup(options: ConstructorParameters<typeof TokenApi>[1] = {}) {
  const fixture = newStore();
  const root = await fixture.store.createRoot();
  return { ...fixture, api: new TokenApi(fixture.store, options), root: root.token };
}

/** Creates a token through auth/token/create as `as` and returns its client_token. */
async function createToken(api: TokenApi, as: string, data: Record<string, unknown> = {}): Promise<string> {
  const resp = await api.as(as, 'update', 'create', data);
  assert.ok(resp.auth, 'create answers with an auth block');
  return resp.auth.client_token;
}

describe('auth/token/create', () => {
  it("answers with Vault's auth block", async () => {
    const { api, root, store } = await setup();
    const resp = await api.as(root, 'update', 'create', { policies: ['app', 'db'], meta: { team: 'a' }, ttl: '1h', display_name: 'ci job' });
    assert.ok(resp.auth);
    const entry = await store.lookup(resp.auth.client_token);
    assert.deepEqual(resp.auth, {
      client_token: resp.auth.client_token,
      accessor: entry?.accessor,
      policies: ['app', 'db', 'default'],
      token_policies: ['app', 'db', 'default'],
      metadata: { team: 'a' },
      lease_duration: 3600,
      renewable: true,
      entity_id: '',
      token_type: 'service',
      orphan: false,
      num_uses: 0,
      mfa_requirement: null,
    });
    assert.equal(entry?.displayName, 'token-ci-job');
    assert.equal(entry?.path, 'auth/token/create');
  });

  it("gives a token without policies its parent's", async () => {
    const { api, root, store } = await setup();
    const parent = await createToken(api, root, { policies: ['app', 'db'] });
    const child = await createToken(api, parent);
    assert.deepEqual((await store.lookup(child))?.policies, ['app', 'db', 'default']);
  });

  it("refuses a non-root parent policies outside its own, with Vault's wording", async () => {
    const { api, root } = await setup();
    const parent = await createToken(api, root, { policies: ['app', 'db'] });
    await assertRejects(api.as(parent, 'update', 'create', { policies: ['admin'] }), 400, 'child policies must be subset of parent');
  });

  it('lets a non-root parent create a token with a subset of its policies', async () => {
    const { api, root, store } = await setup();
    const parent = await createToken(api, root, { policies: ['app', 'db'] });
    const child = await createToken(api, parent, { policies: ['db'] });
    assert.deepEqual((await store.lookup(child))?.policies, ['db', 'default']);
  });

  it('lets a sudo caller go beyond its own policies, but never to root', async () => {
    const { api: plain, root } = await setup();
    const sudoer = await createToken(plain, root, { policies: ['ops'] });
    const api = new TokenApi(plain.store, { hasSudo: async (caller) => caller.policies.includes('ops') });
    assert.ok(await createToken(api, sudoer, { policies: ['admin'] }));
    await assertRejects(
      api.as(sudoer, 'update', 'create', { policies: ['root'] }),
      400,
      'root tokens may not be created without parent token being root',
    );
  });

  it('refuses the response-wrapping policy', async () => {
    const { api, root } = await setup();
    await assertRejects(api.as(root, 'update', 'create', { policies: ['response-wrapping'] }), 400, 'cannot assign policy "response-wrapping"');
  });

  it('leaves the default policy out with no_default_policy', async () => {
    const { api, root, store } = await setup();
    const token = await createToken(api, root, { policies: ['app'], no_default_policy: true });
    assert.deepEqual((await store.lookup(token))?.policies, ['app']);
  });

  it('refuses no_parent, a custom id and a period to a caller without sudo', async () => {
    const { api, root } = await setup();
    const parent = await createToken(api, root, { policies: ['app'] });
    await assertRejects(api.as(parent, 'update', 'create', { no_parent: true }), 400, 'root or sudo privileges required to create orphan token');
    await assertRejects(api.as(parent, 'update', 'create', { id: 'mine' }), 400, 'root or sudo privileges required to specify token id');
    await assertRejects(api.as(parent, 'update', 'create', { period: '1h' }), 400, 'root or sudo privileges required to create periodic token');
  });

  it('lets root choose the token id', async () => {
    const { api, root, store } = await setup();
    assert.equal(await createToken(api, root, { id: 'my-token', policies: ['app'] }), 'my-token');
    assert.ok(await store.lookup('my-token'));
  });

  it("refuses a chosen id with the 'hvs.' prefix or a '.'", async () => {
    const { api, root } = await setup();
    await assertRejects(api.as(root, 'update', 'create', { id: 'hvs.mine' }), 400, "custom token ID cannot have the 'hvs.' prefix");
    await assertRejects(api.as(root, 'update', 'create', { id: 'my.token' }), 400, "custom token ID cannot have a '.' in the value");
  });

  it('creates an orphan through create-orphan without sudo', async () => {
    const { api, root, store } = await setup();
    const parent = await createToken(api, root, { policies: ['app'] });
    const resp = await api.as(parent, 'update', 'create-orphan', { policies: ['app'] });
    assert.equal(resp.auth?.orphan, true);
    await store.revokeTree((await store.lookup(parent))!);
    assert.ok(await store.lookup(resp.auth!.client_token), 'an orphan outlives its creator');
  });

  it('refuses children of a token with limited uses', async () => {
    const { api, root } = await setup();
    const limited = await createToken(api, root, { policies: ['app'], num_uses: 3 });
    await assertRejects(api.as(limited, 'update', 'create'), 400, 'restricted use token cannot generate child tokens');
  });

  it('refuses batch tokens for now', async () => {
    const { api, root } = await setup();
    await assertRejects(api.as(root, 'update', 'create', { type: 'batch' }), 400, 'batch tokens are not supported');
  });

  it('refuses a negative number of uses', async () => {
    const { api, root } = await setup();
    await assertRejects(api.as(root, 'update', 'create', { num_uses: -1 }), 400, 'number of uses cannot be negative');
  });

  it('makes root-policy children of root never expire and not renewable', async () => {
    const { api, root } = await setup();
    const resp = await api.as(root, 'update', 'create', { policies: ['root'] });
    assert.equal(resp.auth?.lease_duration, 0);
    assert.equal(resp.auth?.renewable, false);
  });
});

describe('auth/token/lookup*', () => {
  it("describes the calling token with Vault's fields", async () => {
    const { api, root, clock } = await setup();
    const token = await createToken(api, root, { policies: ['app'], ttl: '1h', explicit_max_ttl: '2h', meta: { a: 'b' } });
    clock.advance(600);
    const { data } = await api.as(token, 'read', 'lookup-self');
    assert.ok(data);
    const created = clock.ms - 600_000;
    assert.deepEqual(data, {
      accessor: data.accessor,
      creation_time: Math.floor(created / 1000),
      creation_ttl: 3600,
      display_name: 'token',
      entity_id: '',
      expire_time: new Date(created + 3600_000).toISOString(),
      explicit_max_ttl: 7200,
      id: token,
      issue_time: new Date(created).toISOString(),
      meta: { a: 'b' },
      num_uses: 0,
      orphan: false,
      path: 'auth/token/create',
      policies: ['app', 'default'],
      renewable: true,
      ttl: 3000,
      type: 'service',
    });
  });

  it('shows a root token as never expiring', async () => {
    const { api, root } = await setup();
    const { data } = await api.as(root, 'read', 'lookup-self');
    assert.equal(data?.expire_time, null);
    assert.equal(data?.ttl, 0);
    assert.equal(data?.renewable, false);
    assert.equal(data?.meta, null);
    assert.deepEqual(data?.policies, ['root']);
  });

  it('looks up another token given in the body', async () => {
    const { api, root } = await setup();
    const token = await createToken(api, root, { policies: ['app'] });
    const { data } = await api.as(root, 'update', 'lookup', { token });
    assert.equal(data?.id, token);
    assert.deepEqual(data?.policies, ['app', 'default']);
  });

  it('answers 403 "bad token" for an unknown token', async () => {
    const { api, root } = await setup();
    await assertRejects(api.as(root, 'update', 'lookup', { token: 'hvs.unknown' }), 403, 'bad token');
  });

  it('looks up by accessor without revealing the token', async () => {
    const { api, root } = await setup();
    const created = await api.as(root, 'update', 'create', { policies: ['app'] });
    const token = created.auth!.client_token;
    const resp = await api.as(root, 'update', 'lookup-accessor', { accessor: created.auth!.accessor });
    assert.equal(resp.data?.id, '');
    assert.equal(resp.data?.accessor, created.auth!.accessor);
    assert.ok(!JSON.stringify(resp).includes(token));
  });

  it('answers 400 "invalid accessor" for an unknown accessor', async () => {
    const { api, root } = await setup();
    await assertRejects(api.as(root, 'update', 'lookup-accessor', { accessor: 'nope' }), 400, 'invalid accessor');
  });
});

describe('auth/token/renew*', () => {
  it('renews the calling token by the increment', async () => {
    const { api, root } = await setup();
    const token = await createToken(api, root, { policies: ['app'], ttl: '1h' });
    const resp = await api.as(token, 'update', 'renew-self', { increment: '2h' });
    assert.equal(resp.auth?.client_token, token);
    assert.equal(resp.auth?.lease_duration, 7200);
  });

  it('renews by accessor without revealing the token', async () => {
    const { api, root } = await setup();
    const created = await api.as(root, 'update', 'create', { policies: ['app'], ttl: '1h' });
    const resp = await api.as(root, 'update', 'renew-accessor', { accessor: created.auth!.accessor });
    assert.equal(resp.auth?.client_token, '');
    assert.equal(resp.auth?.lease_duration, 3600);
  });

  it('refuses to renew a non-renewable token', async () => {
    const { api, root } = await setup();
    const token = await createToken(api, root, { policies: ['app'], renewable: false });
    await assertRejects(api.as(root, 'update', 'renew', { token }), 400, 'lease is not renewable');
  });

  it('answers 400 "token not found" for an unknown token', async () => {
    const { api, root } = await setup();
    await assertRejects(api.as(root, 'update', 'renew', { token: 'hvs.nope' }), 400, 'token not found');
  });
});

describe('auth/token/revoke*', () => {
  it('revokes a token and its children with 204', async () => {
    const { api, root, store } = await setup();
    const parent = await createToken(api, root, { policies: ['app'] });
    const child = await createToken(api, parent);
    assert.equal((await api.as(root, 'update', 'revoke', { token: parent })).status, 204);
    assert.equal(await store.lookup(parent), undefined);
    assert.equal(await store.lookup(child), undefined);
  });

  it('revokes the calling token', async () => {
    const { api, root, store } = await setup();
    const token = await createToken(api, root, { policies: ['app'] });
    assert.equal((await api.as(token, 'update', 'revoke-self')).status, 204);
    assert.equal(await store.lookup(token), undefined);
  });

  it('revokes by accessor, and warns when there is no such token', async () => {
    const { api, root, store } = await setup();
    const created = await api.as(root, 'update', 'create', { policies: ['app'] });
    assert.equal((await api.as(root, 'update', 'revoke-accessor', { accessor: created.auth!.accessor })).status, 204);
    assert.equal(await store.lookup(created.auth!.client_token), undefined);
    const again = await api.as(root, 'update', 'revoke-accessor', { accessor: created.auth!.accessor });
    assert.deepEqual(again.warnings, ['No token found with this accessor']);
  });

  it('revokes with revoke-orphan, leaving the children as orphans', async () => {
    const { api, root, store } = await setup();
    const parent = await createToken(api, root, { policies: ['app'] });
    const child = await createToken(api, parent);
    assert.equal((await api.as(root, 'update', 'revoke-orphan', { token: parent })).status, 204);
    assert.equal(await store.lookup(parent), undefined);
    const { data } = await api.as(child, 'read', 'lookup-self');
    assert.equal(data?.orphan, true);
  });

  it('refuses revoke-orphan to a caller without sudo', async () => {
    const { api, root } = await setup();
    const token = await createToken(api, root, { policies: ['app'] });
    await assertRejects(api.as(token, 'update', 'revoke-orphan', { token }), 400, 'root or sudo privileges required to revoke and orphan');
  });

  it('marks revoke-orphan and accessors as sudo paths', async () => {
    const { store } = await setup();
    const sudoPaths = tokenBackend(store).paths.filter((p) => p.sudo).map((p) => p.pattern);
    assert.deepEqual(sudoPaths, ['revoke-orphan', 'accessors/:suffix*']);
  });
});

describe('auth/token maintenance', () => {
  it('lists accessors', async () => {
    const { api, root, store } = await setup();
    const created = await api.as(root, 'update', 'create', { policies: ['app'] });
    const resp = await api.as(root, 'list', 'accessors/');
    const rootAccessor = (await store.lookup(root))!.accessor;
    assert.deepEqual((resp.data?.keys as string[]).sort(), [rootAccessor, created.auth!.accessor].sort());
  });

  it('tidies with 202', async () => {
    const { api, root, store, clock } = await setup();
    const token = await createToken(api, root, { policies: ['app'], ttl: 60 });
    const entry = (await store.lookup(token))!;
    clock.advance(61);
    const resp = await api.as(root, 'update', 'tidy');
    assert.equal(resp.status, 202);
    assert.equal(await store.lookupById(entry.id, { allowPending: true }), undefined);
  });
});
