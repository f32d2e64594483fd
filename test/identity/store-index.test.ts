import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IdentityStore } from '../../src/core/identity/store.js';
import { ACCESSORS, dump, node, sharedStorage } from './store-fixture.js';

// Issue 13: lookups by name, by (mount accessor, name) and by membership go through indexes that
// follow every write, rename and delete, and are rebuilt from storage at load.

const [UP1, UP2] = ACCESSORS as [string, string];

/** Makes every whole-store listing throw: lookups that pass did not scan. */
function forbidLists(store: IdentityStore): void {
  for (const method of ['listEntities', 'listAliases', 'listGroups'] as const) {
    (store as unknown as Record<string, unknown>)[method] = () => assert.fail(`${method} called by a lookup`);
  }
}

describe('identity store indexes', () => {
  it('finds entities and groups by name, case-insensitively, across renames and deletes', async () => {
    const store = await node(sharedStorage().view(false));
    const entity = await store.writeEntity({ name: 'Ada' });
    const group = await store.writeGroup({ name: 'Admins' });
    forbidLists(store);
    assert.equal(store.entityByName('ada')?.id, entity.id);
    assert.equal(store.groupByName('ADMINS')?.id, group.id);
    await store.writeEntity({ name: 'Grace' }, entity.id);
    await store.writeGroup({ name: 'Operators' }, group.id);
    assert.equal(store.entityByName('ada'), undefined);
    assert.equal(store.entityByName('grace')?.id, entity.id);
    assert.equal(store.groupByName('admins'), undefined);
    assert.equal(store.groupByName('operators')?.id, group.id);
    // The old names are free again.
    const other = await store.writeEntity({ name: 'ada' });
    assert.equal(store.entityByName('Ada')?.id, other.id);
    await store.deleteEntity(entity.id);
    await store.deleteGroup(group.id);
    assert.equal(store.entityByName('grace'), undefined);
    assert.equal(store.groupByName('operators'), undefined);
  });

  it('finds aliases by mount accessor and name, and by entity, as they move', async () => {
    const store = await node(sharedStorage().view(false));
    const one = await store.writeEntity({ name: 'one' });
    const two = await store.writeEntity({ name: 'two' });
    const alias = await store.writeAlias({ name: 'ada', mountAccessor: UP1, canonicalId: one.id });
    forbidLists(store);
    assert.equal(store.aliasByName(UP1, 'ada')?.id, alias.id);
    assert.equal(store.aliasByName(UP2, 'ada'), undefined);
    assert.deepEqual(store.aliasesOf(one.id).map((a) => a.id), [alias.id]);
    await store.writeAlias({ mountAccessor: UP2, name: 'lovelace', canonicalId: two.id }, alias.id);
    assert.equal(store.aliasByName(UP1, 'ada'), undefined);
    assert.equal(store.aliasByName(UP2, 'lovelace')?.id, alias.id);
    assert.deepEqual(store.aliasesOf(one.id), []);
    assert.deepEqual(store.aliasesOf(two.id).map((a) => a.id), [alias.id]);
    assert.equal((await store.entityForLogin(UP2, 'lovelace')).id, two.id, 'a login finds the moved alias');
    await store.deleteEntity(two.id);
    assert.equal(store.aliasByName(UP2, 'lovelace'), undefined);
    assert.equal(store.alias(alias.id), undefined);
  });

  it('answers membership from the graph: direct groups, parents, ancestors; deletes cut edges', async () => {
    const store = await node(sharedStorage().view(false));
    const entity = await store.writeEntity({ name: 'member' });
    const leaf = await store.writeGroup({ name: 'leaf', memberEntityIds: [entity.id] });
    const mid = await store.writeGroup({ name: 'mid', memberGroupIds: [leaf.id] });
    const top = await store.writeGroup({ name: 'top', memberGroupIds: [mid.id] });
    const side = await store.writeGroup({ name: 'side', memberGroupIds: [leaf.id] });
    forbidLists(store);
    assert.deepEqual(store.directGroupsOf(entity.id).map((g) => g.id), [leaf.id]);
    assert.deepEqual(store.parentGroupsOf(leaf.id).map((g) => g.id).sort(), [mid.id, side.id].sort());
    assert.deepEqual(store.groupsOf(entity.id).map((g) => g.id).sort(), [leaf.id, mid.id, top.id, side.id].sort());
    await store.writeGroup({ memberGroupIds: [] }, mid.id);
    assert.deepEqual(store.groupsOf(entity.id).map((g) => g.id).sort(), [leaf.id, side.id].sort());
    await store.deleteGroup(side.id);
    assert.deepEqual(store.parentGroupsOf(leaf.id), []);
    await store.deleteEntity(entity.id);
    assert.deepEqual(store.directGroupsOf(entity.id), []);
    assert.deepEqual(store.group(leaf.id)!.memberEntityIds, []);
  });

  it('rebuilds every index from storage at load', async () => {
    const { view } = sharedStorage();
    const store = await node(view(false));
    const entity = await store.writeEntity({ name: 'Persisted' });
    await store.writeAlias({ name: 'p', mountAccessor: UP1, canonicalId: entity.id });
    const group = await store.writeGroup({ name: 'Kept', memberEntityIds: [entity.id] });
    const parent = await store.writeGroup({ name: 'Parent', memberGroupIds: [group.id] });
    const fresh = await node(view(false));
    assert.deepEqual(dump(fresh), dump(store));
    forbidLists(fresh);
    assert.equal(fresh.entityByName('persisted')?.id, entity.id);
    assert.equal(fresh.aliasByName(UP1, 'p')?.canonicalId, entity.id);
    assert.equal(fresh.groupByName('kept')?.id, group.id);
    assert.deepEqual(fresh.groupsOf(entity.id).map((g) => g.id).sort(), [group.id, parent.id].sort());
  });

  it("derives a token's identity from its own groups only, not by looking at every group", async () => {
    const store = await node(sharedStorage().view(false));
    const entity = await store.writeEntity({ name: 'busy', policies: ['own'] });
    for (let i = 0; i < 300; i++) await store.writeGroup({ name: `unrelated${i}`, policies: ['never'] });
    const inner = await store.writeGroup({ name: 'inner', policies: ['inner-p'], memberEntityIds: [entity.id] });
    await store.writeGroup({ name: 'outer', policies: ['outer-p'], memberGroupIds: [inner.id] });
    forbidLists(store);
    let groupReads = 0;
    const group = store.group.bind(store);
    store.group = (id) => (groupReads++, group(id));
    const before = store.derivations;
    const derived = store.derive(entity.id);
    assert.equal(store.derivations, before + 1);
    assert.deepEqual([...derived.policies].sort(), ['inner-p', 'outer-p', 'own'], 'parents included');
    assert.deepEqual(derived.context?.groups.map((g) => g.name).sort(), ['inner', 'outer']);
    assert.equal(groupReads, 2, 'only the entity\'s two groups were read');
    await store.writeEntity({ disabled: true }, entity.id);
    assert.deepEqual(store.derive(entity.id), { disabled: true, policies: [], context: undefined, key: `${entity.id}#${store.generation}` });
  });
});
