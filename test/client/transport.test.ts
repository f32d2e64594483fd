import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClientConfigError, CofferApiError, CofferClient, CofferConnectionError } from '../../src/client/index.js';
import { envelope, startStub, type SeenRequest, type StubAnswer } from './stub-server.js';

// What the SDK puts on the wire, against a STUB server that can misbehave on cue (5xx in a row,
// slow answers, redirects) — things a healthy Coffer does not do on demand.

describe('CofferClient transport (stub server standing in for a failing or slow server)', () => {
  let stub: Awaited<ReturnType<typeof startStub>>;
  let other: Awaited<ReturnType<typeof startStub>>;
  const failures = new Map<string, number>();

  /** `/v1/flaky/<n>/...` fails with 503 n times per distinct URL, then answers 200. */
  function route(req: SeenRequest): StubAnswer {
    const path = new URL(req.url, 'http://x').pathname;
    const flaky = /^\/v1\/flaky\/(\d+)\//.exec(path);
    if (flaky) {
      const seen = failures.get(req.method + path) ?? 0;
      failures.set(req.method + path, seen + 1);
      if (seen < Number(flaky[1])) return { status: 503, body: { errors: ['Vault is sealed'] }, headers: { 'x-request-id': `req-${seen}` } };
      return { status: 200, body: envelope({ attempt: seen + 1 }) };
    }
    if (path.startsWith('/v1/unimplemented')) return { status: 501, body: { errors: ['not implemented'] } };
    if (path.startsWith('/v1/bad')) return { status: 400, body: { errors: ['bad input'] } };
    if (path.startsWith('/v1/slow')) return { status: 200, body: envelope({ slow: true }), delayMs: 400 };
    if (path.startsWith('/v1/moved')) return { status: 307, headers: { location: `${other.address}${req.url}` } };
    return { status: 200, body: envelope({ ok: true }) };
  }

  const fast = { initial: 5, max: 20 };
  const seenOn = (server: typeof stub, path: string) => server.seen.filter((r) => r.url.startsWith(`/v1/${path}`));

  before(async () => {
    stub = await startStub(route);
    other = await startStub(() => ({ status: 200, body: envelope({ from: 'active' }) }));
  });
  after(async () => {
    await stub.close();
    await other.close();
  });

  it('falls back to Vault\'s environment for address, token, namespace and default wrap TTL; options win', async () => {
    const env = { VAULT_ADDR: stub.address, VAULT_TOKEN: 'env-token', VAULT_NAMESPACE: 'env-ns', VAULT_WRAP_TTL: '2m' };
    await new CofferClient({ env }).read('env/1');
    const seen = seenOn(stub, 'env/1')[0]!;
    assert.equal(seen.headers['x-vault-token'], 'env-token');
    assert.equal(seen.headers['x-vault-namespace'], 'env-ns');
    assert.equal(seen.headers['x-vault-wrap-ttl'], '2m');
    assert.equal(seen.headers['x-vault-request'], 'true');
    await new CofferClient({ env, token: 'mine', namespace: 'team', wrapTTL: null }).read('env/2');
    const second = seenOn(stub, 'env/2')[0]!;
    assert.equal(second.headers['x-vault-token'], 'mine');
    assert.equal(second.headers['x-vault-namespace'], 'team');
    assert.equal(second.headers['x-vault-wrap-ttl'], undefined);
  });

  it('refuses unusable environment settings with a ClientConfigError naming the variable', () => {
    assert.throws(() => new CofferClient({ env: { VAULT_SKIP_VERIFY: 'maybe' } }), (err: unknown) => err instanceof ClientConfigError && /VAULT_SKIP_VERIFY/.test(err.message));
    assert.throws(() => new CofferClient({ env: { VAULT_CACERT: '/nonexistent/ca.pem' } }), (err: unknown) => err instanceof ClientConfigError && /VAULT_CACERT/.test(err.message));
    assert.throws(() => new CofferClient({ env: { VAULT_CLIENT_CERT: '/x.pem' } }), /VAULT_CLIENT_KEY/);
    assert.throws(() => new CofferClient({ env: { VAULT_CLIENT_TIMEOUT: 'soon' } }), /VAULT_CLIENT_TIMEOUT/);
    assert.throws(() => new CofferClient({ env: { VAULT_MAX_RETRIES: '-1' } }), /VAULT_MAX_RETRIES/);
  });

  it('retries an idempotent read on 503 with backoff and succeeds; the error of the last attempt says retryable', async () => {
    const client = new CofferClient({ address: stub.address, env: {}, retryDelayMs: fast });
    const answer = await client.read('flaky/2/read');
    assert.equal(answer?.data?.attempt, 3);
    assert.equal(seenOn(stub, 'flaky/2/read').length, 3);
    const giveUp = new CofferClient({ address: stub.address, env: {}, maxRetries: 1, retryDelayMs: fast });
    await assert.rejects(giveUp.read('flaky/5/read'), (err: unknown) => {
      assert.ok(err instanceof CofferApiError);
      assert.equal(err.status, 503);
      assert.equal(err.retryable, true);
      assert.equal(err.requestId, 'req-1', "the server's request id of the last attempt");
      return true;
    });
    assert.equal(seenOn(stub, 'flaky/5/read').length, 2);
  });

  it('never resends a write by itself: it may have happened', async () => {
    const client = new CofferClient({ address: stub.address, env: {}, retryDelayMs: fast });
    await assert.rejects(client.write('flaky/1/write', { a: 1 }), (err: unknown) => err instanceof CofferApiError && err.retryable);
    assert.equal(seenOn(stub, 'flaky/1/write').length, 1);
    // Unless the caller says it is idempotent.
    await client.request('PUT', 'flaky/1/put', { body: { a: 1 }, idempotent: true });
    assert.equal(seenOn(stub, 'flaky/1/put').length, 2);
  });

  it('does not retry answers that will not change: 400 and 501', async () => {
    const client = new CofferClient({ address: stub.address, env: {}, retryDelayMs: fast });
    await assert.rejects(client.read('bad/1'), (err: unknown) => err instanceof CofferApiError && !err.retryable);
    await assert.rejects(client.read('unimplemented/1'), (err: unknown) => err instanceof CofferApiError && !err.retryable);
    assert.equal(seenOn(stub, 'bad/1').length, 1);
    assert.equal(seenOn(stub, 'unimplemented/1').length, 1);
  });

  it('gives up on a slow answer after its timeout, with a connection error that says so', async () => {
    const client = new CofferClient({ address: stub.address, env: {}, timeoutMs: 100, maxRetries: 0 });
    await assert.rejects(client.read('slow/1'), (err: unknown) => err instanceof CofferConnectionError && /timed out after 100 ms/.test(err.message) && err.retryable);
    const patient = new CofferClient({ address: stub.address, env: { VAULT_CLIENT_TIMEOUT: '2s' } });
    assert.equal((await patient.read('slow/2'))?.data?.slow, true);
  });

  it('follows a 307 (a standby that does not forward) with the same method, body and token', async () => {
    const client = new CofferClient({ address: stub.address, token: 'tok', env: {}, forwarding: false });
    const answer = await client.write('moved/here', { x: '1' });
    assert.equal(answer?.data?.from, 'active');
    const arrived = seenOn(other, 'moved/here')[0]!;
    assert.equal(arrived.method, 'PUT');
    assert.deepEqual(JSON.parse(arrived.body), { x: '1' });
    assert.equal(arrived.headers['x-vault-token'], 'tok');
    assert.equal(seenOn(stub, 'moved/here')[0]!.headers['x-vault-no-request-forwarding'], 'true');
  });
});
