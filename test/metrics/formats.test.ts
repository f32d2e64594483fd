import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';

// sys/metrics answers Vault's JSON summary by default (as the body itself, not inside `data`) and
// the Prometheus exposition with ?format=prometheus.

interface Summary {
  Timestamp: string;
  Gauges: { Name: string; Value: number; Labels: Record<string, string> }[];
  Counters: { Name: string; Count: number; Sum: number; Labels: Record<string, string> }[];
  Samples: { Name: string; Count: number; Sum: number; Mean: number; Labels: Record<string, string> }[];
}

describe('sys/metrics formats', () => {
  let server: TestServer;
  let root: string;
  before(async () => {
    server = await startServer();
    root = server.rootToken;
    await api(server.address, 'POST', 'secret/data/formats', { token: root, body: { data: { a: '1' } } });
    await api(server.address, 'GET', 'secret/data/formats', { token: root });
  });
  after(async () => {
    await server?.destroy();
  });

  it("answers Vault's JSON summary by default: Timestamp, Gauges, Counters, Samples", async () => {
    const res = await api<Summary>(server.address, 'GET', 'sys/metrics', { token: root });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.ok(!Number.isNaN(Date.parse(res.body.Timestamp)), res.body.Timestamp);
    assert.equal((res.body as unknown as Record<string, unknown>).request_id, undefined, 'not wrapped in the response envelope');
    assert.deepEqual(res.body.Gauges.find((g) => g.Name === 'coffer_core_sealed'), { Name: 'coffer_core_sealed', Value: 0, Labels: {} });
    const kvRead = res.body.Counters.find((c) => c.Name === 'coffer_requests_total' && c.Labels.mount_type === 'kv' && c.Labels.operation === 'read');
    assert.deepEqual(kvRead?.Labels, { mount_type: 'kv', operation: 'read', status: '2xx', namespace: 'root' });
    assert.equal(kvRead?.Count, 1);
    const latency = res.body.Samples.find((s) => s.Name === 'coffer_request_duration_seconds' && s.Labels.mount_type === 'kv' && s.Labels.operation === 'read');
    assert.equal(latency?.Count, 1);
    assert.ok(latency!.Sum > 0 && latency!.Mean === latency!.Sum, JSON.stringify(latency));
  });

  it('answers the same summary for ?format=json', async () => {
    const res = await api<Summary>(server.address, 'GET', 'sys/metrics?format=json', { token: root });
    assert.equal(res.status, 200);
    assert.ok(res.body.Counters.some((c) => c.Name === 'coffer_audit_failures_total'));
  });

  it('answers the Prometheus text exposition for ?format=prometheus', async () => {
    const res = await api(server.address, 'GET', 'sys/metrics?format=prometheus', { token: root });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(res.text, /^# TYPE coffer_request_duration_seconds histogram$/m);
    assert.match(res.text, /^# TYPE coffer_core_sealed gauge$/m);
    assert.match(res.text, /^coffer_requests_total\{mount_type="kv",operation="read",namespace="root",status="2xx"\} \d+$/m);
  });

  it('refuses an unknown format with 400', async () => {
    const res = await api<{ errors: string[] }>(server.address, 'GET', 'sys/metrics?format=xml', { token: root });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors, ['unknown metrics format "xml"']);
  });
});
