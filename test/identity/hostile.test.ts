import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { api } from '../harness/http.js';
import { assertStatus, authAccessor, createEntity, createGroup, startIdentityServer, type Identity } from './fixture.js';

// Bad input gets a 400 and changes nothing; racing writes cannot build what one write would refuse.

describe('identity under hostile input', () => {
  let id: Identity;
  before(async () => {
    id = await startIdentityServer();
  });
  after(async () => {
    await id?.server.destroy();
  });

  it('refuses wrongly typed entity fields with 400 and creates nothing', async () => {
    const bodies: Record<string, unknown>[] = [
      { name: 'typed-1', policies: { a: 1 } },
      { name: 'typed-2', disabled: 'maybe' },
      { name: 'typed-3', metadata: 42 },
      { name: 'typed-4', metadata: ['no-equals-sign'] },
      { name: { nested: true } },
      { name: 'x'.repeat(600) },
      { name: '   ' },
    ];
    for (const body of bodies) assertErrorAnswer(await id.call('POST', 'identity/entity', body), 400);
    for (const name of ['typed-1', 'typed-2', 'typed-3', 'typed-4']) assertStatus(await id.call('GET', `identity/entity/name/${name}`), 404, name);
  });

  it('refuses wrongly typed alias and group fields with 400', async () => {
    const entityId = await createEntity(id, { name: 'hostile-owner' });
    const accessor = await authAccessor(id, 'token/');
    assertErrorAnswer(await id.call('POST', 'identity/entity-alias', { name: 'x', canonical_id: entityId, mount_accessor: accessor, custom_metadata: { n: 1 } }), 400);
    assertErrorAnswer(await id.call('POST', 'identity/entity-alias', { canonical_id: entityId }), 400, /must be provided/);
    assertErrorAnswer(await id.call('POST', 'identity/group', { name: 'g', member_entity_ids: { a: 1 } }), 400);
    assertErrorAnswer(await id.call('POST', 'identity/group', { name: 'g', metadata: { a: [1] } }), 400);
    const entity = await id.call<{ data: { aliases: unknown[] } }>('GET', `identity/entity/id/${entityId}`);
    assert.deepEqual(entity.body.data.aliases, []);
    assertStatus(await id.call('GET', 'identity/group/name/g'), 404, 'no group');
  });

  it('answers 400 to a malformed JSON body and creates nothing', async () => {
    const bad = await api(id.server.address, 'POST', 'identity/entity', { token: id.root, rawBody: '{"name": "half-written' });
    assertErrorAnswer(bad, 400);
    assertStatus(await id.call('GET', 'identity/entity/name/half-written'), 404, 'not created');
  });

  it('lets only one of two racing memberships that would close a cycle succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await createGroup(id, { name: `race-a-${round}` });
      const b = await createGroup(id, { name: `race-b-${round}` });
      const results = await Promise.all([
        id.call('POST', `identity/group/id/${a}`, { member_group_ids: [b] }),
        id.call('POST', `identity/group/id/${b}`, { member_group_ids: [a] }),
      ]);
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [204, 400], results.map((r) => r.text).join(' | '));
    }
  });

  for (const [what, path] of [
    ['entity', 'identity/entity/name/raced-entity'],
    ['group', 'identity/group/name/raced-group'],
  ] as const) {
    it(`creates one ${what} when 20 writers race to create the same name, and updates it for the rest`, async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => id.call('POST', path, { policies: ['p'] })));
      const statuses = results.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 200).length, 1, statuses.join(','));
      assert.equal(statuses.filter((s) => s === 204).length, 19, statuses.join(','));
    });
  }
});
