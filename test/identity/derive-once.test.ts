import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startInProcessServer, type InProcessServer } from '../harness/in-process.js';

// Issue 13: a request derives its token's identity policies once (for the ACL and for audit alike),
// however many groups the entity is in, and still gets every group's policies.

describe('identity policies are derived once per request', () => {
  let server: InProcessServer;
  let auditDir: string;
  const root = 'root-derive-once';
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, token = root) => api<T>(server.address, method, path, { token, body });

  before(async () => {
    server = await startInProcessServer(root);
    auditDir = await mkdtemp(join(tmpdir(), 'coffer-derive-once-'));
  });
  after(async () => {
    await server?.destroy();
    await rm(auditDir, { recursive: true, force: true });
  });

  it('a KV read by a token whose entity is in a deep group chain: one derivation, every policy applies', async () => {
    assert.equal((await call('PUT', 'sys/audit/file', { type: 'file', options: { file_path: join(auditDir, 'audit.log') } })).status, 204);
    assert.equal((await call('POST', 'sys/auth/userpass', { type: 'userpass' })).status, 204);
    assert.equal((await call('POST', 'auth/userpass/users/ada', { password: 'pw-ada-secret' })).status, 204);
    const login = await call<{ auth: { client_token: string; entity_id: string } }>('POST', 'auth/userpass/login/ada', { password: 'pw-ada-secret' }, '');
    assert.equal(login.status, 200, login.text);
    const { client_token: token, entity_id: entityId } = login.body.auth;

    // The read is granted only by the outermost of 20 nested groups; 100 unrelated groups exist too.
    assert.equal((await call('PUT', 'sys/policies/acl/top-read', { policy: 'path "secret/data/deep" { capabilities = ["read"] }' })).status, 204);
    for (let i = 0; i < 100; i++) assert.equal((await call('POST', 'identity/group', { name: `noise${i}`, policies: ['noise'] })).status, 200);
    let child = await call<{ data: { id: string } }>('POST', 'identity/group', { name: 'level0', member_entity_ids: [entityId] });
    for (let level = 1; level < 20; level++) {
      child = await call<{ data: { id: string } }>('POST', 'identity/group', { name: `level${level}`, member_group_ids: [child.body.data.id], ...(level === 19 ? { policies: ['top-read'] } : {}) });
      assert.equal(child.status, 200, child.text);
    }
    assert.equal((await call('POST', 'secret/data/deep', { data: { k: 'v' } })).status, 200);

    const identity = server.core.identity;
    const before = identity.derivations;
    const read = await call<{ data: { data: Record<string, string> } }>('GET', 'secret/data/deep', undefined, token);
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.body.data.data, { k: 'v' });
    assert.equal(identity.derivations - before, 1, 'ACL and audit share one derivation');

    const refused = identity.derivations;
    assert.equal((await call('GET', 'secret/data/elsewhere', undefined, token)).status, 403);
    assert.equal(identity.derivations - refused, 1, 'a refused request derives once too');
  });
});
