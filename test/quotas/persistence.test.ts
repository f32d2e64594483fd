import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { assertRateLimited, Client, writeQuota, writeQuotaConfig } from './fixture.js';

describe('rate-limit quotas across a restart', () => {
  let server: TestServer | undefined;
  after(() => server?.destroy());

  it('keeps rules and config in storage, and enforces them again after a restart', async () => {
    const first = await startServer({ dev: false });
    server = first;
    await writeQuota(first.address, first.rootToken, 'kv', { path: 'cubbyhole/', rate: 1, interval: '1m', block_interval: '5s' });
    await writeQuotaConfig(first.address, first.rootToken, { enable_rate_limit_response_headers: true });
    server = await first.restart();
    const rule = await api(server.address, 'GET', 'sys/quotas/rate-limit/kv', { token: server.rootToken });
    assert.equal(rule.status, 200, rule.text);
    assert.deepEqual(rule.body.data, { type: 'rate-limit', name: 'kv', path: 'cubbyhole/', role: '', rate: 1, interval: 60, block_interval: 5, inheritable: false });
    const config = await api(server.address, 'GET', 'sys/quotas/config', { token: server.rootToken });
    assert.equal((config.body.data as Record<string, unknown>).enable_rate_limit_response_headers, true);
    const alice = new Client(server.address, server.rootToken);
    assert.notEqual((await alice.read('cubbyhole/foo')).status, 429);
    assertRateLimited(await alice.read('cubbyhole/foo'), 5);
  });
});
