import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';

// The identity store lives in storage: a restarted server (SQLite, not dev) knows every entity,
// alias, group and membership it had.

describe('identity across a restart', () => {
  let server: TestServer | undefined;
  after(async () => {
    await server?.destroy();
  });

  it('keeps entities, aliases, groups and memberships', async () => {
    server = await startServer({ dev: false });
    const root = server.rootToken;
    const call = <T>(method: string, path: string, body?: unknown) => api<T>(server!.address, method, path, { token: root, body });

    const entity = await call<{ data: { id: string } }>('POST', 'identity/entity', { name: 'durable', metadata: { k: 'v' }, policies: ['p'] });
    assert.equal(entity.status, 200, entity.text);
    const entityId = entity.body.data.id;
    const auth = await call<{ data: Record<string, { accessor: string }> }>('GET', 'sys/auth');
    const accessor = auth.body.data['token/']!.accessor;
    const alias = await call<{ data: { id: string } }>('POST', 'identity/entity-alias', { name: 'durable-alias', canonical_id: entityId, mount_accessor: accessor });
    assert.equal(alias.status, 200, alias.text);
    const group = await call<{ data: { id: string } }>('POST', 'identity/group', { name: 'durable-group', member_entity_ids: [entityId] });
    assert.equal(group.status, 200, group.text);

    const restarted = await server.restart();
    server = restarted;
    const again = <T>(method: string, path: string) => api<T>(restarted.address, method, path, { token: root });

    const read = await again<{ data: { name: string; metadata: Record<string, string>; policies: string[]; aliases: { id: string }[]; direct_group_ids: string[] } }>(
      'GET',
      `identity/entity/id/${entityId}`,
    );
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.data.name, 'durable');
    assert.deepEqual(read.body.data.metadata, { k: 'v' });
    assert.deepEqual(read.body.data.policies, ['p']);
    assert.deepEqual(read.body.data.aliases.map((a) => a.id), [alias.body.data.id]);
    assert.deepEqual(read.body.data.direct_group_ids, [group.body.data.id]);
    const byName = await again<{ data: { id: string } }>('GET', 'identity/group/name/durable-group');
    assert.equal(byName.body.data.id, group.body.data.id);
  });
});
