import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { poll } from '../harness/poll.js';
import { metricSample } from '../harness/prometheus.js';
import { scrape } from '../metrics/prometheus.js';
import { exited, startHaCluster, type HaCluster } from './fixture.js';

// Issue 7: background work (the reaper of expired tokens and wrapping tokens) runs on the active
// node only, and resumes on the node that takes over when the active one dies.

/** A counter from the node's Prometheus text (sys/metrics is served by the active node); 0 before its first count. */
async function counter(address: string, token: string, name: string): Promise<number> {
  return metricSample(await scrape(address, token), name) ?? 0;
}

describe('HA background work', () => {
  let cluster: HaCluster;

  before(async () => {
    cluster = await startHaCluster({ name: 'ha-background', env: { COFFER_TIDY_INTERVAL_SECONDS: '1' } });
  });
  after(async () => cluster?.stop());

  it('the node that takes over reaps the wrapping tokens that expired after the active node died', async () => {
    const token = cluster.rootToken;
    const first = await cluster.settledActive();
    const wrapped: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api<{ wrap_info: { token: string } }>(first.address, 'POST', 'sys/wrapping/wrap', { token, headers: { 'X-Vault-Wrap-TTL': '3s' }, body: { n: i } });
      assert.equal(res.status, 200, res.text);
      wrapped.push(res.body.wrap_info.token);
    }
    first.child.kill('SIGKILL');
    await exited(first.child);
    const next = await cluster.settledActive(10_000, first);
    assert.equal(await counter(next.address, token, 'coffer_wrapping_tokens_expired_unused_total'), 0);

    // Nobody looks the tokens up: only the new active node's reaper can find them expired.
    let reaped = 0;
    await poll('the new active node reaps the 3 expired wrapping tokens', async () => (reaped = await counter(next.address, token, 'coffer_wrapping_tokens_expired_unused_total')) >= 3, { timeoutMs: 15_000, intervalMs: 250 });
    assert.equal(reaped, 3);
    for (const wrappingToken of wrapped) {
      const res = await api(next.address, 'POST', 'sys/wrapping/unwrap', { token: wrappingToken });
      assert.equal(res.status, 400, res.text);
    }
  });
});
