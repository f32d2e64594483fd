import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { appRoleAuth, CofferApiError, SecretDistributor, type CofferClient } from '../../../src/client/index.js';
import { startHaCluster, type HaCluster } from '../../ha/fixture.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { appClient, appRole, unique } from './fixture.js';

// One set of SDK scenarios, run against each kind of server an application may be pointed at: a
// single dev server, a standby of a 3-node HA cluster on etcd (which forwards to the active node),
// and the same standby asked not to forward (it answers 307 to the active node, which the SDK follows).

interface Target {
  address: string;
  rootToken: string;
  forwarding: boolean;
}

function sdkScenarios(target: () => Target): void {
  const admin = (): CofferClient => {
    const { address, rootToken, forwarding } = target();
    return appClient(address, { token: rootToken, forwarding });
  };

  it('KV v2: write with cas, read, patch, versions, metadata, list, delete, undelete, destroy', async () => {
    const client = admin();
    const path = `secret/${unique('kv')}`;
    await client.kv.put(`${path}/db`, { user: 'app', password: 'one' }, { cas: 0 });
    await assert.rejects(client.kv.put(`${path}/db`, { password: 'lost' }, { cas: 0 }), (err: unknown) => err instanceof CofferApiError && err.status === 400);
    await client.kv.patch(`${path}/db`, { password: 'two' });
    const read = await client.kv.get(`${path}/db`);
    assert.deepEqual((read.secret!.data as { data: unknown }).data, { user: 'app', password: 'two' });
    assert.equal(((await client.kv.get(`${path}/db`, { version: 1 })).secret!.data as { data: { password: string } }).data.password, 'one');
    await client.kv.metadataPut(`${path}/db`, { max_versions: 5, custom_metadata: { owner: 'team-a' } });
    const meta = (await client.kv.metadataGet(`${path}/db`)).secret!.data as { current_version: number; custom_metadata: Record<string, string> };
    assert.equal(meta.current_version, 2);
    assert.deepEqual(meta.custom_metadata, { owner: 'team-a' });
    assert.deepEqual((await client.kv.list(path)).secret?.data?.keys, ['db']);
    await client.kv.delete(`${path}/db`);
    await assert.rejects(client.kv.get(`${path}/db`), (err: unknown) => err instanceof CofferApiError && err.status === 404);
    await client.kv.undelete(`${path}/db`, [2]);
    assert.equal(((await client.kv.get(`${path}/db`)).secret!.data as { data: { password: string } }).data.password, 'two');
    await client.kv.destroy(`${path}/db`, [1]);
    await assert.rejects(client.kv.get(`${path}/db`, { version: 1 }), (err: unknown) => err instanceof CofferApiError && err.status === 404);
  });

  it('wrapping: a secret handed on as a single-use token is received once, checked against its creation path', async () => {
    const client = admin();
    const path = `secret/data/${unique('handoff')}`;
    await client.write(path, { data: { api_key: 'k-123' } });
    const distributor = new SecretDistributor(client, { ttl: '2m' });
    const handoff = await distributor.shareSecret(path);
    assert.equal(handoff.creationPath, path);
    const received = await distributor.receive(handoff.token, path);
    assert.deepEqual((received.data as { data: unknown }).data, { api_key: 'k-123' });
    assert.equal(await distributor.unused(handoff.token), false);
  });

  it('an AppRole session: token renewed on demand, a revoked token replaced by a new login, then revoked on close', async () => {
    const root = admin();
    const { login, prefix } = await appRole(root, { ttl: '1h', maxTtl: '2h' });
    await root.kv.put(`secret/${prefix}cfg`, { v: '1' });
    const { address, forwarding } = target();
    const client = appClient(address, { forwarding });
    const session = await client.authenticate(appRoleAuth(login));
    await session.renew();
    await root.tokens.revoke(session.token);
    assert.equal(((await client.kv.get(`secret/${prefix}cfg`)).secret!.data as { data: { v: string } }).data.v, '1');
    const token = session.token;
    await session.close({ revoke: true });
    await assert.rejects(root.tokens.lookup(token), (err: unknown) => err instanceof CofferApiError && err.status === 403);
  });

  it('the cache: 100 concurrent reads make one request', async () => {
    const { address, rootToken, forwarding } = target();
    const path = `secret/data/${unique('cached')}`;
    await admin().write(path, { data: { v: 'c' } });
    const client = appClient(address, { token: rootToken, forwarding, cache: {} });
    try {
      const answers = await Promise.all(Array.from({ length: 100 }, () => client.read(path)));
      assert.ok(answers.every((a) => (a!.data as { data: { v: string } }).data.v === 'c'));
      assert.equal(client.cache!.stats.misses, 1);
    } finally {
      await client.close();
    }
  });
}

describe('SDK scenarios on a dev server', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
    await appClient(server.address, { token: server.rootToken }).auth.enable('approle', { type: 'approle' });
  });
  after(async () => server?.destroy());
  sdkScenarios(() => ({ address: server.address, rootToken: server.rootToken, forwarding: true }));
});

describe('SDK scenarios on an HA standby (3 Coffer nodes on a 3-member etcd cluster)', () => {
  let cluster: HaCluster;
  let standby: string;
  before(async () => {
    cluster = await startHaCluster({ name: 'sdk-standby' });
    const active = await cluster.settledActive();
    standby = cluster.running().find((n) => n !== active)!.address;
    await appClient(active.address, { token: cluster.rootToken }).auth.enable('approle', { type: 'approle' });
  });
  after(async () => cluster?.stop());

  describe('forwarded by the standby', () => sdkScenarios(() => ({ address: standby, rootToken: cluster.rootToken, forwarding: true })));
  describe('redirected by the standby (X-Vault-No-Request-Forwarding, 307 followed)', () =>
    sdkScenarios(() => ({ address: standby, rootToken: cluster.rootToken, forwarding: false })));
});
