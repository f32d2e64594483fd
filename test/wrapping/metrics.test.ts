import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../harness/server.js';
import { clientFor, expectInvalidWrappingToken, metricSample, prometheusText, untilExpired } from './fixture.js';

// The wrapping counters at sys/metrics?format=prometheus: what an operator's alert on
// "many failed unwraps" (a sign of interception) watches.

describe('wrapping metrics in the Prometheus exposition', () => {
  let server: TestServer;
  let text: string;
  let contentType: string | null;

  before(async () => {
    // A fresh server, so every count below comes from these requests alone.
    server = await startServer();
    const root = server.rootToken;
    const client = clientFor(server.address);
    const lasting = await client.wrap({ k: 'v' }, root, '5m');
    const brief = await client.wrap({ k: 'short' }, root, '1s');

    assert.equal((await client.unwrap(lasting.token, root)).status, 200, 'first unwrap');
    expectInvalidWrappingToken(await client.unwrap(lasting.token, root), 'second unwrap (already used)');
    expectInvalidWrappingToken(await client.unwrap('not-a-wrapping-token-at-all', root), 'garbage (invalid)');
    await untilExpired(brief);
    expectInvalidWrappingToken(await client.unwrap(brief.token, root), 'expired');

    const res = await prometheusText(server.address, root);
    assert.equal(res.status, 200, res.text);
    text = res.text;
    contentType = res.headers.get('content-type');
  });
  after(async () => {
    await server?.destroy();
  });

  it('is served as text/plain', () => {
    assert.ok(contentType?.startsWith('text/plain'), `content-type: ${contentType}`);
  });

  it('counts both wrapping tokens created', () => {
    assert.equal(metricSample(text, 'coffer_wrapping_tokens_created_total'), 2, text);
  });

  it('counts the one successful unwrap', () => {
    assert.equal(metricSample(text, 'coffer_wrapping_unwraps_succeeded_total'), 1, text);
  });

  it('counts the second unwrap as already_used', () => {
    assert.equal(metricSample(text, 'coffer_wrapping_unwraps_failed_total', { reason: 'already_used' }), 1, text);
  });

  it('counts the garbage token as invalid', () => {
    assert.equal(metricSample(text, 'coffer_wrapping_unwraps_failed_total', { reason: 'invalid' }), 1, text);
  });

  it('counts the unwrap after expiry as expired', () => {
    assert.equal(metricSample(text, 'coffer_wrapping_unwraps_failed_total', { reason: 'expired' }), 1, text);
  });

  it('declares the counters with TYPE counter', () => {
    for (const name of [
      'coffer_wrapping_tokens_created_total',
      'coffer_wrapping_unwraps_succeeded_total',
      'coffer_wrapping_unwraps_failed_total',
      'coffer_wrapping_tokens_expired_unused_total',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} counter$`, 'm'));
    }
  });
});
