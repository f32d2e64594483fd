import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { assertStatus, authAccessor, createEntity, startIdentityServer, type Identity } from './fixture.js';

// identity/entity over HTTP (https://developer.hashicorp.com/vault/api-docs/secret/identity/entity
// and .../identity/lookup): what an operator sees when managing entities.

interface EntityData {
  id: string;
  name: string;
  metadata: Record<string, string> | null;
  policies: string[];
  disabled: boolean;
  aliases: Record<string, unknown>[];
  group_ids: string[];
  direct_group_ids: string[];
  inherited_group_ids: string[];
  creation_time: string;
  last_update_time: string;
  namespace_id: string;
  merged_entity_ids: null;
  bucket_key: string;
}

describe('identity entities', () => {
  let id: Identity;
  const read = (path: string) => id.call<{ data: EntityData }>('GET', path);

  before(async () => {
    id = await startIdentityServer();
  });
  after(async () => {
    await id?.server.destroy();
  });

  it('creates an entity and answers its id and name', async () => {
    const res = await id.call<{ data: { id: string; name: string } }>('POST', 'identity/entity', { name: 'create-answer' });
    assertStatus(res, 200, 'create');
    assert.match(res.body.data.id, /^[0-9a-f-]{36}$/);
    assert.equal(res.body.data.name, 'create-answer');
  });

  it('names an entity entity_<id prefix> when no name is given', async () => {
    const res = await id.call<{ data: { id: string; name: string } }>('POST', 'identity/entity', {});
    assertStatus(res, 200, 'create');
    assert.equal(res.body.data.name, `entity_${res.body.data.id.slice(0, 8)}`);
  });

  it('reads an entity by id in Vault’s shape', async () => {
    const entityId = await createEntity(id, { name: 'shape', metadata: { team: 'payments' }, policies: ['p-one', 'p-two'] });
    const res = await read(`identity/entity/id/${entityId}`);
    assertStatus(res, 200, 'read');
    const data = res.body.data;
    assert.equal(data.id, entityId);
    assert.equal(data.name, 'shape');
    assert.deepEqual(data.metadata, { team: 'payments' });
    assert.deepEqual(data.policies, ['p-one', 'p-two']);
    assert.equal(data.disabled, false);
    assert.deepEqual(data.aliases, []);
    assert.deepEqual(data.group_ids, []);
    assert.deepEqual(data.direct_group_ids, []);
    assert.deepEqual(data.inherited_group_ids, []);
    assert.equal(data.namespace_id, 'root');
    assert.equal(data.merged_entity_ids, null);
    assert.equal(data.bucket_key, '');
    assert.ok(!Number.isNaN(Date.parse(data.creation_time)), data.creation_time);
    assert.match(data.creation_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(data.last_update_time, data.creation_time);
  });

  it('reads an entity by name', async () => {
    const entityId = await createEntity(id, { name: 'by-name-read' });
    const res = await read('identity/entity/name/by-name-read');
    assertStatus(res, 200, 'read by name');
    assert.equal(res.body.data.id, entityId);
  });

  it('answers 404 for an unknown id or name', async () => {
    assertStatus(await read('identity/entity/id/00000000-0000-0000-0000-000000000000'), 404, 'unknown id');
    assertStatus(await read('identity/entity/name/nobody-here'), 404, 'unknown name');
  });

  it('updates by id with 204 and keeps the fields it was not sent', async () => {
    const entityId = await createEntity(id, { name: 'update-me', metadata: { a: '1' }, policies: ['keep'] });
    const before = (await read(`identity/entity/id/${entityId}`)).body.data;
    assertStatus(await id.call('POST', `identity/entity/id/${entityId}`, { metadata: { a: '2', b: '3' } }), 204, 'update');
    const after = (await read(`identity/entity/id/${entityId}`)).body.data;
    assert.deepEqual(after.metadata, { a: '2', b: '3' });
    assert.deepEqual(after.policies, ['keep']);
    assert.equal(after.name, 'update-me');
    assert.equal(after.creation_time, before.creation_time);
    assert.ok(Date.parse(after.last_update_time) >= Date.parse(before.last_update_time));
  });

  it('renames an entity by id; its old name no longer finds it', async () => {
    const entityId = await createEntity(id, { name: 'old-name' });
    assertStatus(await id.call('POST', `identity/entity/id/${entityId}`, { name: 'new-name' }), 204, 'rename');
    assert.equal((await read('identity/entity/name/new-name')).body.data.id, entityId);
    assertStatus(await read('identity/entity/name/old-name'), 404, 'old name');
  });

  it('refuses a name another entity holds, and changes nothing', async () => {
    await createEntity(id, { name: 'taken-name' });
    const other = await createEntity(id, { name: 'other-name' });
    assertErrorAnswer(await id.call('POST', `identity/entity/id/${other}`, { name: 'taken-name' }), 400, /already in use/);
    assert.equal((await read(`identity/entity/id/${other}`)).body.data.name, 'other-name');
  });

  it('updates the entity of an existing name through identity/entity (204)', async () => {
    const entityId = await createEntity(id, { name: 'upsert-by-name' });
    assertStatus(await id.call('POST', 'identity/entity', { name: 'upsert-by-name', policies: 'x,y' }), 204, 'upsert');
    const data = (await read(`identity/entity/id/${entityId}`)).body.data;
    assert.deepEqual(data.policies, ['x', 'y']);
  });

  it('refuses an update of an id that does not exist', async () => {
    assertErrorAnswer(await id.call('POST', 'identity/entity/id/00000000-0000-0000-0000-000000000000', { policies: ['a'] }), 400, /entity not found/);
  });

  it('refuses the root policy on an entity', async () => {
    assertErrorAnswer(await id.call('POST', 'identity/entity', { name: 'wants-root', policies: ['root'] }), 400, /policies cannot contain root/);
    assertStatus(await read('identity/entity/name/wants-root'), 404, 'not created');
  });

  it('refuses metadata that is not a map of strings', async () => {
    assertErrorAnswer(await id.call('POST', 'identity/entity', { name: 'bad-meta', metadata: { nested: { a: 1 } } }), 400, /metadata/);
    assertStatus(await read('identity/entity/name/bad-meta'), 404, 'not created');
  });

  it('takes metadata as key=value strings, as the CLI sends it', async () => {
    const entityId = await createEntity(id, { name: 'kv-pairs', metadata: ['region=eu', 'tier=gold'] });
    assert.deepEqual((await read(`identity/entity/id/${entityId}`)).body.data.metadata, { region: 'eu', tier: 'gold' });
  });

  it('creates and updates an entity by name through identity/entity/name/:name', async () => {
    const created = await id.call<{ data: { id: string; name: string } }>('POST', 'identity/entity/name/named-path', { policies: ['a'] });
    assertStatus(created, 200, 'create by name');
    assert.equal(created.body.data.name, 'named-path');
    assertStatus(await id.call('POST', 'identity/entity/name/named-path', { disabled: true }), 204, 'update by name');
    const data = (await read(`identity/entity/id/${created.body.data.id}`)).body.data;
    assert.equal(data.disabled, true);
    assert.deepEqual(data.policies, ['a']);
  });

  it('deletes by id and by name (204), and again without error', async () => {
    const byId = await createEntity(id, { name: 'delete-by-id' });
    await createEntity(id, { name: 'delete-by-name' });
    assertStatus(await id.call('DELETE', `identity/entity/id/${byId}`), 204, 'delete by id');
    assertStatus(await id.call('DELETE', 'identity/entity/name/delete-by-name'), 204, 'delete by name');
    assertStatus(await read(`identity/entity/id/${byId}`), 404, 'gone by id');
    assertStatus(await read('identity/entity/name/delete-by-name'), 404, 'gone by name');
    assertStatus(await id.call('DELETE', `identity/entity/id/${byId}`), 204, 'delete again');
  });

  it('lists entities by id and by name with key_info (LIST and ?list=true)', async () => {
    const entityId = await createEntity(id, { name: 'listed' });
    const tokenAccessor = await authAccessor(id, 'token/');
    assertStatus(await id.call('POST', 'identity/entity-alias', { name: 'listed-alias', canonical_id: entityId, mount_accessor: tokenAccessor }), 200, 'alias');

    const byId = await id.call<{ data: { keys: string[]; key_info: Record<string, { name: string; aliases?: Record<string, string>[] }> } }>('LIST', 'identity/entity/id');
    assertStatus(byId, 200, 'list by id');
    assert.ok(byId.body.data.keys.includes(entityId));
    const info = byId.body.data.key_info[entityId]!;
    assert.equal(info.name, 'listed');
    assert.equal(info.aliases?.length, 1);
    assert.equal(info.aliases![0]!.name, 'listed-alias');
    assert.equal(info.aliases![0]!.mount_accessor, tokenAccessor);
    assert.equal(info.aliases![0]!.mount_path, 'auth/token/');
    assert.equal(info.aliases![0]!.mount_type, 'token');
    assert.deepEqual([...byId.body.data.keys].sort(), byId.body.data.keys, 'keys are sorted');

    const byName = await id.call<{ data: { keys: string[]; key_info: Record<string, { name: string }> } }>('GET', 'identity/entity/name?list=true');
    assertStatus(byName, 200, 'list by name');
    assert.ok(byName.body.data.keys.includes('listed'));
    assert.equal(byName.body.data.key_info.listed?.name, 'listed');

    const withSlash = await id.call<{ data: { keys: string[] } }>('LIST', 'identity/entity/id/');
    assert.deepEqual(withSlash.body.data.keys, byId.body.data.keys);
  });

  describe('lookup/entity', () => {
    it('finds an entity by id, name, alias id, or alias name and mount accessor', async () => {
      const entityId = await createEntity(id, { name: 'look-me-up' });
      const tokenAccessor = await authAccessor(id, 'token/');
      const alias = await id.call<{ data: { id: string } }>('POST', 'identity/entity-alias', { name: 'lookup-alias', canonical_id: entityId, mount_accessor: tokenAccessor });
      assertStatus(alias, 200, 'alias');
      for (const criteria of [
        { id: entityId },
        { name: 'look-me-up' },
        { alias_id: alias.body.data.id },
        { alias_name: 'lookup-alias', alias_mount_accessor: tokenAccessor },
      ]) {
        const res = await id.call<{ data: EntityData }>('POST', 'identity/lookup/entity', criteria);
        assertStatus(res, 200, JSON.stringify(criteria));
        assert.equal(res.body.data.id, entityId, JSON.stringify(criteria));
        assert.equal(res.body.data.aliases.length, 1);
      }
    });

    it('answers 204 when nothing matches', async () => {
      assertStatus(await id.call('POST', 'identity/lookup/entity', { name: 'no-such-entity' }), 204, 'lookup');
    });

    it('refuses no criteria, two at once, or an alias name without its mount accessor', async () => {
      assertErrorAnswer(await id.call('POST', 'identity/lookup/entity', {}), 400, /missing search criteria/);
      assertErrorAnswer(await id.call('POST', 'identity/lookup/entity', { id: 'a', name: 'b' }), 400, /query parameter conflict/);
      assertErrorAnswer(await id.call('POST', 'identity/lookup/entity', { alias_name: 'x' }), 400, /'alias_name' and 'alias_mount_accessor' must be supplied together/);
    });
  });
});
