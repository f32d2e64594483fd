import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IdentityStore } from '../../src/core/identity/store.js';
import { ACCESSORS, dump, node, sharedStorage } from './store-fixture.js';

// Issue 13: logins and operator writes race on the identity store. However they interleave (the
// storage here delays every transaction at random), no update may be lost: the final state is
// exactly what each writer asked for, and storage holds what memory holds.

/** An operator adding one member: read-modify-write inside the store's commit. */
const addMember = (store: IdentityStore, groupId: string, entityId: string) =>
  store.updateGroup(groupId, (current) => ({ memberEntityIds: [...current.memberEntityIds, entityId] }));

const [USERPASS] = ACCESSORS as [string];
const USERS = 12;
const LOGINS_PER_USER = 8;

describe('identity store under concurrent logins and operator writes', () => {
  it('loses no update (one node)', async () => {
    const { view } = sharedStorage();
    const storage = view();
    const store = await node(storage);

    // First logins create each user's alias and entity.
    const first = await Promise.all(Array.from({ length: USERS }, (_, u) => store.entityForLogin(USERPASS, `user${u}`, { login: '0' })));
    const aliasIds = Array.from({ length: USERS }, (_, u) => store.aliasByName(USERPASS, `user${u}`)!.id);
    // Operator-made entities: merge targets (aliases of odd users move onto them) and throwaways.
    const targets = await Promise.all(Array.from({ length: USERS }, (_, u) => store.writeEntity({ name: `target${u}` })));
    const doomed = await Promise.all(Array.from({ length: 4 }, (_, i) => store.writeEntity({ name: `doomed${i}` })));
    const groups = await Promise.all(Array.from({ length: 3 }, (_, i) => store.writeGroup({ name: `group${i}` })));

    // Each user logs in again and again with changing metadata (sequential per user, concurrent across users).
    const logins = Array.from({ length: USERS }, async (_, u) => {
      for (let n = 1; n <= LOGINS_PER_USER; n++) await store.entityForLogin(USERPASS, `user${u}`, { login: String(n) });
    });
    // Meanwhile, operators: custom metadata on every alias, alias moves (merges), entity updates,
    // group membership grown one write at a time, nested groups, and deletes.
    const operators = [
      ...aliasIds.map((id, u) => store.writeAlias({ customMetadata: { owner: `op${u}` } }, id)),
      ...aliasIds.map(async (id, u) => {
        if (u % 2 === 1) await store.writeAlias({ canonicalId: targets[u]!.id }, id);
      }),
      ...first.map((entity, u) => store.writeEntity({ metadata: { team: `t${u}` }, policies: [`p${u}`] }, entity.id)),
      ...groups.map(async (group, g) => {
        for (let u = g; u < USERS; u += groups.length) await addMember(store, group.id, first[u]!.id);
      }),
      store.writeGroup({ memberGroupIds: [groups[1]!.id] }, groups[0]!.id),
      store.writeGroup({ memberGroupIds: [groups[2]!.id] }, groups[1]!.id),
      ...doomed.map(async (entity, i) => {
        await addMember(store, groups[i % groups.length]!.id, entity.id);
        await store.deleteEntity(entity.id);
      }),
    ];
    await Promise.all([...logins, ...operators]);

    for (let u = 0; u < USERS; u++) {
      const alias = store.alias(aliasIds[u]!)!;
      assert.deepEqual(alias.metadata, { login: String(LOGINS_PER_USER) }, `user${u}: the last login's metadata`);
      assert.deepEqual(alias.customMetadata, { owner: `op${u}` }, `user${u}: the operator's custom metadata survives every login`);
      assert.equal(alias.canonicalId, u % 2 === 1 ? targets[u]!.id : first[u]!.id, `user${u}: the alias stays where the operator moved it`);
      assert.equal((await store.entityForLogin(USERPASS, `user${u}`, { login: String(LOGINS_PER_USER) })).id, alias.canonicalId);
      const entity = store.entity(first[u]!.id)!;
      assert.deepEqual(entity.metadata, { team: `t${u}` });
      assert.deepEqual(entity.policies, [`p${u}`]);
    }
    for (const [g, group] of groups.entries()) {
      const expected = first.filter((_, u) => u % groups.length === g).map((e) => e.id).sort();
      assert.deepEqual([...store.group(group.id)!.memberEntityIds].sort(), expected, `group${g}: every member added, every deleted entity gone`);
    }
    assert.deepEqual(store.group(groups[0]!.id)!.memberGroupIds, [groups[1]!.id]);
    assert.deepEqual(store.group(groups[1]!.id)!.memberGroupIds, [groups[2]!.id]);
    for (const entity of doomed) assert.equal(store.entity(entity.id), undefined);
    assert.equal(store.listEntities().length, USERS * 2, 'no login made a second entity');
    assert.equal(store.listAliases().length, USERS);

    // Storage is the truth: a store loaded afresh from it holds exactly what this one holds.
    assert.deepEqual(dump(await node(storage)), dump(store));
  });

  it('loses no update between nodes sharing storage (versions are the guard)', async () => {
    const { view } = sharedStorage();
    const a = await node(view());
    const first = await Promise.all(Array.from({ length: USERS }, (_, u) => a.entityForLogin(USERPASS, `user${u}`, { login: '0' })));
    const aliasIds = first.map((_, u) => a.aliasByName(USERPASS, `user${u}`)!.id);
    const group = await a.writeGroup({ name: 'shared' });
    // Node B loads now; from here on each node learns of the other's writes only through failed conditions.
    const b = await node(view());

    const logins = Array.from({ length: USERS }, async (_, u) => {
      for (let n = 1; n <= LOGINS_PER_USER; n++) await (n % 2 === 0 ? a : b).entityForLogin(USERPASS, `user${u}`, { login: String(n) });
    });
    const operators = [
      ...aliasIds.map((id, u) => (u % 2 === 0 ? a : b).writeAlias({ customMetadata: { owner: `op${u}` } }, id)),
      ...first.map((entity, u) => (u % 2 === 0 ? b : a).writeEntity({ metadata: { team: `t${u}` } }, entity.id)),
      // Both nodes grow one group's membership: each write must see the other's last one.
      (async () => {
        for (let u = 0; u < USERS; u++) {
          await addMember(u % 2 === 0 ? a : b, group.id, first[u]!.id);
        }
      })(),
    ];
    await Promise.all([...logins, ...operators]);

    const truth = await node(view(false));
    for (let u = 0; u < USERS; u++) {
      const alias = truth.alias(aliasIds[u]!)!;
      assert.deepEqual(alias.metadata, { login: String(LOGINS_PER_USER) }, `user${u}: the last login's metadata`);
      assert.deepEqual(alias.customMetadata, { owner: `op${u}` }, `user${u}: custom metadata written on the other node survives`);
      assert.deepEqual(truth.entity(first[u]!.id)!.metadata, { team: `t${u}` });
    }
    assert.deepEqual([...truth.group(group.id)!.memberEntityIds].sort(), first.map((e) => e.id).sort(), 'no membership write lost');
  });

  it('gives racing first logins of one user on two nodes one entity', async () => {
    const { view } = sharedStorage();
    const a = await node(view());
    const b = await node(view());
    const entities = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).entityForLogin(USERPASS, 'newcomer', {})));
    assert.equal(new Set(entities.map((e) => e.id)).size, 1);
    const truth = await node(view(false));
    assert.equal(truth.listEntities().length, 1);
    assert.equal(truth.listAliases().length, 1);
  });

  it('keeps names unique and the group graph acyclic across nodes', async () => {
    const { view } = sharedStorage();
    const a = await node(view());
    const b = await node(view());
    await a.writeEntity({ name: 'Alice' });
    await assert.rejects(b.writeEntity({ name: 'alice' }), /entity with name "alice" already exists/);
    assert.ok(b.entityByName('ALICE'), 'the refused write taught node B the name');

    const g1 = await a.writeGroup({ name: 'g1' });
    const g2 = await a.writeGroup({ name: 'g2' });
    const bStale = await node(view());
    await a.writeGroup({ memberGroupIds: [g2.id] }, g1.id);
    // Node B has not seen g1 → g2; its check passes on its copy, the commit's conditions catch it.
    await assert.rejects(bStale.writeGroup({ memberGroupIds: [g1.id] }, g2.id), /cyclic relationship/);
    const truth = await node(view(false));
    assert.deepEqual(truth.group(g2.id)!.memberGroupIds, []);
  });

  it('keeps one alias per entity and mount across nodes', async () => {
    const { view } = sharedStorage();
    const a = await node(view());
    const entity = await a.writeEntity({ name: 'two-faced' });
    const b = await node(view());
    await a.writeAlias({ name: 'first', mountAccessor: USERPASS, canonicalId: entity.id });
    await assert.rejects(b.writeAlias({ name: 'second', mountAccessor: USERPASS, canonicalId: entity.id }), /already has an alias for mount accessor/);
    assert.equal(b.aliasesOf(entity.id).length, 1, 'the refused write taught node B the alias');
    const truth = await node(view(false));
    assert.deepEqual(truth.aliasesOf(entity.id).map((x) => x.name), ['first']);
    // Moving the alias away frees the slot (in storage too: the claim succeeds).
    const other = await b.writeEntity({ name: 'other' });
    await b.writeAlias({ canonicalId: other.id }, truth.aliasesOf(entity.id)[0]!.id);
    await b.writeAlias({ name: 'again', mountAccessor: USERPASS, canonicalId: entity.id });
    assert.deepEqual((await node(view(false))).aliasesOf(entity.id).map((x) => x.name), ['again']);
  });

  it('refuses an alias for an entity another node deleted', async () => {
    const { view } = sharedStorage();
    const a = await node(view());
    const entity = await a.writeEntity({ name: 'short-lived' });
    const b = await node(view());
    await a.deleteEntity(entity.id);
    await assert.rejects(b.writeAlias({ name: 'x', mountAccessor: USERPASS, canonicalId: entity.id }), /entity not found/);
    assert.equal((await node(view(false))).listAliases().length, 0);
  });
});
