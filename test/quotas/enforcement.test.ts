import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../harness/server.js';
import { clockReaches, poll } from '../harness/poll.js';
import { assertAdmitted, assertRateLimited, Client, deleteQuota, writeQuota, writeQuotaConfig } from './fixture.js';

const DEFAULT_EXEMPT = ['sys/generate-recovery-token/attempt', 'sys/generate-recovery-token/update', 'sys/generate-root/attempt', 'sys/generate-root/update', 'sys/health', 'sys/seal-status', 'sys/unseal'];

describe('rate-limit quota enforcement', () => {
  let server: TestServer;
  let written: string[] = [];
  const quota = async (name: string, body: Record<string, unknown>) => {
    await writeQuota(server.address, server.rootToken, name, body);
    written.push(name);
  };
  const client = () => new Client(server.address, server.rootToken);

  before(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    for (const name of written) await deleteQuota(server.address, server.rootToken, name);
    written = [];
    await writeQuotaConfig(server.address, server.rootToken, { rate_limit_exempt_paths: DEFAULT_EXEMPT });
  });
  after(() => server?.destroy());

  it('refuses the request after `rate` in one interval with 429 and Retry-After', async () => {
    await quota('global', { rate: 3, interval: '1m' });
    const alice = client();
    for (let i = 1; i <= 3; i++) assertAdmitted(await alice.read('secret/data/app'), `request ${i}`);
    const refused = await alice.read('secret/data/app');
    assertRateLimited(refused, 60);
    assert.deepEqual(refused.body, { errors: ['request path "secret/data/app": rate limit quota exceeded'] });
  });

  it('counts each client address on its own', async () => {
    await quota('global', { rate: 1, interval: '1m' });
    const [first, second] = [client(), client()];
    assertAdmitted(await first.read('sys/mounts'), 'first client');
    assertRateLimited(await first.read('sys/mounts'), 60);
    assertAdmitted(await second.read('sys/mounts'), 'second client, same path');
  });

  it('limits only the path a path quota names', async () => {
    await quota('one-secret', { path: 'secret/data/limited', rate: 1, interval: '1m' });
    const alice = client();
    assertAdmitted(await alice.read('secret/data/limited'), 'first read');
    assertRateLimited(await alice.read('secret/data/limited'), 60);
    for (let i = 0; i < 3; i++) assertAdmitted(await alice.read('secret/data/other'), 'another path');
    for (let i = 0; i < 3; i++) assertAdmitted(await alice.read('secret/data/limited/deeper'), 'a path under it (no glob)');
  });

  it('limits every path under a prefix glob', async () => {
    await quota('team', { path: 'secret/data/team*', rate: 2, interval: '1m' });
    const alice = client();
    assertAdmitted(await alice.read('secret/data/team/a'), 'first');
    assertAdmitted(await alice.read('secret/data/teams'), 'second');
    assertRateLimited(await alice.read('secret/data/team/b'), 60);
    assertAdmitted(await alice.read('secret/data/other'), 'outside the prefix');
  });

  it('limits a whole mount and nothing outside it', async () => {
    await quota('kv', { path: 'secret', rate: 2, interval: '1m' });
    const alice = client();
    assertAdmitted(await alice.read('secret/data/a'), 'first');
    assertAdmitted(await alice.read('secret/metadata/b'), 'second');
    assertRateLimited(await alice.read('secret/data/c'), 60);
    for (let i = 0; i < 3; i++) assertAdmitted(await alice.read('cubbyhole/x'), 'another mount');
  });

  it('charges only the most specific quota: path over mount over global', async () => {
    await quota('global', { rate: 1, interval: '1m' });
    await quota('kv', { path: 'secret/', rate: 3, interval: '1m' });
    await quota('app', { path: 'secret/data/app', rate: 5, interval: '1m' });
    const alice = client();
    for (let i = 1; i <= 5; i++) assertAdmitted(await alice.read('secret/data/app'), `app read ${i}`);
    assertRateLimited(await alice.read('secret/data/app'), 60);
    for (let i = 1; i <= 3; i++) assertAdmitted(await alice.read('secret/data/elsewhere'), `mount read ${i}`);
    assertRateLimited(await alice.read('secret/data/elsewhere'), 60);
    assertAdmitted(await alice.read('sys/mounts'), 'global read');
    assertRateLimited(await alice.read('sys/mounts'), 60);
  });

  it('gives the budget back when the interval ends', async () => {
    await quota('short', { path: 'secret/', rate: 1, interval: '1s' });
    const alice = client();
    assertAdmitted(await alice.read('secret/data/a'), 'first');
    const refused = await alice.read('secret/data/a');
    assertRateLimited(refused, 1);
    await poll('the interval to reset', async () => (await alice.read('secret/data/a')).status !== 429, { timeoutMs: 3000, intervalMs: 50 });
  });

  it('keeps refusing a client for block_interval, past the end of its interval', async () => {
    await quota('blocking', { path: 'secret/', rate: 1, interval: '1s', block_interval: '4s' });
    const alice = client();
    assertAdmitted(await alice.read('secret/data/a'), 'first');
    const blockedAt = Date.now();
    assertRateLimited(await alice.read('secret/data/a'), 4);
    // The 1 s interval itself must elapse (it began when the server took the first read, before
    // blockedAt): a clock condition, as the blocked client can observe nothing but 429s meanwhile.
    // Half a second past its end, and well before the 4 s block ends.
    await clockReaches(blockedAt + 1_000 + 500, 'the 1 s interval to be over');
    assertRateLimited(await alice.read('secret/data/a'), 3);
    await poll('the block to end', async () => (await alice.read('secret/data/a')).status !== 429, { timeoutMs: 8000, intervalMs: 50 });
    assert.ok(Date.now() - blockedAt >= 3900, 'the client was let back in before block_interval ended');
  });

  it('lifts the limit as soon as the quota is deleted', async () => {
    await writeQuota(server.address, server.rootToken, 'temporary', { path: 'secret/', rate: 1, interval: '1m' });
    const alice = client();
    assertAdmitted(await alice.read('secret/data/a'), 'first');
    assertRateLimited(await alice.read('secret/data/a'), 60);
    await deleteQuota(server.address, server.rootToken, 'temporary');
    for (let i = 0; i < 3; i++) assertAdmitted(await alice.read('secret/data/a'), `after delete ${i}`);
  });

  it('lets exempt paths and prefixes through, and only them', async () => {
    await quota('global', { rate: 1, interval: '1m' });
    await writeQuotaConfig(server.address, server.rootToken, { rate_limit_exempt_paths: ['secret/data/free', 'cubbyhole/*'] });
    const alice = client();
    for (let i = 0; i < 3; i++) assertAdmitted(await alice.read('secret/data/free'), 'exempt path');
    for (let i = 0; i < 3; i++) assertAdmitted(await alice.read(`cubbyhole/item-${i}`), 'exempt prefix');
    assertAdmitted(await alice.read('secret/data/paid'), 'first of the rest');
    assertRateLimited(await alice.read('secret/data/paid'), 60);
  });

  it('sends X-Ratelimit headers only when the config enables them', async () => {
    await quota('kv', { path: 'secret/', rate: 2, interval: '1m' });
    const alice = client();
    const quiet = await alice.read('secret/data/a');
    assert.equal(quiet.headers.get('x-ratelimit-limit'), null);
    await writeQuotaConfig(server.address, server.rootToken, { enable_rate_limit_response_headers: true, rate_limit_exempt_paths: DEFAULT_EXEMPT });
    const bob = client();
    const first = await bob.read('secret/data/a');
    assert.equal(first.headers.get('x-ratelimit-limit'), '2');
    assert.equal(first.headers.get('x-ratelimit-remaining'), '1');
    const reset = Number(first.headers.get('x-ratelimit-reset'));
    assert.ok(reset >= 1 && reset <= 60, `X-Ratelimit-Reset ${reset}`);
    assert.equal((await bob.read('secret/data/a')).headers.get('x-ratelimit-remaining'), '0');
    const refused = await bob.read('secret/data/a');
    assertRateLimited(refused, 60);
    assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
    assert.equal(refused.headers.get('x-ratelimit-reset'), refused.headers.get('retry-after'));
  });

  it('limits requests without a token too, before authentication', async () => {
    await quota('global', { rate: 1, interval: '1m' });
    const anonymous = new Client(server.address);
    assert.equal((await anonymous.read('secret/data/a')).status, 403);
    assertRateLimited(await anonymous.read('secret/data/a'), 60);
  });
});
