import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { poll } from '../harness/poll.js';
import { leaderOf, startHaCluster, type CofferNode, type HaCluster } from './fixture.js';

// Issue 7's fencing proof with real processes: the active node is paused (SIGSTOP) past its 5 s
// lease while writes wait in its sockets; another node takes over; the old one resumes believing
// it still leads. None of its writes may land: each either is refused or, once it has noticed, is
// forwarded to the new active node and lands there. It steps down.

const WRITES = 20;

describe('HA fencing of a paused active node', () => {
  let cluster: HaCluster;

  before(async () => {
    cluster = await startHaCluster({ name: 'ha-paused' });
  });
  after(async () => {
    for (const node of cluster?.nodes ?? []) node.child.kill('SIGCONT');
    await cluster?.stop();
  });

  it('a resumed former leader lands none of its writes and steps down', async (t) => {
    const token = cluster.rootToken;
    const paused = await cluster.settledActive();
    const others = cluster.running().filter((n) => n !== paused);
    // Warm the paused node's caches with the paths it will be asked to write.
    for (let i = 0; i < WRITES; i++) {
      const res = await api(paused.address, 'POST', `secret/data/paused/${i}`, { token, body: { data: { v: 'before' } } });
      assert.equal(res.status, 200, res.text);
    }

    assert.ok(paused.child.kill('SIGSTOP'));
    // The writes reach the stopped process's sockets and wait there.
    const answers = Array.from({ length: WRITES }, (_, i) =>
      api(paused.address, 'POST', `secret/data/paused/${i}`, { token, body: { data: { v: 'from-paused' } } }).then(
        (res) => ({ i, status: res.status, text: res.text }),
        (err: Error) => ({ i, status: 0, text: err.message }),
      ),
    );
    const next = await newActive(others, paused);
    // Written through the new active node while the old one is stopped.
    const fresh = await api(next.address, 'POST', 'secret/data/paused/new-leader', { token, body: { data: { v: 'next' } } });
    assert.equal(fresh.status, 200, fresh.text);

    assert.ok(paused.child.kill('SIGCONT'));
    const results = await Promise.all(answers);
    t.diagnostic(`answers after resuming: ${results.map((r) => r.status).join(' ')}`);
    const landed = await Promise.all(
      results.map(async ({ i }) => (await api<{ data: { data: { v: string } } }>(next.address, 'GET', `secret/data/paused/${i}`, { token })).body.data.data.v),
    );
    for (const [n, result] of results.entries()) {
      if (result.status === 200) assert.equal(landed[n], 'from-paused', `write ${result.i} answered 200 but is not in the store`);
      else assert.equal(landed[n], 'before', `write ${result.i} answered ${result.status} (${result.text}) but landed`);
    }
    // At least the first write it ran was its own, as the leader it thought it was: refused by the fence.
    assert.ok(results.some((r) => r.status === 503 && /HA fencing/.test(r.text)), `no write was fenced: ${JSON.stringify(results.map((r) => r.status))}`);

    const seen = await poll(
      'the former leader names the new one',
      async () => {
        const leader = await leaderOf(paused);
        return leader && !leader.is_self && leader.leader_address === next.address ? leader : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    assert.ok(seen, 'the former leader steps down and names the new one');
    const read = await api<{ data: { data: { v: string } } }>(paused.address, 'GET', 'secret/data/paused/new-leader', { token });
    assert.equal(read.body.data.data.v, 'next', 'the former leader now forwards, and sees what the new leader wrote');
  });
});

/** The node among `candidates` that becomes active (the paused one cannot answer, so it is not asked). */
async function newActive(candidates: CofferNode[], not: CofferNode): Promise<CofferNode> {
  return poll(
    'a standby taking over from the paused node',
    async () => {
      for (const node of candidates) {
        const leader = await leaderOf(node);
        if (leader?.is_self && node !== not && (await api(node.address, 'GET', 'sys/health')).status === 200) return node;
      }
      return undefined;
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
}
