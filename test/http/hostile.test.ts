import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { poll } from '../harness/poll.js';
import { startServer, type TestServer } from '../harness/server.js';
import { hostileCases, type Credential, type HostileCase } from './hostile-cases.js';
import { seedHostileFixtures } from './hostile-fixture.js';
import { rawRequest, type RawResponse } from './raw-request.js';
import { snapshotState } from './state-snapshot.js';

// DESIGN.md §4.6: bad input gets a clear 4xx error, changes nothing, and cannot crash the process.
// Every row of hostile-cases.ts becomes one test below; each checks all three.

describe('hostile HTTP input', () => {
  let server: TestServer;
  const tokens: Partial<Record<Credential, string>> = {};
  /** Accessors of tokens that die on their own; their disappearance is not a request's doing. */
  const selfExpiring = new Set<string>();

  async function must(method: string, path: string, body?: unknown, token = server.rootToken) {
    const res = await api<{ auth?: { client_token: string; accessor: string } }>(server.address, method, path, { token, body });
    assert.ok(res.status < 300, `fixture ${method} ${path} answered ${res.status}: ${res.text}`);
    return res.body;
  }

  async function createToken(body: Record<string, unknown>) {
    const created = await must('POST', 'auth/token/create', body);
    assert.ok(created.auth, 'auth/token/create returned no auth block');
    return created.auth;
  }

  /** Polls until the token is refused, as Vault refuses an expired token. */
  async function waitUntilRefused(token: string, deadlineMs = 15_000) {
    let last = 0;
    await poll(
      `token still accepted ${deadlineMs} ms after its 1s TTL`,
      async () => (last = (await api(server.address, 'GET', 'auth/token/lookup-self', { token })).status) === 403,
      { timeoutMs: deadlineMs, intervalMs: 100, detail: () => `last status ${last}` },
    );
  }

  before(async () => {
    server = await startServer();
    tokens.root = server.rootToken;
    await seedHostileFixtures(server.address, server.rootToken);

    tokens.garbage = `hvs.${randomBytes(24).toString('base64url')}`;
    tokens['bearer-garbage'] = `hvs.${randomBytes(24).toString('base64url')}`;
    tokens.limited = (await createToken({ policies: ['default'], ttl: '1h' })).client_token;

    const revoked = await createToken({ policies: ['default'], ttl: '1h' });
    await must('POST', 'auth/token/revoke', { token: revoked.client_token });
    tokens.revoked = revoked.client_token;

    const expiring = await createToken({ policies: ['default'], ttl: '1s', renewable: false });
    selfExpiring.add(expiring.accessor);
    tokens.expired = expiring.client_token;
    await waitUntilRefused(expiring.client_token);
  });

  after(async () => {
    await server?.destroy();
  });

  function credentialHeaders(as: Credential): Record<string, string> {
    if (as === 'none') return {};
    const token = tokens[as];
    assert.ok(token, `no ${as} token was set up`);
    return as === 'bearer-garbage' ? { Authorization: `Bearer ${token}` } : { 'X-Vault-Token': token };
  }

  function send(c: HostileCase): Promise<RawResponse> {
    const body = c.rawBody ?? (c.body === undefined ? undefined : JSON.stringify(c.body));
    const headers = { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...credentialHeaders(c.as ?? 'root'), ...c.headers };
    return rawRequest(server.address, { method: c.method, path: c.path, headers, body, chunked: c.chunked });
  }

  async function assertStillServing() {
    assert.doesNotThrow(() => process.kill(server.pid, 0), 'the server process died');
    const health = await api(server.address, 'GET', 'sys/health');
    assert.equal(health.status, 200, `sys/health after the request: ${health.status} ${health.text}`);
  }

  const expectation = (c: HostileCase) => `${c.status}${c.message ? ` ${c.message.source}` : ''}`;

  describe('each answer is a JSON 4xx, the process survives, and nothing changes', () => {
    for (const c of hostileCases) {
      it(`${c.family}: ${c.sent} → ${expectation(c)}`, async () => {
        const before = await snapshotState(server.address, server.rootToken, selfExpiring);
        const res = await send(c);
        const shown = `${c.method} /v1/${c.path.slice(0, 120)} answered ${res.status} ${res.contentType ?? '(no content-type)'}: ${res.text.slice(0, 400)}`;

        // Survival and "nothing changed" first: they matter most, and a wrong status must not hide them.
        await assertStillServing();
        assert.deepEqual(await snapshotState(server.address, server.rootToken, selfExpiring), before, `state changed after ${shown}`);

        if (c.status === '4xx') assert.ok(res.status >= 400 && res.status < 500, shown);
        else assert.equal(res.status, c.status, shown);
        assert.equal(res.contentType, 'application/json', shown);

        const errors = (res.json as { errors?: unknown } | undefined)?.errors;
        assert.ok(Array.isArray(errors) && errors.every((e) => typeof e === 'string'), `body is not {"errors": [...]}: ${shown}`);
        if (c.message) assert.match(errors.join('\n'), c.message, shown);
        else if (res.status === 400 || res.status === 403) assert.ok(errors.some((e) => e.trim() !== ''), `no error message: ${shown}`);
      });
    }
  });

  describe('LIST and GET ?list=true are the same request', () => {
    for (const path of ['secret/metadata/', 'hkv1/', 'cubbyhole/', 'sys/policies/acl', 'auth/token/accessors']) {
      it(`on ${path}`, async () => {
        const viaList = await api<{ data?: unknown }>(server.address, 'LIST', path, { token: server.rootToken });
        const viaGet = await api<{ data?: unknown }>(server.address, 'GET', `${path}?list=true`, { token: server.rootToken });
        assert.equal(viaList.status, 200, viaList.text);
        assert.equal(viaGet.status, viaList.status, viaGet.text);
        assert.deepEqual(viaGet.body.data, viaList.body.data);
      });
    }
  });

  describe('token headers', () => {
    it('Authorization: Bearer <token> authenticates like X-Vault-Token', async () => {
      const viaHeader = await api<{ data: { accessor: string; policies: string[] } }>(server.address, 'GET', 'auth/token/lookup-self', { token: server.rootToken });
      const viaBearer = await api<{ data: { accessor: string; policies: string[] } }>(server.address, 'GET', 'auth/token/lookup-self', {
        headers: { Authorization: `Bearer ${server.rootToken}` },
      });
      assert.equal(viaBearer.status, 200, viaBearer.text);
      assert.equal(viaBearer.body.data.accessor, viaHeader.body.data.accessor);
      assert.deepEqual(viaBearer.body.data.policies, ['root']);
    });

    it('a Bearer token reaches its own cubbyhole', async () => {
      const read = await api<{ data: Record<string, string> }>(server.address, 'GET', 'cubbyhole/fixture', {
        headers: { Authorization: `Bearer ${server.rootToken}` },
      });
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body.data, { note: 'only root sees this' });
    });
  });

  describe('unicode and NUL bytes inside values and names are data, stored exactly', () => {
    const awkward = { greeting: 'こんにちは', emoji: '🔐🗝️', nul: 'before\u0000after', 'key\u0000with-nul': 'x', rtl: 'שלום\u202e' };

    it('a KV v2 secret with a non-ASCII name and awkward values reads back exactly and is listed by name', async () => {
      const folder = encodeURIComponent('ünïcødé');
      const name = encodeURIComponent('🔑-café');
      const write = await api(server.address, 'POST', `secret/data/${folder}/${name}`, { token: server.rootToken, body: { data: awkward } });
      assert.equal(write.status, 200, write.text);
      const read = await api<{ data: { data: unknown } }>(server.address, 'GET', `secret/data/${folder}/${name}`, { token: server.rootToken });
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body.data.data, awkward);
      const listed = await api<{ data: { keys: string[] } }>(server.address, 'LIST', `secret/metadata/${folder}`, { token: server.rootToken });
      assert.deepEqual(listed.body.data?.keys, ['🔑-café']);
    });

    it('a KV v1 secret holding NUL bytes reads back exactly', async () => {
      const write = await api(server.address, 'POST', 'hkv1/awkward', { token: server.rootToken, body: awkward });
      assert.equal(write.status, 204, write.text);
      const read = await api<{ data: unknown }>(server.address, 'GET', 'hkv1/awkward', { token: server.rootToken });
      assert.deepEqual(read.body.data, awkward);
    });
  });
});
