import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../harness/server.js';
import { deleteNamespace, expect2xx, nsCall, tokenIn } from './fixture.js';

// Namespaces over real HTTP against a real server: sys/namespaces, the namespace from
// X-Vault-Namespace and from the path (and both together), and what a token of one namespace can
// and cannot see of another.

describe('namespaces', () => {
  let server: TestServer;
  let root: string;
  const call = <T = Record<string, unknown>>(method: string, path: string, options: { namespace?: string; body?: unknown; token?: string } = {}) =>
    nsCall<T>(server.address, options.token ?? root, method, path, options);

  before(async () => {
    server = await startServer();
    root = server.rootToken;
    for (const path of ['team-a', 'team-b', 'team-a/prod']) expect2xx(await call('POST', `sys/namespaces/${path}`, { body: { custom_metadata: { owner: path } } }), `create ${path}`);
    for (const ns of ['', 'team-a', 'team-b', 'team-a/prod']) {
      expect2xx(await call('POST', 'sys/mounts/kv', { namespace: ns, body: { type: 'kv', options: { version: '2' } } }), `mount kv in ${ns || 'root'}`);
      expect2xx(await call('POST', 'kv/data/app', { namespace: ns, body: { data: { where: ns || 'root' } } }), `write in ${ns || 'root'}`);
    }
  });
  after(async () => server?.destroy());

  describe('sys/namespaces', () => {
    it('creates nested namespaces with custom metadata, lists children with key_info, reads one', async () => {
      const listed = await call<{ data: { keys: string[]; key_info: Record<string, { id: string; path: string; custom_metadata: Record<string, string> }> } }>('LIST', 'sys/namespaces');
      assert.deepEqual(listed.body.data.keys, ['team-a/', 'team-b/']);
      assert.equal(listed.body.data.key_info['team-a/']!.path, 'team-a/');
      assert.deepEqual(listed.body.data.key_info['team-a/']!.custom_metadata, { owner: 'team-a' });
      assert.match(listed.body.data.key_info['team-a/']!.id, /^[A-Za-z0-9]{5}$/);
      const children = await call<{ data: { keys: string[] } }>('LIST', 'sys/namespaces', { namespace: 'team-a' });
      assert.deepEqual(children.body.data.keys, ['prod/']);
      const read = await call<{ data: { path: string; custom_metadata: Record<string, string> } }>('GET', 'sys/namespaces/team-a/prod');
      assert.deepEqual([read.body.data.path, read.body.data.custom_metadata], ['team-a/prod/', { owner: 'team-a/prod' }]);
      assert.equal((await call('LIST', 'sys/namespaces', { namespace: 'team-b' })).status, 404, 'no children: 404 as for any empty list');
    });

    it('patches custom metadata as a merge (null removes a key)', async () => {
      await call('POST', 'sys/namespaces/team-b', { body: {} });
      const patched = await nsCall<{ data: { custom_metadata: Record<string, string> } }>(server.address, root, 'PATCH', 'sys/namespaces/team-b', { body: { custom_metadata: { cost: '42', owner: null } } });
      assert.equal(patched.status, 415, 'PATCH needs the merge-patch content type');
      const res = await fetch(`${server.address}/v1/sys/namespaces/team-b`, {
        method: 'PATCH',
        headers: { 'X-Vault-Token': root, 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ custom_metadata: { cost: '42', owner: null } }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(((await res.json()) as { data: { custom_metadata: unknown } }).data.custom_metadata, { cost: '42' });
    });

    it('refuses a bad or reserved name, a missing parent, and deleting a namespace that has children', async () => {
      for (const bad of ['sys', 'root', 'has space', 'cubbyhole']) {
        const res = await call('POST', `sys/namespaces/${encodeURIComponent(bad)}`);
        assert.equal(res.status, 400, `${bad}: ${res.text}`);
      }
      assert.equal((await call('POST', 'sys/namespaces/nowhere/child')).status, 400);
      const refused = await call('DELETE', 'sys/namespaces/team-a');
      assert.deepEqual([refused.status, refused.body], [400, { errors: ['cannot delete namespace "team-a/": it has child namespaces'] }]);
    });
  });

  describe('resolution', () => {
    it('the same path holds different data in each namespace', async () => {
      for (const ns of ['', 'team-a', 'team-b', 'team-a/prod']) {
        const read = await call<{ data: { data: { where: string } } }>('GET', 'kv/data/app', { namespace: ns });
        assert.equal(read.body.data.data.where, ns || 'root');
      }
    });

    it('X-Vault-Namespace, a path prefix, and both combined name the same namespace', async () => {
      const where = async (method: string, path: string, namespace?: string) =>
        (await call<{ data: { data: { where: string } } }>(method, path, namespace ? { namespace } : {})).body.data.data.where;
      assert.equal(await where('GET', 'team-a/prod/kv/data/app'), 'team-a/prod');
      assert.equal(await where('GET', 'kv/data/app', 'team-a/prod'), 'team-a/prod');
      assert.equal(await where('GET', 'prod/kv/data/app', 'team-a'), 'team-a/prod');
      assert.equal(await where('GET', 'kv/data/app', '/team-a/prod/'), 'team-a/prod', 'slashes around the header do not matter');
    });

    it("a namespace's sys/mounts lists its own mounts only, and its sys/ serves no root-only endpoint", async () => {
      const mounts = await call<{ data: Record<string, unknown> }>('GET', 'sys/mounts', { namespace: 'team-a' });
      assert.deepEqual(Object.keys(mounts.body.data).sort(), ['cubbyhole/', 'identity/', 'kv/', 'sys/']);
      const auths = await call<{ data: Record<string, unknown> }>('GET', 'sys/auth', { namespace: 'team-a' });
      assert.deepEqual(Object.keys(auths.body.data), ['token/']);
      for (const path of ['sys/audit', 'sys/seal', 'sys/quotas/config', 'sys/storage/raft/snapshot', 'sys/key-status']) {
        assert.equal((await call('GET', path, { namespace: 'team-a' })).status, 404, path);
      }
    });
  });

  describe('tokens and policies', () => {
    let teamA: string;
    let teamAWriter: string;

    before(async () => {
      expect2xx(await call('PUT', 'sys/policies/acl/reader', { namespace: 'team-a', body: { policy: 'path "kv/data/*" { capabilities = ["read"] }' } }), 'policy in team-a');
      // The parent grants a child's path: relative to team-a, the child's mount is prod/kv/.
      expect2xx(await call('PUT', 'sys/policies/acl/writer', { namespace: 'team-a', body: { policy: 'path "prod/kv/data/*" { capabilities = ["create", "update", "read"] }' } }), 'writer');
      teamA = await tokenIn(server.address, root, 'team-a', ['reader']);
      teamAWriter = await tokenIn(server.address, root, 'team-a', ['writer']);
    });

    it("a namespace's token reads there, with its namespace's policies read relative to it", async () => {
      const read = await call<{ data: { data: { where: string } } }>('GET', 'kv/data/app', { namespace: 'team-a', token: teamA });
      assert.equal(read.body.data.data.where, 'team-a');
      assert.equal((await call('POST', 'kv/data/app', { namespace: 'team-a', token: teamA, body: { data: {} } })).status, 403, 'read only');
    });

    it('is refused in the root, in a sibling, and through a path that leaves its namespace', async () => {
      assert.equal((await call('GET', 'kv/data/app', { token: teamA })).status, 403);
      assert.equal((await call('GET', 'kv/data/app', { namespace: 'team-b', token: teamA })).status, 403);
      assert.equal((await call('GET', 'team-b/kv/data/app', { token: teamA })).status, 403);
      assert.equal((await call('LIST', 'sys/namespaces', { token: teamA })).status, 403);
    });

    it("a parent namespace's policy grants a child's paths; the child's own policies do not reach up", async () => {
      expect2xx(await call('POST', 'kv/data/from-parent', { namespace: 'team-a/prod', token: teamAWriter, body: { data: { ok: '1' } } }), 'parent token writes the child');
      const read = await call<{ data: { data: { ok: string } } }>('GET', 'prod/kv/data/from-parent', { namespace: 'team-a', token: teamAWriter });
      assert.equal(read.body.data.data.ok, '1');
      assert.equal((await call('GET', 'kv/data/app', { namespace: 'team-a', token: teamAWriter })).status, 403, "writer grants only the child's path");
    });

    it("policies are the namespace's own: the same name means different things, and the root's are not listed there", async () => {
      const listed = await call<{ data: { keys: string[] } }>('LIST', 'sys/policies/acl', { namespace: 'team-a' });
      assert.deepEqual(listed.body.data.keys, ['default', 'reader', 'root', 'writer']);
      assert.equal((await call('GET', 'sys/policies/acl/reader')).status, 404, 'no "reader" in the root');
      const rootReader = await tokenIn(server.address, root, '', ['default']);
      assert.equal((await call('GET', 'kv/data/app', { namespace: 'team-a', token: rootReader })).status, 403, "a root token without a grant gets nothing in a child");
    });

    it("lookup-self names the token's namespace; a sibling's auth/token cannot look it up", async () => {
      const self = await call<{ data: { namespace_path: string; policies: string[] } }>('GET', 'auth/token/lookup-self', { namespace: 'team-a', token: teamA });
      assert.equal(self.body.data.namespace_path, 'team-a/');
      assert.equal((await call('POST', 'auth/token/lookup', { namespace: 'team-b', body: { token: teamA } })).status, 403, 'bad token, from team-b');
      assert.equal((await call('POST', 'auth/token/lookup', { namespace: 'team-a', body: { token: teamA } })).status, 200);
    });

    it('an auth method in a namespace logs in to tokens of that namespace', async () => {
      expect2xx(await call('POST', 'sys/auth/userpass', { namespace: 'team-b', body: { type: 'userpass' } }), 'enable userpass in team-b');
      expect2xx(await call('PUT', 'sys/policies/acl/reader', { namespace: 'team-b', body: { policy: 'path "kv/data/*" { capabilities = ["read"] }' } }), 'policy');
      expect2xx(await call('POST', 'auth/userpass/users/bea', { namespace: 'team-b', body: { password: 'pw-bea', token_policies: 'reader' } }), 'user');
      const login = await api('POST', 'auth/userpass/login/bea', 'team-b', { password: 'pw-bea' });
      const token = (login.body as { auth: { client_token: string } }).auth.client_token;
      const read = await call<{ data: { data: { where: string } } }>('GET', 'kv/data/app', { namespace: 'team-b', token });
      assert.equal(read.body.data.data.where, 'team-b');
      assert.equal((await call('GET', 'kv/data/app', { token })).status, 403);
      assert.equal((await api('POST', 'auth/userpass/login/bea', '', { password: 'pw-bea' })).status, 403, 'no userpass in the root: nothing is there for an anonymous caller');
    });

    it("a cubbyhole is the token's own in its namespace; a parent's token has none in a child", async () => {
      expect2xx(await call('POST', 'cubbyhole/note', { namespace: 'team-a', token: teamA, body: { n: 'a' } }), 'write cubbyhole');
      const read = await call<{ data: { n: string } }>('GET', 'cubbyhole/note', { namespace: 'team-a', token: teamA });
      assert.equal(read.body.data.n, 'a');
      assert.equal((await call('GET', 'cubbyhole/note', { namespace: 'team-a' })).status, 403, "the root token has no cubbyhole in team-a");
    });

    async function api(method: string, path: string, namespace: string, body: unknown) {
      return nsCall(server.address, '', method, path, { namespace, body });
    }
  });

  describe('wrapping', () => {
    it('a response wrapped in a namespace unwraps there, and not in the root or a sibling', async () => {
      const wrapped = await fetch(`${server.address}/v1/kv/data/app`, { headers: { 'X-Vault-Token': root, 'X-Vault-Namespace': 'team-a', 'X-Vault-Wrap-TTL': '5m' } });
      const info = ((await wrapped.json()) as { wrap_info: { token: string; creation_path: string } }).wrap_info;
      assert.equal(info.creation_path, 'kv/data/app', 'the path inside the namespace');
      assert.equal((await nsCall(server.address, info.token, 'POST', 'sys/wrapping/unwrap')).status, 400, 'not in the root');
      assert.equal((await nsCall(server.address, '', 'POST', 'sys/wrapping/lookup', { namespace: 'team-b', body: { token: info.token } })).status, 400, 'not in a sibling');
      const lookup = await nsCall<{ data: { creation_path: string } }>(server.address, '', 'POST', 'sys/wrapping/lookup', { namespace: 'team-a', body: { token: info.token } });
      assert.equal(lookup.body.data.creation_path, 'kv/data/app');
      const unwrapped = await nsCall<{ data: { data: { where: string } } }>(server.address, info.token, 'POST', 'sys/wrapping/unwrap', { namespace: 'team-a' });
      assert.equal(unwrapped.status, 200, unwrapped.text);
      assert.equal(unwrapped.body.data.data.where, 'team-a');
    });
  });

  describe('deletion', () => {
    it('deleting a namespace removes its mounts and data, revokes its tokens, and frees its path', async () => {
      expect2xx(await call('POST', 'sys/namespaces/doomed'), 'create doomed');
      expect2xx(await call('POST', 'sys/mounts/kv', { namespace: 'doomed', body: { type: 'kv', options: { version: '2' } } }), 'mount');
      for (let i = 0; i < 20; i++) expect2xx(await call('POST', `kv/data/s${i}`, { namespace: 'doomed', body: { data: { i } } }), 'write');
      const token = await tokenIn(server.address, root, 'doomed', ['default']);
      await deleteNamespace(server.address, root, 'doomed');
      assert.equal((await call('GET', 'auth/token/lookup-self', { token })).status, 403, 'its token is revoked');
      assert.equal((await call('GET', 'kv/data/s1', { namespace: 'doomed' })).status, 403, 'the namespace is gone: nothing is there');
      expect2xx(await call('POST', 'sys/namespaces/doomed'), 'create again');
      expect2xx(await call('POST', 'sys/mounts/kv', { namespace: 'doomed', body: { type: 'kv', options: { version: '2' } } }), 'mount again');
      assert.equal((await call('GET', 'kv/data/s1', { namespace: 'doomed' })).status, 404, 'nothing of the old one is left');
      assert.equal((await call('GET', 'kv/data/app', { namespace: 'team-a' })).status, 200, 'other namespaces served throughout');
    });
  });

});

describe('namespaces across a restart (SQLite, not dev)', () => {
  let server: TestServer | undefined;
  after(async () => server?.destroy());

  it('keep their mounts, data, policies and tokens', async () => {
    server = await startServer({ dev: false });
    const root = server.rootToken;
    const call = (address: string, method: string, path: string, namespace: string, body?: unknown, token = root) => nsCall<{ data: { data: { v: string } } }>(address, token, method, path, { namespace, body });
    expect2xx(await call(server.address, 'POST', 'sys/namespaces/ops', ''), 'create ops');
    expect2xx(await call(server.address, 'POST', 'sys/namespaces/ops/eu', ''), 'create ops/eu');
    expect2xx(await call(server.address, 'POST', 'sys/mounts/kv', 'ops/eu', { type: 'kv', options: { version: '2' } }), 'mount');
    expect2xx(await call(server.address, 'POST', 'kv/data/k', 'ops/eu', { data: { v: 'durable' } }), 'write');
    expect2xx(await call(server.address, 'PUT', 'sys/policies/acl/r', 'ops/eu', { policy: 'path "kv/data/*" { capabilities = ["read"] }' }), 'policy');
    const token = await tokenIn(server.address, root, 'ops/eu', ['r']);
    const restarted = await server.restart();
    server = restarted;
    const read = await call(restarted.address, 'GET', 'kv/data/k', 'ops/eu', undefined, token);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.data.data.v, 'durable');
    assert.equal((await call(restarted.address, 'GET', 'kv/data/k', '', undefined, token)).status, 403);
  });
});
