import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { sample, scrape } from './prometheus.js';

// Request counts and latency at sys/metrics: labelled by mount type, operation, status class and
// namespace, recorded once per request by the pipeline.

describe('request metrics', () => {
  let server: TestServer;
  let root: string;
  before(async () => {
    server = await startServer();
    root = server.rootToken;
  });
  after(async () => {
    await server?.destroy();
  });

  const count = (text: string, labels: Record<string, string>) => sample(text, 'coffer_requests_total', labels) ?? 0;

  it('counts a KV write as kv/create and each read as kv/read, 2xx', async () => {
    const before = await scrape(server.address, root);
    assert.equal((await api(server.address, 'POST', 'secret/data/counted', { token: root, body: { data: { a: '1' } } })).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await api(server.address, 'GET', 'secret/data/counted', { token: root })).status, 200);
    const afterText = await scrape(server.address, root);
    const created = { mount_type: 'kv', operation: 'create', status: '2xx', namespace: 'root' };
    const read = { mount_type: 'kv', operation: 'read', status: '2xx', namespace: 'root' };
    assert.equal(count(afterText, created) - count(before, created), 1, afterText);
    assert.equal(count(afterText, read) - count(before, read), 3, afterText);
  });

  it('counts a read of a missing secret under status 4xx', async () => {
    const labels = { mount_type: 'kv', operation: 'read', status: '4xx', namespace: 'root' };
    const before = count(await scrape(server.address, root), labels);
    assert.equal((await api(server.address, 'GET', 'secret/data/never-written', { token: root })).status, 404);
    assert.equal(count(await scrape(server.address, root), labels) - before, 1);
  });

  it('times each request in a latency histogram by mount type and operation', async () => {
    const labels = { mount_type: 'kv', operation: 'read', namespace: 'root' };
    const before = await scrape(server.address, root);
    const countBefore = sample(before, 'coffer_request_duration_seconds_count', labels) ?? 0;
    const sumBefore = sample(before, 'coffer_request_duration_seconds_sum', labels) ?? 0;
    await api(server.address, 'GET', 'secret/data/counted', { token: root });
    const text = await scrape(server.address, root);
    assert.equal((sample(text, 'coffer_request_duration_seconds_count', labels) ?? 0) - countBefore, 1, text);
    assert.ok((sample(text, 'coffer_request_duration_seconds_sum', labels) ?? 0) > sumBefore, 'the sum grows by the request time');
    const infBucket = sample(text, 'coffer_request_duration_seconds_bucket', { ...labels, le: '+Inf' });
    assert.equal(infBucket, sample(text, 'coffer_request_duration_seconds_count', labels), 'every request falls in the +Inf bucket');
    assert.ok(sample(text, 'coffer_request_duration_seconds_bucket', { ...labels, le: '0.005' }) !== undefined, 'finer buckets are exposed');
  });

  it('counts a token create under mount type token, operation update', async () => {
    const labels = { mount_type: 'token', operation: 'update', status: '2xx', namespace: 'root' };
    const before = count(await scrape(server.address, root), labels);
    assert.equal((await api(server.address, 'POST', 'auth/token/create', { token: root, body: {} })).status, 200);
    assert.equal(count(await scrape(server.address, root), labels) - before, 1);
  });

  it("labels a namespace's requests and token creations with its path (the root's: \"root\")", async () => {
    const inNamespace = (method: string, path: string, body?: unknown) => api(server.address, method, path, { token: root, body, headers: { 'X-Vault-Namespace': 'metered/deep' } });
    assert.equal((await api(server.address, 'POST', 'sys/namespaces/metered', { token: root })).status, 200);
    assert.equal((await api(server.address, 'POST', 'sys/namespaces/metered/deep', { token: root })).status, 200);
    assert.equal((await inNamespace('POST', 'sys/mounts/kv', { type: 'kv', options: { version: '2' } })).status, 204);
    assert.equal((await inNamespace('POST', 'kv/data/x', { data: { a: '1' } })).status, 200);
    const read = { mount_type: 'kv', operation: 'read', status: '2xx', namespace: 'metered/deep/' };
    const before = count(await scrape(server.address, root), read);
    for (let i = 0; i < 2; i++) assert.equal((await inNamespace('GET', 'kv/data/x')).status, 200);
    assert.equal((await inNamespace('POST', 'auth/token/create', {})).status, 200);
    const text = await scrape(server.address, root);
    assert.equal(count(text, read) - before, 2);
    assert.equal(sample(text, 'coffer_token_creations_total', { auth_method: 'token', mount_point: 'auth/token/', namespace: 'metered/deep/' }), 1, text);
  });
});
