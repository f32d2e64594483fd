import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { assertStatus, createEntity, createGroup, startIdentityServer, type Identity } from './fixture.js';

// identity/group over HTTP (https://developer.hashicorp.com/vault/api-docs/secret/identity/group):
// internal groups, nesting, and what deleting members does.

interface GroupData {
  id: string;
  name: string;
  type: string;
  policies: string[];
  metadata: Record<string, string> | null;
  member_entity_ids: string[];
  member_group_ids: string[] | null;
  parent_group_ids: string[] | null;
  alias: Record<string, unknown>;
  creation_time: string;
  last_update_time: string;
  namespace_id: string;
}

describe('identity groups', () => {
  let id: Identity;
  const readGroup = (groupId: string) => id.call<{ data: GroupData }>('GET', `identity/group/id/${groupId}`);
  const readEntity = (entityId: string) =>
    id.call<{ data: { group_ids: string[]; direct_group_ids: string[]; inherited_group_ids: string[] } }>('GET', `identity/entity/id/${entityId}`);

  before(async () => {
    id = await startIdentityServer();
  });
  after(async () => {
    await id?.server.destroy();
  });

  it('creates a group and answers its id and name', async () => {
    const res = await id.call<{ data: { id: string; name: string } }>('POST', 'identity/group', { name: 'first-group' });
    assertStatus(res, 200, 'create');
    assert.equal(res.body.data.name, 'first-group');
    assert.match(res.body.data.id, /^[0-9a-f-]{36}$/);
  });

  it('reads a group in Vault’s shape', async () => {
    const member = await createEntity(id, { name: 'group-shape-member' });
    const groupId = await createGroup(id, { name: 'shape-group', policies: ['gp1', 'gp2'], metadata: { dept: 'eng' }, member_entity_ids: [member] });
    const res = await readGroup(groupId);
    assertStatus(res, 200, 'read');
    const data = res.body.data;
    assert.equal(data.id, groupId);
    assert.equal(data.name, 'shape-group');
    assert.equal(data.type, 'internal');
    assert.deepEqual(data.policies, ['gp1', 'gp2']);
    assert.deepEqual(data.metadata, { dept: 'eng' });
    assert.deepEqual(data.member_entity_ids, [member]);
    assert.equal(data.member_group_ids, null);
    assert.equal(data.parent_group_ids, null);
    assert.deepEqual(data.alias, {});
    assert.equal(data.namespace_id, 'root');
    assert.ok(!Number.isNaN(Date.parse(data.creation_time)));
    assert.ok(!Number.isNaN(Date.parse(data.last_update_time)));
  });

  it('reads, updates and deletes a group by name', async () => {
    const created = await id.call<{ data: { id: string } }>('POST', 'identity/group/name/by-name-group', { policies: ['a'] });
    assertStatus(created, 200, 'create by name');
    assertStatus(await id.call('POST', 'identity/group/name/by-name-group', { policies: ['b'] }), 204, 'update by name');
    const read = await id.call<{ data: GroupData }>('GET', 'identity/group/name/by-name-group');
    assertStatus(read, 200, 'read by name');
    assert.equal(read.body.data.id, created.body.data.id);
    assert.deepEqual(read.body.data.policies, ['b']);
    assertStatus(await id.call('DELETE', 'identity/group/name/by-name-group'), 204, 'delete by name');
    assertStatus(await id.call('GET', 'identity/group/name/by-name-group'), 404, 'gone');
  });

  it('updates by id (204), keeping the fields it was not sent', async () => {
    const groupId = await createGroup(id, { name: 'update-group', policies: ['keep'], metadata: { a: '1' } });
    assertStatus(await id.call('POST', `identity/group/id/${groupId}`, { metadata: { a: '2' } }), 204, 'update');
    const data = (await readGroup(groupId)).body.data;
    assert.deepEqual(data.metadata, { a: '2' });
    assert.deepEqual(data.policies, ['keep']);
  });

  it('updates the group of an existing name through identity/group (204)', async () => {
    const groupId = await createGroup(id, { name: 'upsert-group' });
    assertStatus(await id.call('POST', 'identity/group', { name: 'upsert-group', policies: ['later'] }), 204, 'upsert');
    assert.deepEqual((await readGroup(groupId)).body.data.policies, ['later']);
  });

  it('refuses external groups with a clear message, and creates nothing', async () => {
    const res = await id.call('POST', 'identity/group', { name: 'ext-group', type: 'external' });
    assertErrorAnswer(res, 400, /external groups are not supported/);
    assertStatus(await id.call('GET', 'identity/group/name/ext-group'), 404, 'not created');
  });

  it('refuses an unknown group type', async () => {
    assertErrorAnswer(await id.call('POST', 'identity/group', { name: 'odd-type', type: 'weird' }), 400, /invalid group type/);
  });

  it('refuses a member entity or group that does not exist', async () => {
    assertErrorAnswer(await id.call('POST', 'identity/group', { name: 'ghost-members', member_entity_ids: ['00000000-0000-0000-0000-000000000000'] }), 400, /entity not found/);
    assertErrorAnswer(await id.call('POST', 'identity/group', { name: 'ghost-groups', member_group_ids: ['00000000-0000-0000-0000-000000000000'] }), 400, /group not found/);
    assertStatus(await id.call('GET', 'identity/group/name/ghost-members'), 404, 'not created');
  });

  it('refuses the root policy on a group', async () => {
    assertErrorAnswer(await id.call('POST', 'identity/group', { name: 'root-group', policies: ['root'] }), 400, /policies cannot contain root/);
  });

  it('refuses a name another group holds', async () => {
    await createGroup(id, { name: 'held-name' });
    const other = await createGroup(id, { name: 'other-group-name' });
    assertErrorAnswer(await id.call('POST', `identity/group/id/${other}`, { name: 'held-name' }), 400, /already in use/);
  });

  it('nests groups: a member group shows its parent, and an entity inherits the parent', async () => {
    const entityId = await createEntity(id, { name: 'nested-member' });
    const child = await createGroup(id, { name: 'nest-child', member_entity_ids: [entityId] });
    const parent = await createGroup(id, { name: 'nest-parent', member_group_ids: [child] });
    const grandparent = await createGroup(id, { name: 'nest-grandparent', member_group_ids: [parent] });

    assert.deepEqual((await readGroup(parent)).body.data.member_group_ids, [child]);
    assert.deepEqual((await readGroup(child)).body.data.parent_group_ids, [parent]);
    const entity = (await readEntity(entityId)).body.data;
    assert.deepEqual(entity.direct_group_ids, [child]);
    assert.deepEqual([...entity.inherited_group_ids].sort(), [parent, grandparent].sort());
    assert.deepEqual([...entity.group_ids].sort(), [child, parent, grandparent].sort());
  });

  it('refuses a membership that would make a cycle, and changes nothing', async () => {
    const a = await createGroup(id, { name: 'cycle-a' });
    const b = await createGroup(id, { name: 'cycle-b', member_group_ids: [a] });
    const c = await createGroup(id, { name: 'cycle-c', member_group_ids: [b] });
    assertErrorAnswer(await id.call('POST', `identity/group/id/${a}`, { member_group_ids: [c] }), 400, /cyclic relationship/);
    assertErrorAnswer(await id.call('POST', `identity/group/id/${a}`, { member_group_ids: [a] }), 400, /cyclic relationship/);
    assert.equal((await readGroup(a)).body.data.member_group_ids, null);
  });

  it('deleting an entity takes it out of its groups', async () => {
    const entityId = await createEntity(id, { name: 'leaving-member' });
    const stays = await createEntity(id, { name: 'staying-member' });
    const groupId = await createGroup(id, { name: 'membership-group', member_entity_ids: [entityId, stays] });
    assertStatus(await id.call('DELETE', `identity/entity/id/${entityId}`), 204, 'delete entity');
    assert.deepEqual((await readGroup(groupId)).body.data.member_entity_ids, [stays]);
  });

  it('deleting a group takes it out of its parents', async () => {
    const child = await createGroup(id, { name: 'deleted-child' });
    const parent = await createGroup(id, { name: 'surviving-parent', member_group_ids: [child] });
    assertStatus(await id.call('DELETE', `identity/group/id/${child}`), 204, 'delete child');
    assertStatus(await readGroup(child), 404, 'child gone');
    assert.equal((await readGroup(parent)).body.data.member_group_ids, null);
  });

  it('lists groups by id and by name with key_info', async () => {
    const member = await createEntity(id, { name: 'listed-group-member' });
    const groupId = await createGroup(id, { name: 'listed-group', member_entity_ids: [member] });
    const byId = await id.call<{ data: { keys: string[]; key_info: Record<string, Record<string, unknown>> } }>('LIST', 'identity/group/id');
    assertStatus(byId, 200, 'list by id');
    assert.ok(byId.body.data.keys.includes(groupId));
    assert.deepEqual(byId.body.data.key_info[groupId], { name: 'listed-group', num_member_entities: 1, num_parent_groups: 0 });
    const byName = await id.call<{ data: { keys: string[] } }>('LIST', 'identity/group/name');
    assertStatus(byName, 200, 'list by name');
    assert.ok(byName.body.data.keys.includes('listed-group'));
  });

  it('looks a group up by name or id; 204 when none', async () => {
    const groupId = await createGroup(id, { name: 'lookup-group' });
    const byName = await id.call<{ data: { id: string } }>('POST', 'identity/lookup/group', { name: 'lookup-group' });
    assertStatus(byName, 200, 'by name');
    assert.equal(byName.body.data.id, groupId);
    assertStatus(await id.call('POST', 'identity/lookup/group', { id: '00000000-0000-0000-0000-000000000000' }), 204, 'none');
  });

  it('refuses a group lookup with no criteria, or two at once', async () => {
    assertErrorAnswer(await id.call('POST', 'identity/lookup/group', {}), 400, /missing search criteria/);
    assertErrorAnswer(await id.call('POST', 'identity/lookup/group', { id: 'a', name: 'b' }), 400, /query parameter conflict/);
  });
});

describe('identity lists on an empty store', () => {
  let id: Identity;
  before(async () => {
    id = await startIdentityServer();
  });
  after(async () => {
    await id?.server.destroy();
  });

  it('answers 404 to a list with nothing in it, as Vault does', async () => {
    for (const path of ['identity/entity/id', 'identity/entity/name', 'identity/entity-alias/id', 'identity/group/id', 'identity/group/name']) {
      assertStatus(await id.call('LIST', path), 404, path);
    }
  });
});
