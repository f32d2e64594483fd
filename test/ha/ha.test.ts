import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { CofferError } from '../../src/framework/errors.js';
import { HaNode } from '../../src/core/ha/node.js';
import { parseConfig } from '../../src/server/config.js';
import { EtcdStorage } from '../../src/storage/etcd.js';
import { api } from '../harness/http.js';
import { poll } from '../harness/poll.js';
import { coffer, succeeded, tableValue } from '../harness/cli.js';
import { expect2xx, nsCall, tokenIn } from '../namespaces/fixture.js';
import { exited, leaderOf, retrying, startHaCluster, type CofferNode, type HaCluster } from './fixture.js';

describe('HA on etcd (ha_enabled = true)', () => {
  let cluster: HaCluster;
  let nodes: HaCluster['nodes'];
  let token = '';
  const running = () => cluster.running();
  const settledActive = (timeoutMs?: number, not?: HaCluster['nodes'][number]) => cluster.settledActive(timeoutMs, not);

  before(async () => {
    // All three start before the store exists: the two that are not asked to initialize it unseal
    // on their own once another node has, and join the election as standbys.
    cluster = await startHaCluster({ name: 'ha' });
    nodes = cluster.nodes;
    token = cluster.rootToken;
  });

  after(async () => {
    await cluster?.stop();
  });

  it('has exactly one active node, and every node names it as leader', async () => {
    const active = await settledActive();
    for (const node of nodes) {
      const leader = (await leaderOf(node))!;
      assert.equal(leader.ha_enabled, true);
      assert.equal(leader.is_self, node === active);
      assert.equal(leader.leader_address, active.address);
      assert.equal(leader.leader_cluster_address, active.clusterAddress);
    }
  });

  it('answers sys/health 429 with standby: true on a standby, and 200 with standbyok=true', async () => {
    const active = await settledActive();
    const standby = nodes.find((n) => n !== active)!;
    const refused = await api<{ standby: boolean; sealed: boolean }>(standby.address, 'GET', 'sys/health');
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.body.standby, true);
    assert.equal(refused.body.sealed, false);
    const ok = await api<{ standby: boolean }>(standby.address, 'GET', 'sys/health?standbyok=true');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.standby, true);
    const onActive = await api<{ standby: boolean }>(active.address, 'GET', 'sys/health');
    assert.equal(onActive.status, 200);
    assert.equal(onActive.body.standby, false);
  });

  it('forwards a KV write sent to a standby to the active node, where it reads back', async () => {
    const active = await settledActive();
    const standby = nodes.find((n) => n !== active)!;
    const written = await api(standby.address, 'POST', 'secret/data/forwarded', { token, body: { data: { via: 'standby' } } });
    assert.equal(written.status, 200, written.text);
    const read = await api<{ data: { data: Record<string, string> } }>(active.address, 'GET', 'secret/data/forwarded', { token });
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.body.data.data, { via: 'standby' });
    // A bad token is refused by the active node, through the standby, as if asked directly.
    const refused = await api(standby.address, 'GET', 'secret/data/forwarded', { token: 'hvs.not-a-token' });
    assert.equal(refused.status, 403, refused.text);
  });

  it('serves a namespace made on the active node through a standby, and on the next active node after a step-down', async () => {
    const active = await settledActive();
    const standby = running().find((n) => n !== active)!;
    const call = <T>(node: CofferNode, method: string, path: string, as: string, body?: unknown) => nsCall<T>(node.address, as, method, path, { namespace: 'ha-team', body });
    expect2xx(await nsCall(active.address, token, 'POST', 'sys/namespaces/ha-team'), 'create ha-team');
    expect2xx(await call(active, 'POST', 'sys/mounts/kv', token, { type: 'kv', options: { version: '2' } }), 'mount kv in ha-team');
    expect2xx(await call(active, 'POST', 'kv/data/app', token, { data: { where: 'ha-team' } }), 'write');
    expect2xx(await call(active, 'PUT', 'sys/policies/acl/reader', token, { policy: 'path "kv/data/*" { capabilities = ["read"] }' }), 'policy');
    const reader = await tokenIn(active.address, token, 'ha-team', ['reader']);
    type Read = { data: { data: { where: string } } };
    const forwarded = await call<Read>(standby, 'GET', 'kv/data/app', reader);
    assert.equal(forwarded.status, 200, forwarded.text);
    assert.equal(forwarded.body.data.data.where, 'ha-team');

    assert.equal((await api(active.address, 'PUT', 'sys/step-down', { token })).status, 204);
    const next = await settledActive(10_000, active);
    const read = await retrying(() => call<Read>(next, 'GET', 'kv/data/app', reader), (res) => res.status === 200);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.data.data.where, 'ha-team');
    const listed = await nsCall<{ data: { keys: string[] } }>(next.address, token, 'LIST', 'sys/namespaces');
    assert.ok(listed.body.data.keys.includes('ha-team/'), listed.text);
    assert.equal((await nsCall(next.address, reader, 'GET', 'kv/data/app')).status, 403, 'its token still works in its namespace only');
  });

  it('lists every node in sys/ha-status, the active one marked', async () => {
    const active = await settledActive();
    const standby = nodes.find((n) => n !== active)!;
    const status = await api<{ data: { nodes: { api_address: string; cluster_address: string; active_node: boolean }[] } }>(standby.address, 'GET', 'sys/ha-status', { token });
    assert.equal(status.status, 200, status.text);
    const listed = status.body.data.nodes;
    assert.deepEqual(listed.map((n) => `${n.api_address} ${n.cluster_address}`).sort(), nodes.map((n) => `${n.address} ${n.clusterAddress}`).sort());
    assert.deepEqual(listed.filter((n) => n.active_node).map((n) => n.api_address), [active.address]);
  });

  it('coffer status shows Vault\'s HA rows: the leader\'s cluster address, and this node\'s mode', async () => {
    const active = await settledActive();
    const standby = nodes.find((n) => n !== active)!;
    const home = await mkdtemp(join(tmpdir(), 'coffer-ha-status-'));
    try {
      const onStandby = succeeded(await coffer(standby.address, token, home, ['status']), 'status on a standby');
      assert.equal(tableValue(onStandby, 'HA Enabled'), 'true');
      assert.equal(tableValue(onStandby, 'HA Cluster'), active.clusterAddress);
      assert.equal(tableValue(onStandby, 'HA Mode'), 'standby');
      assert.equal(tableValue(onStandby, 'Active Since'), undefined);
      assert.equal(tableValue(onStandby, 'Active Node Address'), active.address);
      const onActive = succeeded(await coffer(active.address, token, home, ['status']), 'status on the active node');
      assert.equal(tableValue(onActive, 'HA Mode'), 'active');
      assert.ok(!Number.isNaN(Date.parse(tableValue(onActive, 'Active Since') ?? '')), onActive);
      assert.equal(tableValue(onActive, 'Active Node Address'), undefined);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('hands leadership to another node on sys/step-down (sent through a standby)', async () => {
    const active = await settledActive();
    const standby = nodes.find((n) => n !== active)!;
    const denied = await api(standby.address, 'POST', 'sys/step-down', {});
    assert.equal(denied.status, 403, denied.text);
    const stepped = await api(standby.address, 'POST', 'sys/step-down', { token });
    assert.equal(stepped.status, 204, stepped.text);
    const next = await settledActive(10_000, active);
    assert.notEqual(next, active);
    assert.equal((await leaderOf(active))!.is_self, false);
  });

  it('steps the active node down when etcd revokes its lease, and another node takes over', async () => {
    const active = await settledActive();
    const raw = new Etcd3({ hosts: cluster.etcd.endpoints });
    try {
      // etcd3's election keeps each candidate's key, named by its lease id, under election/<name>/.
      const election = raw.namespace(`election/${cluster.prefix}ha-leader/`);
      const [leaderKey] = (await election.getAll().sort('Create', 'Ascend').exec()).kvs;
      assert.deepEqual(JSON.parse(leaderKey!.value.toString()), { api_addr: active.address, cluster_addr: active.clusterAddress, forwarding: true });
      await raw.leaseClient.leaseRevoke({ ID: leaderKey!.key.toString().split('/').pop()! });
    } finally {
      raw.close();
    }
    const next = await settledActive(10_000, active);
    assert.notEqual(next, active);
    const former = (await leaderOf(active))!;
    assert.equal(former.is_self, false);
    assert.equal(former.leader_address, next.address);
  });

  it('fences off the writes of an active node whose leadership is gone before it noticed', async () => {
    const client = new Etcd3({ hosts: cluster.etcd.endpoints });
    const storage = new EtcdStorage(client, `/coffer-ha-fence-${process.pid}/`);
    // A long lease: its keep-alive (every 20 s) cannot tell the node it lost the lease before it writes.
    const ha = new HaNode({
      client,
      prefix: storage.prefix,
      apiAddr: 'http://127.0.0.1:1',
      logger: pino({ level: 'silent' }),
      onElected: async () => {},
      leaseTtlSeconds: 60,
      fence: (fence) => storage.fenceWith(fence),
    });
    try {
      await ha.start();
      ha.join();
      await poll('this node elected', () => ha.active, { timeoutMs: 5_000, intervalMs: 20 });
      assert.equal(ha.active, true);
      await storage.put('fenced', new TextEncoder().encode('while-active'));
      const [held] = (await client.namespace(`election/${storage.prefix}ha-leader/`).getAll().exec()).kvs;
      await client.leaseClient.leaseRevoke({ ID: held!.key.toString().split('/').pop()! });
      await assert.rejects(storage.put('fenced', new TextEncoder().encode('after-losing')), (err: unknown) => {
        assert.ok(err instanceof CofferError);
        assert.equal(err.status, 503);
        assert.match(err.message, /no longer the active node/);
        return true;
      });
      assert.equal(ha.active, false);
      assert.equal(new TextDecoder().decode((await storage.get('fenced'))!.value), 'while-active');
    } finally {
      await ha.close();
      await storage.close();
    }
  });

  it('fails over to a standby within 10 s when the active node is killed, and serves earlier writes', async () => {
    const active = await settledActive();
    const written = await api(active.address, 'POST', 'secret/data/before-crash', { token, body: { data: { kept: 'yes' } } });
    assert.equal(written.status, 200, written.text);
    active.child.kill('SIGKILL');
    await exited(active.child);
    // Until etcd expires the dead node's lease, a standby cannot forward: it says so with a 503.
    const standby = running()[0]!;
    const unavailable = await api<{ errors: string[] }>(standby.address, 'GET', 'secret/data/before-crash', { token });
    assert.equal(unavailable.status, 503, unavailable.text);
    assert.match(unavailable.body.errors[0]!, /could not forward the request to the active node at http:\/\/127\.0\.0\.1:\d+/);
    const next = await settledActive(10_000, active);
    const read = await retrying(
      () => api<{ data: { data: Record<string, string> } }>(next.address, 'GET', 'secret/data/before-crash', { token }),
      (res) => res.status === 200,
    );
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.body.data.data, { kept: 'yes' });
    // The remaining standby forwards to the new active node.
    const other = running().find((n) => n !== next)!;
    const viaStandby = await api<{ data: { data: Record<string, string> } }>(other.address, 'GET', 'secret/data/forwarded', { token });
    assert.equal(viaStandby.status, 200, viaStandby.text);
    assert.deepEqual(viaStandby.body.data.data, { via: 'standby' });
  });

  it('hands leadership over when the active node is sealed (sys/seal): a sealed node leaves the election', async () => {
    const active = await settledActive();
    const sealed = await api(active.address, 'POST', 'sys/seal', { token });
    assert.equal(sealed.status, 204, sealed.text);
    const next = await settledActive(10_000, active);
    assert.notEqual(next, active);
    const health = await api<{ sealed: boolean; standby: boolean }>(active.address, 'GET', 'sys/health');
    assert.equal(health.status, 503);
    assert.equal(health.body.sealed, true);
  });
});

describe('HA configuration', () => {
  it('refuses ha_enabled = true without api_addr, naming it', async () => {
    const text = 'storage "etcd" {\n  endpoints = ["http://127.0.0.1:2379"]\n  ha_enabled = true\n}\nlistener "tcp" {\n  address = "127.0.0.1:8200"\n  tls_disable = true\n}\n';
    await assert.rejects(parseConfig('ha.hcl', text), /ha_enabled = true needs api_addr/);
  });

  it('refuses a cluster_addr that is not a URL, naming it', async () => {
    const text = 'storage "etcd" {\n  endpoints = ["http://127.0.0.1:2379"]\n  ha_enabled = true\n}\nlistener "tcp" {\n  address = "127.0.0.1:8200"\n  tls_disable = true\n}\napi_addr = "http://127.0.0.1:8200"\ncluster_addr = "10.0.0.5:8201"\n';
    await assert.rejects(parseConfig('ha.hcl', text), /cluster_addr must be a URL such as "https:\/\/10\.0\.0\.5:8201", got "10\.0\.0\.5:8201"/);
  });

  it('accepts ha_enabled = false without api_addr', async () => {
    const text = 'storage "etcd" {\n  endpoints = ["http://127.0.0.1:2379"]\n  ha_enabled = false\n}\nlistener "tcp" {\n  address = "127.0.0.1:8200"\n  tls_disable = true\n}\n';
    const config = await parseConfig('ha.hcl', text);
    assert.equal(config.storage.type === 'etcd' && config.storage.haEnabled, false);
  });
});
