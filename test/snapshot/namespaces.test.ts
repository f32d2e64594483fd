import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../harness/server.js';
import { deleteNamespace, expect2xx, nsCall, tokenIn } from '../namespaces/fixture.js';
import { restoreOverHttp, saveOverHttp, sealed } from './fixture.js';

// A namespace is storage like everything else: its entry, mount tables, data, policies and tokens
// travel in a snapshot, and a restore brings them back after the namespace was deleted.

describe('namespaces in a snapshot (SQLite, real server process)', () => {
  let server: TestServer;
  let root: string;
  let token: string;
  let snapshot: Buffer;
  const call = <T = Record<string, unknown>>(method: string, path: string, namespace: string, body?: unknown, as = root) => nsCall<T>(server.address, as, method, path, { namespace, body });

  before(async () => {
    server = await startServer({ dev: false });
    root = server.rootToken;
    expect2xx(await call('POST', 'sys/namespaces/team', '', { custom_metadata: { owner: 'ops' } }), 'create team');
    expect2xx(await call('POST', 'sys/mounts/kv', 'team', { type: 'kv', options: { version: '2' } }), 'mount kv in team');
    expect2xx(await call('POST', 'kv/data/db', 'team', { data: { password: 'in-the-snapshot' } }), 'write');
    expect2xx(await call('PUT', 'sys/policies/acl/reader', 'team', { policy: 'path "kv/data/*" { capabilities = ["read"] }' }), 'policy');
    token = await tokenIn(server.address, root, 'team', ['reader']);
    snapshot = await saveOverHttp(server.address, root);
    // After the snapshot: the namespace and all it held are deleted, another one is made.
    await deleteNamespace(server.address, root, 'team');
    expect2xx(await call('POST', 'sys/namespaces/later', ''), 'create later');
    assert.equal((await call('GET', 'kv/data/db', 'team', undefined, token)).status, 403, 'the token went with its namespace');
  });
  after(async () => server?.destroy());

  it("a restore brings back the namespace, its mount, secret, policy and token, and drops what came after", async () => {
    const restored = await restoreOverHttp(server.address, root, snapshot, 'sys/storage/raft/snapshot');
    assert.equal(restored.status, 204, restored.text);
    assert.equal(await sealed(server.address), false);

    const listed = await call<{ data: { keys: string[]; key_info: Record<string, { custom_metadata: Record<string, string> }> } }>('LIST', 'sys/namespaces', '');
    assert.deepEqual(listed.body.data.keys, ['team/']);
    assert.deepEqual(listed.body.data.key_info['team/']!.custom_metadata, { owner: 'ops' });
    const read = await call<{ data: { data: Record<string, string> } }>('GET', 'kv/data/db', 'team', undefined, token);
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.body.data.data, { password: 'in-the-snapshot' });
    const self = await call<{ data: { namespace_path: string; policies: string[] } }>('GET', 'auth/token/lookup-self', 'team', undefined, token);
    assert.deepEqual([self.body.data.namespace_path, self.body.data.policies], ['team/', ['default', 'reader']]);
    assert.equal((await call('POST', 'kv/data/db', 'team', { data: {} }, token)).status, 403, 'still read only: its policy came back as it was');
    assert.equal((await call('GET', 'kv/data/db', '', undefined, token)).status, 403, 'and it works in its namespace only');
  });
});
