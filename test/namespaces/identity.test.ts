import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../harness/server.js';
import { expect2xx, nsCall } from './fixture.js';

// Identity per namespace, as Vault's: each namespace has its own identity/ with its own entities,
// aliases and groups; a login in a namespace maps to an entity there, whose groups' policies (the
// namespace's own) apply; nothing of one namespace's identity shows in another.

describe('identity in namespaces', () => {
  let server: TestServer;
  const call = <T = Record<string, unknown>>(method: string, path: string, options: { namespace?: string; body?: unknown; token?: string } = {}) =>
    nsCall<T>(server.address, options.token ?? server.rootToken, method, path, options);

  before(async () => {
    server = await startServer();
    for (const ns of ['ia', 'ib']) {
      expect2xx(await call('POST', `sys/namespaces/${ns}`), `create ${ns}`);
      expect2xx(await call('POST', 'sys/mounts/kv', { namespace: ns, body: { type: 'kv', options: { version: '2' } } }), `mount in ${ns}`);
      expect2xx(await call('POST', 'kv/data/x', { namespace: ns, body: { data: { ns } } }), `write in ${ns}`);
    }
    expect2xx(await call('POST', 'sys/auth/userpass', { namespace: 'ia', body: { type: 'userpass' } }), 'userpass in ia');
    expect2xx(await call('POST', 'auth/userpass/users/alice', { namespace: 'ia', body: { password: 'pw-alice-1' } }), 'user');
    expect2xx(await call('PUT', 'sys/policies/acl/kv-read', { namespace: 'ia', body: { policy: 'path "kv/data/*" { capabilities = ["read"] }' } }), 'policy');
  });
  after(async () => server?.destroy());

  it("a login in a namespace makes an entity there; its group's policies apply; other namespaces do not see it", async () => {
    const login = await call<{ auth: { client_token: string; entity_id: string } }>('POST', 'auth/userpass/login/alice', { namespace: 'ia', body: { password: 'pw-alice-1' } });
    const { client_token: token, entity_id: entityId } = expect2xx(login, 'login').auth;
    assert.match(entityId, /^[0-9a-f-]{36}$/);
    assert.equal((await call('GET', 'kv/data/x', { namespace: 'ia', token })).status, 403, 'no policy yet');

    expect2xx(await call('POST', 'identity/group', { namespace: 'ia', body: { name: 'readers', policies: ['kv-read'], member_entity_ids: [entityId] } }), 'group');
    const read = await call<{ data: { data: { ns: string } } }>('GET', 'kv/data/x', { namespace: 'ia', token });
    assert.deepEqual([read.status, read.body.data?.data.ns], [200, 'ia'], "the group's policy, read in the token's namespace");

    const entity = await call<{ data: { id: string; namespace_id: string; aliases: { namespace_id: string }[] } }>('GET', `identity/entity/id/${entityId}`, { namespace: 'ia' });
    assert.equal(entity.status, 200, entity.text);
    const iaId = expect2xx(await call<{ data: { id: string } }>('GET', 'sys/namespaces/ia'), 'read ia').data.id;
    assert.deepEqual([entity.body.data.namespace_id, entity.body.data.aliases.map((a) => a.namespace_id)], [iaId, [iaId]], "Vault's namespace_id: the namespace's id");
    for (const elsewhere of ['', 'ib']) {
      assert.equal((await call('GET', `identity/entity/id/${entityId}`, { namespace: elsewhere })).status, 404, `entity not in ${elsewhere || 'root'}`);
      assert.equal((await call('GET', 'identity/group/name/readers', { namespace: elsewhere })).status, 404, `group not in ${elsewhere || 'root'}`);
    }
    assert.equal((await call('LIST', 'identity/entity/id', { namespace: 'ib' })).status, 404, 'ib has no entities');
  });

  it('the same entity name in two namespaces names two entities; an alias may only name its own namespace\'s auth methods', async () => {
    const made = async (ns: string) => expect2xx(await call<{ data: { id: string } }>('POST', 'identity/entity', { namespace: ns, body: { name: 'svc' } }), `entity in ${ns}`).data.id;
    const [a, b] = [await made('ia'), await made('ib')];
    assert.notEqual(a, b);
    const auths = expect2xx(await call<{ data: Record<string, { accessor: string }> }>('GET', 'sys/auth', { namespace: 'ia' }), 'auths');
    const userpassAccessor = auths.data['userpass/']!.accessor;
    const refused = await call<{ errors: string[] }>('POST', 'identity/entity-alias', { namespace: 'ib', body: { name: 'x', canonical_id: b, mount_accessor: userpassAccessor } });
    assert.deepEqual([refused.status, refused.body.errors], [400, [`invalid mount accessor "${userpassAccessor}"`]]);
    expect2xx(await call('POST', 'identity/entity-alias', { namespace: 'ia', body: { name: 'x', canonical_id: a, mount_accessor: userpassAccessor } }), 'alias in ia');
  });
});
