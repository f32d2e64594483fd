import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { sample } from './prometheus.js';
import { initialize, startConfigServer, type ConfigServer } from './server-process.js';

// Who may read sys/metrics: a token with read on it, or anyone on a listener configured with
// telemetry { unauthenticated_metrics_access = true } (Vault's option).

describe('sys/metrics without the telemetry option', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.destroy();
  });

  it('refuses a request without a token (403)', async () => {
    assert.equal((await api(server.address, 'GET', 'sys/metrics')).status, 403);
  });

  it('refuses a token whose policies do not grant read on sys/metrics (403)', async () => {
    const child = await api<{ auth: { client_token: string } }>(server.address, 'POST', 'auth/token/create', { token: server.rootToken, body: { policies: ['default'] } });
    assert.equal((await api(server.address, 'GET', 'sys/metrics', { token: child.body.auth.client_token })).status, 403);
  });

  it('serves a token whose policy grants read on sys/metrics', async () => {
    const policy = await api(server.address, 'PUT', 'sys/policies/acl/metrics-reader', {
      token: server.rootToken,
      body: { policy: 'path "sys/metrics" { capabilities = ["read"] }' },
    });
    assert.equal(policy.status, 204, policy.text);
    const child = await api<{ auth: { client_token: string } }>(server.address, 'POST', 'auth/token/create', { token: server.rootToken, body: { policies: ['metrics-reader'] } });
    const res = await api(server.address, 'GET', 'sys/metrics?format=prometheus', { token: child.body.auth.client_token });
    assert.equal(res.status, 200, res.text);
  });
});

describe('a listener with telemetry { unauthenticated_metrics_access = true }', () => {
  let server: ConfigServer;
  let open: string;
  let closed: string;
  before(async () => {
    server = await startConfigServer({
      listeners: ['  telemetry {\n    unauthenticated_metrics_access = true\n  }', ''],
      config: 'telemetry {\n  disable_hostname = true\n}\n',
    });
    [open, closed] = server.addresses as [string, string];
  });
  after(async () => {
    await server?.destroy();
  });

  it('reports the seal gauge as 1 while sealed (uninitialized) and 0 once initialized', async () => {
    const sealedText = await api(open, 'GET', 'sys/metrics?format=prometheus');
    assert.equal(sealedText.status, 200, sealedText.text);
    assert.equal(sample(sealedText.text, 'coffer_core_sealed'), 1, sealedText.text);
    await initialize(open);
    const unsealedText = await api(open, 'GET', 'sys/metrics?format=prometheus');
    assert.equal(sample(unsealedText.text, 'coffer_core_sealed'), 0, unsealedText.text);
  });

  it('serves the Prometheus exposition without a token on that listener', async () => {
    const res = await api(open, 'GET', 'sys/metrics?format=prometheus');
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /^# TYPE coffer_requests_total counter$/m);
  });

  it('serves the JSON summary without a token on that listener', async () => {
    const res = await api<{ Gauges: { Name: string }[] }>(open, 'GET', 'sys/metrics');
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.Gauges.some((g) => g.Name === 'coffer_tokens_live'), res.text);
  });

  it('still refuses a request without a token on the other listener (403)', async () => {
    const res = await api(closed, 'GET', 'sys/metrics?format=prometheus');
    assert.equal(res.status, 403, res.text);
  });

  it('opens only sys/metrics: other sys paths still need a token there', async () => {
    assert.equal((await api(open, 'GET', 'sys/policies/acl')).status, 403);
  });
});
