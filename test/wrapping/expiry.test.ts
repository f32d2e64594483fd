import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../harness/server.js';
import { poll } from '../harness/poll.js';
import { clientFor, expectInvalidWrappingToken, metricSample, prometheusText, untilExpired, type WrapInfo } from './fixture.js';

// A wrapping token lives for its wrap TTL and no longer
// (https://developer.hashicorp.com/vault/docs/concepts/response-wrapping): after that it cannot be
// unwrapped, the tidy reaper removes it, and a restart changes neither.

const payload = { message: 'short-lived' };

describe('an expired wrapping token', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.destroy();
  });

  it('cannot be unwrapped once its 2s TTL has passed', async () => {
    const client = clientFor(server.address);
    const wrap = await client.wrap(payload, server.rootToken, '2s');
    assert.equal(wrap.ttl, 2);
    await untilExpired(wrap);
    expectInvalidWrappingToken(await client.unwrap(wrap.token, server.rootToken), 'unwrap after expiry');
  });

  it('cannot be unwrapped after expiry even when it authenticates itself', async () => {
    const client = clientFor(server.address);
    const wrap = await client.wrap(payload, server.rootToken, '2s');
    await untilExpired(wrap);
    const res = await client.unwrapSelf(wrap.token);
    assert.ok(res.status === 400 || res.status === 403, `expected a refusal, got ${res.status} ${res.text}`);
    assert.ok(!res.text.includes(payload.message), 'the expired wrapped response must not be returned');
  });
});

describe('the wrapping-token reaper (COFFER_TIDY_INTERVAL_SECONDS=1)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ env: { COFFER_TIDY_INTERVAL_SECONDS: '1' } });
  });
  after(async () => {
    await server?.destroy();
  });

  const expiredUnused = async () =>
    metricSample((await prometheusText(server.address, server.rootToken)).text, 'coffer_wrapping_tokens_expired_unused_total');

  it('counts a wrapping token that expired unused in coffer_wrapping_tokens_expired_unused_total', async () => {
    assert.equal(await expiredUnused(), 0, 'the control: nothing has expired yet');
    await clientFor(server.address).wrap(payload, server.rootToken, '2s');
    await poll('the reaper counts the expired wrapping token', async () => ((await expiredUnused()) ?? 0) >= 1, { timeoutMs: 15_000, intervalMs: 50 });
  });

  it('removes the expired wrapping token: its accessor no longer resolves', async () => {
    const client = clientFor(server.address);
    const wrap = await client.wrap(payload, server.rootToken, '2s');
    const lookup = () => client.call('POST', 'auth/token/lookup-accessor', { token: server.rootToken, body: { accessor: wrap.accessor } });
    assert.equal((await lookup()).status, 200, 'the control: the accessor resolves while the token lives');
    await poll('the reaper removes the token', async () => (await lookup()).status === 400, { timeoutMs: 15_000, intervalMs: 50 });
  });
});

describe('wrapping tokens across a restart (non-dev server on SQLite)', () => {
  let server: TestServer;
  let lasting: WrapInfo;
  let brief: WrapInfo;
  before(async () => {
    const first = await startServer({ dev: false });
    server = first;
    const client = clientFor(first.address);
    lasting = await client.wrap({ survives: 'restart' }, first.rootToken, '10m');
    brief = await client.wrap({ survives: 'no' }, first.rootToken, '2s');
    server = await first.restart();
  });
  after(async () => {
    await server?.destroy();
    // restart() hands the same dir to the new process as its own, so it is not removed with it.
    if (server) await rm(server.dir, { recursive: true, force: true });
  });

  it('an unexpired wrapping token created before the restart unwraps after it', async () => {
    const res = await clientFor(server.address).unwrap(lasting.token, server.rootToken);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data, { survives: 'restart' });
  });

  it('that token stays single-use across the restart: a second unwrap is refused', async () => {
    const client = clientFor(server.address);
    await client.unwrap(lasting.token, server.rootToken);
    expectInvalidWrappingToken(await client.unwrap(lasting.token, server.rootToken), 'second unwrap after restart');
  });

  it('a wrapping token that expired stays dead after the restart', async () => {
    await untilExpired(brief);
    expectInvalidWrappingToken(await clientFor(server.address).unwrap(brief.token, server.rootToken), 'expired token after restart');
  });
});
