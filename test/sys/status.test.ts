import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { startServer, type TestServer } from '../harness/server.js';
import { api } from '../harness/http.js';

// sys/health, sys/init, sys/seal-status and sys/leader over HTTP
// (https://developer.hashicorp.com/vault/api-docs/system/health and siblings). They answer with no
// token, sealed or not, and their bodies are bare JSON, not the usual {data: ...} envelope.

interface Health {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  performance_standby: boolean;
  replication_performance_mode: string;
  replication_dr_mode: string;
  server_time_utc: number;
  version: string;
  cluster_name?: string;
  cluster_id?: string;
}

describe('status endpoints on an initialized, unsealed server', () => {
  let server: TestServer;
  const anon = <T = Record<string, unknown>>(method: string, path: string) => api<T>(server.address, method, path);

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.destroy();
  });

  it('sys/health answers 200 with Vault\'s fields, bare (no data envelope)', async () => {
    const res = await anon<Health>('GET', 'sys/health');
    assert.equal(res.status, 200, res.text);
    const body = res.body;
    assert.equal(body.initialized, true);
    assert.equal(body.sealed, false);
    assert.equal(body.standby, false);
    assert.equal(body.performance_standby, false);
    assert.equal(body.replication_performance_mode, 'disabled');
    assert.equal(body.replication_dr_mode, 'disabled');
    assert.equal(typeof body.version, 'string');
    assert.ok(body.version.length > 0);
    assert.ok(Math.abs(body.server_time_utc - Date.now() / 1000) < 60, `server_time_utc ${body.server_time_utc} is now`);
    assert.equal(typeof body.cluster_name, 'string');
    assert.ok(body.cluster_name!.length > 0);
    assert.match(body.cluster_id!, /^[0-9a-f-]{36}$/);
    assert.equal('data' in body, false);
  });

  it('sys/health honours ?activecode=299', async () => {
    const res = await anon<Health>('GET', 'sys/health?activecode=299');
    assert.equal(res.status, 299);
    assert.equal(res.body.initialized, true);
  });

  it('sys/health answers HEAD with the status code and no body', async () => {
    const head = await anon('HEAD', 'sys/health');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    assert.equal((await anon('HEAD', 'sys/health?activecode=204')).status, 204);
  });

  it('sys/health ignores a token that is not valid (it is unauthenticated)', async () => {
    const res = await api(server.address, 'GET', 'sys/health', { token: 'not-a-real-token' });
    assert.equal(res.status, 200, res.text);
  });

  it('sys/seal-status answers with the seal type, thresholds, progress and storage type', async () => {
    const res = await anon<Record<string, unknown>>('GET', 'sys/seal-status');
    assert.equal(res.status, 200, res.text);
    const body = res.body;
    assert.equal(body.sealed, false);
    assert.equal(body.initialized, true);
    assert.equal(typeof body.type, 'string');
    for (const key of ['t', 'n', 'progress']) assert.equal(typeof body[key], 'number', key);
    for (const key of ['nonce', 'version', 'build_date', 'storage_type', 'cluster_name', 'cluster_id']) assert.equal(typeof body[key], 'string', key);
    for (const key of ['migration', 'recovery_seal']) assert.equal(typeof body[key], 'boolean', key);
    assert.equal(body.storage_type, 'sqlite');
    assert.equal(body.cluster_id, (await anon<Health>('GET', 'sys/health')).body.cluster_id);
  });

  it('sys/leader answers with the HA fields, ha_enabled false on a single node', async () => {
    const res = await anon<Record<string, unknown>>('GET', 'sys/leader');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.ha_enabled, false);
    assert.equal(typeof res.body.is_self, 'boolean');
    assert.equal(typeof res.body.leader_address, 'string');
    assert.equal(typeof res.body.leader_cluster_address, 'string');
    assert.equal(typeof res.body.performance_standby, 'boolean');
    assert.equal(typeof res.body.performance_standby_last_remote_wal, 'number');
  });

  it('sys/init reports initialized: true and refuses a second initialization with 400', async () => {
    const res = await anon<{ initialized: boolean }>('GET', 'sys/init');
    assert.deepEqual(res.body, { initialized: true });
    assertErrorAnswer(await anon('PUT', 'sys/init'), 400, /already initialized/);
  });
});

describe('status endpoints before initialization', () => {
  let server: TestServer;
  const anon = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => api<T>(server.address, method, path, { body });

  before(async () => {
    // A non-dev server whose store nobody has initialized yet: what an operator sees before sys/init.
    server = await startServer({ config: {}, initialize: false });
  });
  after(async () => {
    await server?.destroy();
  });

  // Order matters within this suite: the last test initializes the store.

  it('sys/health answers 501 with initialized: false', async () => {
    const res = await anon<Health>('GET', 'sys/health');
    assert.equal(res.status, 501, res.text);
    assert.equal(res.body.initialized, false);
  });

  it('sys/health honours ?uninitcode=200', async () => {
    const res = await anon<Health>('GET', 'sys/health?uninitcode=200');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.initialized, false);
  });

  it('sys/init reports initialized: false', async () => {
    assert.deepEqual((await anon('GET', 'sys/init')).body, { initialized: false });
  });

  it('sys/seal-status answers initialized: false, sealed: true', async () => {
    const res = await anon<Record<string, unknown>>('GET', 'sys/seal-status');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.initialized, false);
    assert.equal(res.body.sealed, true);
  });

  it('sys/leader answers', async () => {
    assert.equal((await anon('GET', 'sys/leader')).status, 200);
  });

  for (const [method, path] of [
    ['GET', 'sys/mounts'],
    ['GET', 'secret/data/app'],
    ['POST', 'auth/token/create'],
    ['GET', 'sys/policies/acl?list=true'],
  ] as const) {
    it(`answers 503 (sealed) to ${method} ${path}`, async () => {
      const res = await api(server.address, method, path, { token: 'some-token', body: method === 'POST' ? {} : undefined });
      assertErrorAnswer(res, 503, /sealed/i);
    });
  }

  it('PUT sys/init returns a root token that works, then sys/init says initialized', async () => {
    const init = await anon<{ root_token: string; keys: unknown[]; keys_base64: unknown[] }>('PUT', 'sys/init', {});
    assert.equal(init.status, 200, init.text);
    assert.equal(typeof init.body.root_token, 'string');
    assert.ok(init.body.root_token.length >= 24, 'root token is long enough to be random');
    assert.ok(Array.isArray(init.body.keys));
    assert.ok(Array.isArray(init.body.keys_base64));

    assert.deepEqual((await anon('GET', 'sys/init')).body, { initialized: true });
    assert.equal((await anon('GET', 'sys/health')).status, 200);
    const self = await api<{ data: { policies: string[] } }>(server.address, 'GET', 'auth/token/lookup-self', { token: init.body.root_token });
    assert.equal(self.status, 200, self.text);
    assert.deepEqual(self.body.data.policies, ['root']);

    assertErrorAnswer(await anon('PUT', 'sys/init', {}), 400, /already initialized/);
  });
});
