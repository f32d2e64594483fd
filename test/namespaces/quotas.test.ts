import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../harness/server.js';
import { deleteNamespace, expect2xx, nsCall } from './fixture.js';

// Rate-limit quotas per namespace, as Vault's: a quota whose path is a namespace counts every
// request into it, applies to the namespaces below only when inheritable, and goes when the
// namespace does; a mount in a namespace is named by its full path.

describe('quotas in namespaces', () => {
  let server: TestServer;
  const call = (method: string, path: string, options: { namespace?: string; body?: unknown } = {}) => nsCall(server.address, server.rootToken, method, path, options);
  /** The statuses of `count` reads of kv/data/x in `namespace`. */
  const reads = async (namespace: string, count: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) statuses.push((await call('GET', 'kv/data/x', { namespace })).status);
    return statuses;
  };

  before(async () => {
    server = await startServer();
    for (const ns of ['qa', 'qa/child', 'qb', 'qc']) {
      expect2xx(await call('POST', `sys/namespaces/${ns}`), `create ${ns}`);
      expect2xx(await call('POST', 'sys/mounts/kv', { namespace: ns, body: { type: 'kv', options: { version: '2' } } }), `mount in ${ns}`);
      expect2xx(await call('POST', 'kv/data/x', { namespace: ns, body: { data: { ns } } }), `write in ${ns}`);
    }
  });
  after(async () => server?.destroy());

  it('a quota on a namespace limits it, not its sibling, nor (unless inheritable) its children', async () => {
    expect2xx(await call('POST', 'sys/quotas/rate-limit/qa', { body: { path: 'qa/', rate: 3, interval: '1m' } }), 'quota');
    const read = expect2xx(await call('GET', 'sys/quotas/rate-limit/qa'), 'read quota') as { data: { path: string; inheritable: boolean } };
    assert.deepEqual([read.data.path, read.data.inheritable], ['qa/', false]);
    assert.deepEqual(await reads('qa', 4), [200, 200, 200, 429]);
    assert.deepEqual(await reads('qb', 4), [200, 200, 200, 200], 'a sibling is not counted');
    assert.deepEqual(await reads('qa/child', 4), [200, 200, 200, 200], 'not inheritable: the child is free');

    expect2xx(await call('POST', 'sys/quotas/rate-limit/qa', { body: { path: 'qa/', rate: 3, interval: '1m', inheritable: true } }), 'inheritable');
    assert.deepEqual(await reads('qa/child', 4), [200, 200, 200, 429], 'inheritable: the child is counted too');
  });

  it("a quota on a namespace's mount is named by its full path, and the mount's rule comes before the namespace's", async () => {
    expect2xx(await call('POST', 'sys/quotas/rate-limit/qb-ns', { body: { path: 'qb/', rate: 100, interval: '1m' } }), 'namespace quota');
    expect2xx(await call('POST', 'sys/quotas/rate-limit/qb-kv', { body: { path: 'qb/kv/', rate: 2, interval: '1m' } }), 'mount quota');
    assert.deepEqual(await reads('qb', 3), [200, 200, 429]);
  });

  it("deleting a namespace deletes its quotas", async () => {
    expect2xx(await call('POST', 'sys/quotas/rate-limit/qc', { body: { path: 'qc/', rate: 5 } }), 'quota');
    await deleteNamespace(server.address, server.rootToken, 'qc');
    assert.equal((await call('GET', 'sys/quotas/rate-limit/qc')).status, 404);
  });
});
