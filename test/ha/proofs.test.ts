import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { poll, PollTimeout } from '../harness/poll.js';
import { exited, startHaCluster, type HaCluster } from './fixture.js';

// Issue 7's "Proof" bullets: single-use unwrap across nodes, and no acknowledged write lost when an
// etcd member and then the active Coffer node are killed under load. 3 etcd members + 3 Coffer nodes.

/** Writes acknowledged in each phase of the kill test before it moves on to the next. */
const LOAD_STEP = 50;

/** One request over a bounded keep-alive agent; answers status and body text. */
function post(agent: http.Agent, address: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      `${address}/v1/${path}`,
      { method: 'POST', agent, timeout: 10_000, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

describe('HA proofs: 3 etcd members + 3 Coffer nodes', () => {
  let ha: HaCluster;
  let nodes: HaCluster['nodes'];
  let token = '';
  const settledActive = (timeoutMs?: number, not?: HaCluster['nodes'][number]) => ha.settledActive(timeoutMs, not);

  before(async () => {
    ha = await startHaCluster({ name: 'ha-proofs' });
    nodes = ha.nodes;
    token = ha.rootToken;
  });

  after(async () => {
    await ha?.stop();
  });

  it('exactly one of 1,000 concurrent unwraps of one wrapping token succeeds, spread over all three nodes', async () => {
    const active = await settledActive();
    const written = await api(active.address, 'POST', 'secret/data/wrapped', { token, body: { data: { answer: '42' } } });
    assert.equal(written.status, 200, written.text);
    const wrapped = await api<{ wrap_info: { token: string } }>(active.address, 'GET', 'secret/data/wrapped', { token, headers: { 'X-Vault-Wrap-TTL': '5m' } });
    assert.equal(wrapped.status, 200, wrapped.text);
    const wrappingToken = wrapped.body.wrap_info.token;

    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    try {
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 1_000 }, (_, i) =>
          post(agent, nodes[i % nodes.length]!.address, 'sys/wrapping/unwrap', { token: wrappingToken }, { 'X-Vault-Token': token }).catch((err: Error) => ({ status: 0, text: err.message })),
        ),
      );
      const elapsed = Date.now() - started;
      const byStatus = new Map<number, number>();
      for (const a of answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
      const summary = `${JSON.stringify([...byStatus])} in ${elapsed} ms`;
      const ok = answers.filter((a) => a.status === 200);
      assert.equal(ok.length, 1, summary);
      assert.deepEqual(JSON.parse(ok[0]!.text).data.data, { answer: '42' });
      const refused = answers.filter((a) => a.status === 400);
      assert.equal(refused.length, 999, `${summary}; first other: ${answers.find((a) => a.status !== 200 && a.status !== 400)?.text}`);
      for (const r of refused) assert.match(r.text, /wrapping token is not valid or does not exist/);
      assert.equal(answers.filter((a) => a.status === 0 || a.status >= 500).length, 0, summary);
      console.log(`1,000 unwraps over 3 nodes: ${summary}`);
    } finally {
      agent.destroy();
    }
  });

  it('under a steady write load, a killed etcd member and then a killed active Coffer node lose no acknowledged write', async () => {
    const active = await settledActive();
    const etcdLeader = await ha.etcd.leader();
    const etcdVictim = ha.etcd.members.find((m) => m !== etcdLeader)!;
    const addresses = nodes.map((n) => n.address);
    const acknowledged = new Map<string, string>();
    let abandoned = 0;
    let retried = 0;
    let ackedAfterFailover = 0;
    let failedOverAt = Infinity;
    let stop = false;

    const write = async (address: string, key: string, value: string): Promise<boolean> => {
      try {
        const res = await fetch(`${address}/v1/secret/data/${key}`, {
          method: 'POST',
          headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
          body: JSON.stringify({ data: { value } }),
          signal: AbortSignal.timeout(5_000),
        });
        await res.arrayBuffer();
        return res.status >= 200 && res.status < 300;
      } catch {
        return false; // refused connection (killed node) or timeout
      }
    };

    const writer = async (id: number) => {
      let turn = id;
      for (let n = 0; !stop; n++) {
        const key = `load/w${id}-${n}`;
        const value = `${id}-${n}-${randomBytes(4).toString('hex')}`;
        // Retry the same key through the other nodes (each try the next address) for up to 12 s:
        // this spans the dead active node's 5 s lease, during which standbys answer 503.
        let attempt = 0;
        try {
          await poll(
            `write ${key}`,
            async () => {
              if (attempt++ > 0) retried++;
              return write(addresses[turn++ % addresses.length]!, key, value);
            },
            { timeoutMs: 12_000, intervalMs: 50 },
          );
        } catch (err) {
          if (!(err instanceof PollTimeout)) throw err;
          abandoned++;
          continue;
        }
        acknowledged.set(key, value);
        if (Date.now() > failedOverAt) ackedAfterFailover++;
      }
    };

    const writers = [0, 1, 2].map(writer);
    // Each step waits for writes acknowledged in the state it set up, so the load spans both kills
    // and the failover however fast this machine is.
    const acknowledgedSoon = (what: string, count: number) =>
      poll(what, () => acknowledged.size >= count, { timeoutMs: 15_000, detail: () => `${acknowledged.size} acknowledged, ${retried} retries, ${abandoned} abandoned` });
    try {
      await acknowledgedSoon('the write load under way', LOAD_STEP);
      await etcdVictim.kill('SIGKILL');
      const atEtcdKill = acknowledged.size;
      await acknowledgedSoon('writes acknowledged with an etcd member down', atEtcdKill + LOAD_STEP);
      const beforeKill = acknowledged.size;
      const killedAt = Date.now();
      active.child.kill('SIGKILL');
      await exited(active.child);
      const next = await settledActive(10_000, active);
      failedOverAt = Date.now();
      const failoverMs = failedOverAt - killedAt;
      assert.ok(failoverMs <= 10_000, `failover took ${failoverMs} ms`);
      // Keep the load on until the new active node has acknowledged writes of its own.
      await poll('writes acknowledged after the failover', () => ackedAfterFailover >= LOAD_STEP, { timeoutMs: 15_000, detail: () => `${ackedAfterFailover} after failover` });
      stop = true;
      await Promise.all(writers);

      // Every acknowledged write reads back, through the new active node.
      const keys = [...acknowledged.keys()];
      const lost: string[] = [];
      {
        for (let i = 0; i < keys.length; i += 64) {
          await Promise.all(
            keys.slice(i, i + 64).map(async (key) => {
              const res = await fetch(`${next.address}/v1/secret/data/${key}`, { headers: { 'X-Vault-Token': token }, signal: AbortSignal.timeout(10_000) });
              const text = await res.text();
              if (res.status !== 200 || (JSON.parse(text) as { data: { data: { value: string } } }).data.data.value !== acknowledged.get(key)) lost.push(`${key}: ${res.status} ${text.slice(0, 120)}`);
            }),
          );
        }
      }
      const figures = `${keys.length} acknowledged (${beforeKill} before the active node was killed, ${ackedAfterFailover} after failover), ${retried} retries, ${abandoned} abandoned after 12 s of retries; failover in ${failoverMs} ms`;
      console.log(`write load: ${figures}`);
      assert.equal(lost.length, 0, `${lost.length} of ${keys.length} acknowledged writes lost: ${lost.slice(0, 5).join('; ')} (${figures})`);
      assert.ok(beforeKill > 0 && ackedAfterFailover > 0, `load did not span the failover: ${figures}`);
      // Clients retrying through any node succeed: no key was given up on.
      assert.equal(abandoned, 0, figures);
    } finally {
      stop = true;
      await Promise.all(writers);
    }
  });
});
