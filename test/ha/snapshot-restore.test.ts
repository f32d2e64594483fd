import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifySnapshot } from '../../src/core/snapshot.js';
import { api } from '../harness/http.js';
import { poll } from '../harness/poll.js';
import { startServer, type TestServer } from '../harness/server.js';
import type { Envelope, TokenLookup } from '../harness/vault-types.js';
import { restoreOverHttp } from '../snapshot/fixture.js';
import { coffer, succeeded } from '../harness/cli.js';
import { exited, retrying, startHaCluster, type HaCluster } from './fixture.js';

// Issue 7's snapshot proof: a snapshot taken under a write load on an HA cluster (3 etcd members +
// 3 Coffer nodes) and restored into a fresh HA cluster on a new etcd cluster, and into a fresh
// SQLite node, serves the same secrets and tokens, and its wrapping tokens are still single-use.
// Every write acknowledged before the snapshot was asked for must be in it; later ones may be.

const POLICY = 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n';
/** What the source holds before the snapshot, by KV path under secret/data/. */
const SECRETS: Record<string, Record<string, string>> = {
  'app/db': { username: 'app', password: 'db-password-1' },
  'app/api': { key: 'api-key-2' },
  'other/ops': { note: 'not for the app token' },
};

interface Wrapped {
  token: string;
  /** What an unwrap answers in `data`. */
  data: Record<string, unknown>;
}

interface TargetView {
  /** Every node of the target, the addresses a client would use. */
  addresses(): string[];
}

describe('a snapshot taken under load on an HA cluster, restored into a fresh HA cluster and a fresh SQLite node', () => {
  let source: HaCluster;
  let home: string;
  let file: string;
  let root = '';
  let appToken = '';
  let appLookup: TokenLookup;
  /** Used up on the source after the snapshot: each restore brings it back unused. */
  let kvWrapped: Wrapped;
  let wrapped: Wrapped;
  /** For the concurrent unwraps (one per target). */
  let raced: Wrapped;
  const ackedBefore = new Map<string, string>();
  const ackedAfter = new Map<string, string>();
  const failedWrites: string[] = [];

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'coffer-ha-snapshot-'));
    file = join(home, 'cluster.snap');
    source = await startHaCluster({ name: 'ha-snap-src' });
    root = source.rootToken;
    const [n0, n1, n2] = source.nodes.map((n) => n.address) as [string, string, string];

    // State written through different nodes (standbys forward to the active node).
    for (const [i, [path, data]] of Object.entries(SECRETS).entries()) {
      const res = await api(source.nodes[i % 3]!.address, 'POST', `secret/data/${path}`, { token: root, body: { data } });
      assert.equal(res.status, 200, res.text);
    }
    const policy = await api(n1, 'PUT', 'sys/policies/acl/app-reader', { token: root, body: { policy: POLICY } });
    assert.equal(policy.status, 204, policy.text);
    const created = await api<Envelope>(n2, 'POST', 'auth/token/create', { token: root, body: { policies: ['app-reader'], ttl: '2h' } });
    assert.equal(created.status, 200, created.text);
    appToken = created.body.auth!.client_token;
    appLookup = await lookupSelf(n0, appToken);

    const kvRead = await api<Envelope>(n0, 'GET', 'secret/data/app/db', { token: root, headers: { 'X-Vault-Wrap-TTL': '1h' } });
    assert.equal(kvRead.status, 200, kvRead.text);
    kvWrapped = { token: kvRead.body.wrap_info!.token, data: { data: SECRETS['app/db'], metadata: (await kvData(n0, root, 'app/db')).metadata } };
    wrapped = await wrap(n1, root, { handed: 'over-once' });
    raced = await wrap(n2, root, { raced: 'by-three-nodes' });

    // A write load through all three nodes while the snapshot is taken.
    let phase: 'before' | 'during' | 'after' = 'before';
    let stop = false;
    const writer = async (w: number) => {
      const address = source.nodes[w]!.address;
      for (let n = 0; !stop; n++) {
        const key = `load/w${w}-${n}`;
        const startedIn = phase;
        const res = await api(address, 'POST', `secret/data/${key}`, { token: root, body: { data: { value: key } } }).catch((err: Error) => ({ status: 0, text: err.message }));
        if (res.status !== 200) failedWrites.push(`${key} via ${address}: ${res.status} ${res.text.slice(0, 200)}`);
        else if (phase === 'before') ackedBefore.set(key, key);
        else if (startedIn === 'after') ackedAfter.set(key, key);
      }
    };
    const writers = [0, 1, 2].map(writer);
    try {
      await poll('60 writes before the snapshot', () => ackedBefore.size >= 60 || failedWrites.length > 0, { timeoutMs: 30_000, intervalMs: 10 });
      // Saved through a standby with the CLI: the standby streams the download from the active node.
      const active = await source.settledActive();
      const standby = source.nodes.find((n) => n !== active)!;
      phase = 'during';
      succeeded(await coffer(standby.address, root, home, ['operator', 'snapshot', 'save', file]), 'snapshot save');
      phase = 'after';
      await poll('30 writes after the snapshot', () => ackedAfter.size >= 30 || failedWrites.length > 0, { timeoutMs: 30_000, intervalMs: 10 });
    } finally {
      stop = true;
      await Promise.all(writers);
    }

    // After the snapshot the source uses up one wrapping token and drops a secret: a restore
    // brings back the state as the snapshot held it.
    assert.equal((await unwrap(n0, kvWrapped.token)).status, 200);
    assert.equal((await api(n1, 'DELETE', 'secret/metadata/app/api', { token: root })).status, 204);
  });

  after(async () => {
    await source?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('keeps writing through every node while the snapshot is saved through a standby with the CLI', async () => {
    assert.deepEqual(failedWrites.slice(0, 5), [], `${failedWrites.length} writes failed under load`);
    const snapshot = verifySnapshot(await readFile(file));
    assert.equal(snapshot.header.storage_type, 'etcd');
    assert.ok(ackedBefore.size >= 60 && ackedAfter.size >= 30);
    console.log(`snapshot under load: ${ackedBefore.size} writes acknowledged before it, ${ackedAfter.size} started after it; ${snapshot.entries.length} entries`);
  });

  describe('restored into a fresh HA cluster (new etcd cluster, 3 fresh Coffer nodes, same master key)', () => {
    let target: HaCluster;
    const view: TargetView = { addresses: () => target.running().map((n) => n.address) };

    before(async () => {
      target = await startHaCluster({ name: 'ha-snap-dst', masterKey: source.masterKey, mountKv: false });
    });
    after(async () => {
      await target?.stop();
    });

    it('restores through the CLI on a standby with no warning, and every node then serves the restored store', async () => {
      const active = await target.settledActive();
      const standby = target.nodes.find((n) => n !== active)!;
      const restored = await coffer(standby.address, target.rootToken, home, ['operator', 'snapshot', 'restore', file]);
      assert.equal(restored.code, 0, `${restored.stderr}${restored.stdout}`);
      assert.match(restored.stdout, /Success! Snapshot restored\./);
      assert.equal(restored.stderr, '', 'same master key: no "sealed under other keys" warning');
      // The restoring node seals around the swap; some node is active and all are unsealed after it.
      await target.settledActive(20_000).catch((err: Error) => assert.fail(`${err.message}\n${logs(target)}`));
      await target.allUnsealed(20_000);
      for (const address of view.addresses()) {
        const own = await retrying(() => api(address, 'GET', 'auth/token/lookup-self', { token: target.rootToken }), (res) => res.status === 403);
        assert.equal(own.status, 403, `the fresh cluster's own root token is gone with its old store (${address}): ${own.text}`);
      }
    });

    checkRestored(() => view);

    it('stays highly available: when the active node is killed, a standby takes over and serves the restored store', async () => {
      const active = await target.settledActive();
      active.child.kill('SIGKILL');
      await exited(active.child);
      const next = await target.settledActive(15_000, active).catch((err: Error) => assert.fail(`${err.message}\n${logs(target)}`));
      for (const address of view.addresses()) {
        const read = await retrying(() => api<Envelope<{ data: Record<string, string> }>>(address, 'GET', 'secret/data/app/db', { token: appToken }), (res) => res.status === 200);
        assert.equal(read.status, 200, `${address} (active: ${next.address}): ${read.text}`);
        assert.deepEqual(read.body.data?.data, SECRETS['app/db']);
      }
    });
  });

  describe('restored into a fresh SQLite node (same master key)', () => {
    let server: TestServer;
    const view: TargetView = { addresses: () => [server.address] };

    before(async () => {
      server = await startServer({ dev: false, masterKey: source.masterKey });
    });
    after(async () => {
      await server?.destroy();
    });

    it('restores over HTTP with 204 and is unsealed, its own root token gone', async () => {
      const res = await restoreOverHttp(server.address, server.rootToken, await readFile(file));
      assert.equal(res.status, 204, res.text);
      const health = await api<{ sealed: boolean }>(server.address, 'GET', 'sys/health');
      assert.equal(health.status, 200, health.text);
      assert.equal((await api(server.address, 'GET', 'auth/token/lookup-self', { token: server.rootToken })).status, 403);
    });

    checkRestored(() => view);
  });

  /** The checks every restored target must pass, asked through each of its nodes. */
  function checkRestored(target: () => TargetView) {
    it('reads back every secret and every write acknowledged before the snapshot, equal, through every node', async () => {
      const addresses = target().addresses();
      for (const address of addresses) {
        for (const [path, data] of Object.entries(SECRETS)) {
          assert.deepEqual((await kvData(address, root, path)).data, data, `${path} via ${address}`);
        }
      }
      const keys = [...ackedBefore.keys()];
      const wrong: string[] = [];
      for (let i = 0; i < keys.length; i += 32) {
        await Promise.all(
          keys.slice(i, i + 32).map(async (key, j) => {
            const address = addresses[(i + j) % addresses.length]!;
            const res = await api<Envelope<{ data: { value: string } }>>(address, 'GET', `secret/data/${key}`, { token: root });
            if (res.status !== 200 || res.body.data?.data.value !== ackedBefore.get(key)) wrong.push(`${key} via ${address}: ${res.status} ${res.text.slice(0, 120)}`);
          }),
        );
      }
      assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} of ${keys.length} writes acknowledged before the snapshot are missing or differ`);
    });

    it('serves the tokens made before the snapshot: same lookup, and their policies apply (200 allowed, 403 elsewhere)', async () => {
      for (const address of target().addresses()) {
        assert.equal((await api(address, 'GET', 'auth/token/lookup-self', { token: root })).status, 200, `root via ${address}`);
        const lookup = await lookupSelf(address, appToken);
        assert.equal(lookup.accessor, appLookup.accessor);
        assert.deepEqual(lookup.policies, appLookup.policies);
        assert.ok(lookup.policies.includes('app-reader'));
        const allowed = await api<Envelope<{ data: Record<string, string> }>>(address, 'GET', 'secret/data/app/db', { token: appToken });
        assert.equal(allowed.status, 200, `${address}: ${allowed.text}`);
        assert.deepEqual(allowed.body.data?.data, SECRETS['app/db']);
        const denied = await api(address, 'GET', 'secret/data/other/ops', { token: appToken });
        assert.equal(denied.status, 403, `${address}: ${denied.text}`);
        const write = await api(address, 'POST', 'secret/data/app/db', { token: appToken, body: { data: { password: 'changed' } } });
        assert.equal(write.status, 403, `read-only policy, write via ${address}: ${write.text}`);
      }
    });

    it('unwraps each wrapping token made before the snapshot exactly once (the second unwrap is a 400)', async () => {
      const addresses = target().addresses();
      // kvWrapped was used up on the source after the snapshot: in the restore it is unused again.
      for (const [i, w] of [kvWrapped, wrapped].entries()) {
        const first = await unwrap(addresses[i % addresses.length]!, w.token);
        assert.equal(first.status, 200, first.text);
        assert.deepEqual(first.body.data, w.data);
        const second = await unwrap(addresses[(i + 1) % addresses.length]!, w.token);
        assert.equal(second.status, 400, second.text);
        assert.match(second.text, /wrapping token is not valid or does not exist/);
      }
    });

    it('answers concurrent unwraps of one wrapping token, one per node (three at once), with exactly one 200', async () => {
      const addresses = target().addresses();
      const racers = addresses.length === 1 ? [addresses[0]!, addresses[0]!, addresses[0]!] : addresses;
      const answers = await Promise.all(racers.map((address) => unwrap(address, raced.token)));
      const statuses = answers.map((a) => a.status).sort();
      assert.deepEqual(statuses, [200, 400, 400], answers.map((a) => a.text).join('\n'));
      for (const refused of answers.filter((a) => a.status === 400)) assert.match(refused.text, /wrapping token is not valid or does not exist/);
      assert.deepEqual(answers.find((a) => a.status === 200)!.body.data, raced.data);
    });

    it('holds the state as of the snapshot: what the source deleted after it is back', async () => {
      for (const address of target().addresses()) {
        assert.deepEqual((await kvData(address, root, 'app/api')).data, SECRETS['app/api'], `via ${address}`);
      }
    });
  }
});

/** The warnings and errors each node logged (JSON log lines at level 40 and up), for a failure message. */
function logs(cluster: HaCluster): string {
  return cluster.nodes
    .map((n) => `--- ${n.address}:\n${n.output().split('\n').filter((line) => /"level":(4|5|6)0/.test(line)).slice(-8).join('\n')}`)
    .join('\n');
}

async function lookupSelf(address: string, token: string): Promise<TokenLookup> {
  const res = await api<Envelope<TokenLookup>>(address, 'GET', 'auth/token/lookup-self', { token });
  assert.equal(res.status, 200, `lookup-self via ${address}: ${res.text}`);
  return res.body.data!;
}

async function kvData(address: string, token: string, path: string): Promise<{ data: Record<string, string>; metadata: Record<string, unknown> }> {
  const res = await api<Envelope<{ data: Record<string, string>; metadata: Record<string, unknown> }>>(address, 'GET', `secret/data/${path}`, { token });
  assert.equal(res.status, 200, `${path} via ${address}: ${res.text}`);
  return res.body.data!;
}

async function wrap(address: string, token: string, data: Record<string, string>): Promise<Wrapped> {
  const res = await api<Envelope>(address, 'POST', 'sys/wrapping/wrap', { token, body: data, headers: { 'X-Vault-Wrap-TTL': '1h' } });
  assert.equal(res.status, 200, res.text);
  return { token: res.body.wrap_info!.token, data };
}

function unwrap(address: string, wrappingToken: string) {
  return api<Envelope>(address, 'POST', 'sys/wrapping/unwrap', { token: wrappingToken });
}
