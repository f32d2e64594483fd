import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { assertStatus, authAccessor, createEntity, startIdentityServer, type Identity } from './fixture.js';

// identity/entity-alias over HTTP (https://developer.hashicorp.com/vault/api-docs/secret/identity/entity-alias).

interface AliasData {
  id: string;
  canonical_id: string;
  mount_accessor: string;
  mount_path: string;
  mount_type: string;
  name: string;
  metadata: Record<string, string> | null;
  custom_metadata: Record<string, string> | null;
  creation_time: string;
  last_update_time: string;
  local: boolean;
  namespace_id: string;
}

describe('identity entity aliases', () => {
  let id: Identity;
  let tokenAccessor: string;
  const createAlias = (body: Record<string, unknown>) => id.call<{ data: { id: string; canonical_id: string } }>('POST', 'identity/entity-alias', body);
  const readAlias = (aliasId: string) => id.call<{ data: AliasData }>('GET', `identity/entity-alias/id/${aliasId}`);

  before(async () => {
    id = await startIdentityServer();
    tokenAccessor = await authAccessor(id, 'token/');
  });
  after(async () => {
    await id?.server.destroy();
  });

  it('creates an alias on the token mount and answers its id and canonical_id', async () => {
    const entityId = await createEntity(id, { name: 'alias-owner' });
    const res = await createAlias({ name: 'alice', canonical_id: entityId, mount_accessor: tokenAccessor, custom_metadata: { email: 'a@example.com' } });
    assertStatus(res, 200, 'create alias');
    assert.equal(res.body.data.canonical_id, entityId);
    assert.match(res.body.data.id, /^[0-9a-f-]{36}$/);
  });

  it('reads an alias with its mount path and type from the auth table', async () => {
    const entityId = await createEntity(id, { name: 'alias-read' });
    const created = await createAlias({ name: 'bob', canonical_id: entityId, mount_accessor: tokenAccessor, custom_metadata: { team: 'ops' } });
    const res = await readAlias(created.body.data.id);
    assertStatus(res, 200, 'read alias');
    const data = res.body.data;
    assert.equal(data.id, created.body.data.id);
    assert.equal(data.canonical_id, entityId);
    assert.equal(data.name, 'bob');
    assert.equal(data.mount_accessor, tokenAccessor);
    assert.equal(data.mount_path, 'auth/token/');
    assert.equal(data.mount_type, 'token');
    assert.deepEqual(data.custom_metadata, { team: 'ops' });
    assert.equal(data.metadata, null);
    assert.equal(data.local, false);
    assert.equal(data.namespace_id, 'root');
    assert.ok(!Number.isNaN(Date.parse(data.creation_time)));
  });

  it('shows the full alias inside its entity', async () => {
    const entityId = await createEntity(id, { name: 'alias-in-entity' });
    const created = await createAlias({ name: 'carol', canonical_id: entityId, mount_accessor: tokenAccessor });
    const entity = await id.call<{ data: { aliases: AliasData[] } }>('GET', `identity/entity/id/${entityId}`);
    assert.equal(entity.body.data.aliases.length, 1);
    const alias = entity.body.data.aliases[0]!;
    assert.equal(alias.id, created.body.data.id);
    assert.equal(alias.canonical_id, entityId);
    assert.equal(alias.mount_path, 'auth/token/');
    assert.equal(alias.mount_type, 'token');
    assert.equal(alias.name, 'carol');
    for (const key of ['metadata', 'custom_metadata', 'creation_time', 'last_update_time', 'mount_accessor']) assert.ok(key in alias, key);
  });

  it('refuses a mount accessor that names no auth mount', async () => {
    const entityId = await createEntity(id, { name: 'bad-accessor' });
    assertErrorAnswer(await createAlias({ name: 'dave', canonical_id: entityId, mount_accessor: 'auth_nothing_1234' }), 400, /invalid mount accessor/);
    const entity = await id.call<{ data: { aliases: unknown[] } }>('GET', `identity/entity/id/${entityId}`);
    assert.deepEqual(entity.body.data.aliases, []);
  });

  it('refuses an alias for an entity that does not exist', async () => {
    assertErrorAnswer(await createAlias({ name: 'erin', canonical_id: '00000000-0000-0000-0000-000000000000', mount_accessor: tokenAccessor }), 400, /canonical ID/);
  });

  it('refuses a second alias of one entity on the same mount', async () => {
    const entityId = await createEntity(id, { name: 'two-aliases' });
    assertStatus(await createAlias({ name: 'frank', canonical_id: entityId, mount_accessor: tokenAccessor }), 200, 'first');
    assertErrorAnswer(await createAlias({ name: 'frank-2', canonical_id: entityId, mount_accessor: tokenAccessor }), 400, /already exists/);
  });

  it('never holds two aliases with one mount and name: writing it again is a no-op (204)', async () => {
    const entityId = await createEntity(id, { name: 'same-alias-twice' });
    const first = await createAlias({ name: 'grace', canonical_id: entityId, mount_accessor: tokenAccessor });
    assertStatus(first, 200, 'first');
    assertStatus(await createAlias({ name: 'grace', canonical_id: entityId, mount_accessor: tokenAccessor }), 204, 'again');
    const list = await id.call<{ data: { key_info: Record<string, { name: string; mount_accessor: string }> } }>('LIST', 'identity/entity-alias/id');
    const matching = Object.values(list.body.data.key_info).filter((a) => a.name === 'grace' && a.mount_accessor === tokenAccessor);
    assert.equal(matching.length, 1);
  });

  it('refuses renaming an alias onto a mount and name another alias holds', async () => {
    const one = await createEntity(id, { name: 'rename-one' });
    const two = await createEntity(id, { name: 'rename-two' });
    assertStatus(await createAlias({ name: 'heidi', canonical_id: one, mount_accessor: tokenAccessor }), 200, 'heidi');
    const ivan = await createAlias({ name: 'ivan', canonical_id: two, mount_accessor: tokenAccessor });
    assertErrorAnswer(await id.call('POST', `identity/entity-alias/id/${ivan.body.data.id}`, { name: 'heidi' }), 400, /already exists/);
    assert.equal((await readAlias(ivan.body.data.id)).body.data.name, 'ivan');
  });

  it('updates an alias by id: name and custom_metadata', async () => {
    const entityId = await createEntity(id, { name: 'alias-update' });
    const created = await createAlias({ name: 'judy', canonical_id: entityId, mount_accessor: tokenAccessor });
    const res = await id.call<{ data: { id: string; canonical_id: string } }>('POST', `identity/entity-alias/id/${created.body.data.id}`, { name: 'judy2', custom_metadata: { k: 'v' } });
    assertStatus(res, 200, 'update');
    assert.equal(res.body.data.id, created.body.data.id);
    const data = (await readAlias(created.body.data.id)).body.data;
    assert.equal(data.name, 'judy2');
    assert.deepEqual(data.custom_metadata, { k: 'v' });
  });

  it('moves an alias to another entity with canonical_id', async () => {
    const from = await createEntity(id, { name: 'move-from' });
    const to = await createEntity(id, { name: 'move-to' });
    const created = await createAlias({ name: 'mallory', canonical_id: from, mount_accessor: tokenAccessor });
    assertStatus(await id.call('POST', `identity/entity-alias/id/${created.body.data.id}`, { canonical_id: to }), 200, 'move');
    const fromEntity = await id.call<{ data: { aliases: unknown[] } }>('GET', `identity/entity/id/${from}`);
    const toEntity = await id.call<{ data: { aliases: { id: string }[] } }>('GET', `identity/entity/id/${to}`);
    assert.deepEqual(fromEntity.body.data.aliases, []);
    assert.deepEqual(toEntity.body.data.aliases.map((a) => a.id), [created.body.data.id]);
  });

  it('deletes an alias (204); its entity stays', async () => {
    const entityId = await createEntity(id, { name: 'alias-delete' });
    const created = await createAlias({ name: 'niaj', canonical_id: entityId, mount_accessor: tokenAccessor });
    assertStatus(await id.call('DELETE', `identity/entity-alias/id/${created.body.data.id}`), 204, 'delete');
    assertStatus(await readAlias(created.body.data.id), 404, 'alias gone');
    assertStatus(await id.call('GET', `identity/entity/id/${entityId}`), 200, 'entity stays');
  });

  it('lists aliases by id with key_info', async () => {
    const entityId = await createEntity(id, { name: 'alias-list' });
    const created = await createAlias({ name: 'olivia', canonical_id: entityId, mount_accessor: tokenAccessor, custom_metadata: { x: 'y' } });
    const res = await id.call<{ data: { keys: string[]; key_info: Record<string, Record<string, unknown>> } }>('LIST', 'identity/entity-alias/id');
    assertStatus(res, 200, 'list');
    assert.ok(res.body.data.keys.includes(created.body.data.id));
    assert.deepEqual(res.body.data.key_info[created.body.data.id], {
      canonical_id: entityId,
      custom_metadata: { x: 'y' },
      local: false,
      mount_accessor: tokenAccessor,
      mount_path: 'auth/token/',
      mount_type: 'token',
      name: 'olivia',
    });
  });

  it('deleting an entity deletes its aliases', async () => {
    const entityId = await createEntity(id, { name: 'entity-with-alias' });
    const created = await createAlias({ name: 'peggy', canonical_id: entityId, mount_accessor: tokenAccessor });
    assertStatus(await id.call('DELETE', `identity/entity/id/${entityId}`), 204, 'delete entity');
    assertStatus(await readAlias(created.body.data.id), 404, 'alias gone');
    // The mount and name are free again for another entity.
    const other = await createEntity(id, { name: 'entity-after' });
    assertStatus(await createAlias({ name: 'peggy', canonical_id: other, mount_accessor: tokenAccessor }), 200, 'name reusable');
  });
});
