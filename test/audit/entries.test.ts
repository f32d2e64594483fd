import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startInProcessServer, type InProcessServer } from '../harness/in-process.js';
import { auditEntries, auditHash, enableAudit, entriesOf } from './fixture.js';

// What an auditor reads: two entries per request in Vault's shape, secrets HMAC'd per device,
// and enough to answer "who unwrapped what, from where".

describe('audit entries', () => {
  let server: InProcessServer;
  let root: string;
  let hashed: string;
  let raw: string;
  let plainAccessors: string;
  let prefixed: string;
  let elided: string;
  const secretValue = `s3cret-${randomBytes(8).toString('hex')}`;

  before(async () => {
    root = `root-${randomBytes(16).toString('hex')}`;
    server = await startInProcessServer(root);
    [hashed, raw, plainAccessors, prefixed, elided] = ['hashed', 'raw', 'plain', 'prefixed', 'elided'].map((n) => join(server.dir, `${n}.log`)) as [string, string, string, string, string];
    await enableAudit(server.address, root, 'file', 'file', { file_path: hashed });
    await enableAudit(server.address, root, 'raw', 'file', { file_path: raw, log_raw: 'true' });
    await enableAudit(server.address, root, 'plain', 'file', { file_path: plainAccessors, hmac_accessor: 'false' });
    await enableAudit(server.address, root, 'prefixed', 'file', { file_path: prefixed, prefix: '@cee: ' });
    await enableAudit(server.address, root, 'elided', 'file', { file_path: elided, elide_list_responses: 'true' });
  });
  after(async () => {
    await server?.destroy();
  });

  async function writeSecret(path: string, value = secretValue) {
    const res = await api<{ request_id: string }>(server.address, 'POST', `secret/data/${path}`, { token: root, body: { data: { password: value } } });
    assert.equal(res.status, 200, res.text);
    return res.body.request_id;
  }

  it('records a request entry and a response entry in Vault’s shape for one request', async () => {
    const id = await writeSecret('shape');
    const { request, response } = await entriesOf(hashed, id);
    for (const entry of [request, response]) {
      assert.ok(!Number.isNaN(Date.parse(entry.time)), `time: ${entry.time}`);
      assert.equal(entry.request.operation, 'create');
      assert.equal(entry.request.path, 'secret/data/shape');
      assert.equal(entry.request.mount_type, 'kv');
      assert.equal(entry.request.mount_point, 'secret/');
      assert.deepEqual(entry.request.namespace, { id: 'root' });
      assert.equal(entry.request.remote_address, '127.0.0.1');
      assert.equal(typeof entry.request.remote_port, 'number');
      assert.match(String(entry.request.client_token), /^hmac-sha256:[0-9a-f]{64}$/);
      assert.equal(entry.auth?.display_name, 'root');
      assert.deepEqual(entry.auth?.policies, ['root']);
      assert.equal(entry.error, undefined);
      assert.equal(entry.request.headers, undefined, 'no request headers are audited unless configured');
    }
    assert.equal(request.type, 'request');
    assert.equal(request.response, undefined);
    assert.equal(response.type, 'response');
    assert.equal(response.response?.mount_type, 'kv');
    assert.equal(response.response?.mount_point, 'secret/');
    assert.equal(typeof (response.response?.data as { version?: unknown }).version, 'number', 'numbers stay numbers');
  });

  it('never writes the secret value, but writes the hash sys/audit-hash gives for it', async () => {
    const id = await writeSecret('hmac');
    assert.ok(!(await readFile(hashed, 'utf8')).includes(secretValue), 'the secret value is in the log');
    const { request } = await entriesOf(hashed, id);
    const expected = await auditHash(server.address, root, 'file', secretValue);
    assert.deepEqual(request.request.data, { data: { password: expected } });
    assert.ok(!(await readFile(hashed, 'utf8')).includes(root), 'the root token is in the log');
  });

  it('hashes the same value differently on each device (a salt per device)', async () => {
    assert.notEqual(await auditHash(server.address, root, 'file', secretValue), await auditHash(server.address, root, 'plain', secretValue));
  });

  it('writes values in clear on a log_raw device', async () => {
    const id = await writeSecret('raw');
    const { request } = await entriesOf(raw, id);
    assert.deepEqual(request.request.data, { data: { password: secretValue } });
    assert.equal(request.request.client_token, root);
  });

  it('writes token accessors in clear with hmac_accessor=false, tokens still hashed', async () => {
    const self = await api<{ data: { accessor: string } }>(server.address, 'GET', 'auth/token/lookup-self', { token: root });
    const accessor = self.body.data.accessor;
    const id = await writeSecret('accessor');
    const plain = await entriesOf(plainAccessors, id);
    assert.equal(plain.request.auth?.accessor, accessor);
    assert.equal(plain.request.request.client_token_accessor, accessor);
    assert.match(String(plain.request.auth?.client_token), /^hmac-sha256:/);
    const hashedEntries = await entriesOf(hashed, id);
    assert.equal(hashedEntries.request.auth?.accessor, await auditHash(server.address, root, 'file', accessor));
  });

  it('starts every line with the device’s prefix', async () => {
    const id = await writeSecret('prefix');
    const text = await readFile(prefixed, 'utf8');
    for (const line of text.split('\n').filter(Boolean)) assert.ok(line.startsWith('@cee: {'), line);
    const entries = await auditEntries(prefixed, '@cee: ');
    assert.equal(entries.filter((e) => e.request.id === id).length, 2);
  });

  it('replaces a LIST answer’s keys with their count with elide_list_responses', async () => {
    await writeSecret('listed/a');
    await writeSecret('listed/b');
    await writeSecret('listed/c');
    const res = await api<{ request_id: string; data: { keys: string[] } }>(server.address, 'GET', 'secret/metadata/listed?list=true', { token: root });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data.keys.length, 3);
    assert.equal((await entriesOf(elided, res.body.request_id)).response.response?.data?.keys, 3);
    assert.equal(((await entriesOf(hashed, res.body.request_id)).response.response?.data?.keys as unknown[]).length, 3, 'other devices keep the keys');
  });

  it('refuses a format other than json, and unknown device types, with 400', async () => {
    const xml = await api(server.address, 'PUT', 'sys/audit/xml', { token: root, body: { type: 'file', options: { file_path: join(server.dir, 'x.log'), format: 'xml' } } });
    assert.equal(xml.status, 400, xml.text);
    const unknown = await api(server.address, 'PUT', 'sys/audit/nope', { token: root, body: { type: 'carrier-pigeon', options: {} } });
    assert.equal(unknown.status, 400, unknown.text);
    const list = await api<{ data: Record<string, unknown> }>(server.address, 'GET', 'sys/audit', { token: root });
    assert.deepEqual(Object.keys(list.body.data).sort(), ['elided/', 'file/', 'plain/', 'prefixed/', 'raw/']);
  });

  it('records a denied request (403) in both entries with its error', async () => {
    const created = await api<{ auth: { client_token: string } }>(server.address, 'POST', 'auth/token/create', { token: root, body: { policies: ['default'] } });
    const res = await api<{ request_id?: string }>(server.address, 'GET', 'secret/data/shape', { token: created.body.auth.client_token });
    assert.equal(res.status, 403, res.text);
    const entries = (await auditEntries(hashed)).filter((e) => e.request.path === 'secret/data/shape' && e.error === 'permission denied');
    assert.deepEqual(entries.map((e) => e.type).sort(), ['request', 'response']);
    assert.equal(entries[0]!.request.id, entries[1]!.request.id);
    assert.deepEqual(entries[0]!.auth?.policies, ['default']);
  });

  it('records a bad request (400) with its error', async () => {
    const res = await api(server.address, 'POST', 'secret/data/bad', { token: root, body: { data: 'not a map' } });
    assert.equal(res.status, 400, res.text);
    const entries = (await auditEntries(hashed)).filter((e) => e.request.path === 'secret/data/bad');
    assert.ok(entries.some((e) => e.type === 'response' && typeof e.error === 'string' && e.error.length > 0), JSON.stringify(entries));
  });

  describe('wrapping', () => {
    let wrapToken: string;
    let wrapAccessor: string;
    let wrapRequestId: string;

    before(async () => {
      await writeSecret('wrapped', 'wrapped-value');
      const res = await api<{ request_id: string; wrap_info: { token: string; accessor: string } }>(server.address, 'GET', 'secret/data/wrapped', {
        token: root,
        headers: { 'X-Vault-Wrap-TTL': '5m' },
      });
      assert.equal(res.status, 200, res.text);
      [wrapToken, wrapAccessor, wrapRequestId] = [res.body.wrap_info.token, res.body.wrap_info.accessor, res.body.request_id];
    });

    it('shows wrap_info in the wrapped response’s entry, token and accessor hashed', async () => {
      const { request, response } = await entriesOf(hashed, wrapRequestId);
      assert.equal(request.request.wrap_ttl, 300);
      const info = response.response?.wrap_info as Record<string, unknown>;
      assert.equal(info.token, await auditHash(server.address, root, 'file', wrapToken));
      assert.equal(info.accessor, await auditHash(server.address, root, 'file', wrapAccessor));
      assert.equal(info.creation_path, 'secret/data/wrapped');
      assert.equal(info.ttl, 300);
      // As Vault, the entry also carries what was wrapped, hashed like any data.
      assert.equal((response.response?.data?.data as { password: string }).password, await auditHash(server.address, root, 'file', 'wrapped-value'));
      assert.equal(((await entriesOf(plainAccessors, wrapRequestId)).response.response?.wrap_info as Record<string, unknown>).accessor, wrapAccessor);
    });

    it('records an unwrap with the token as X-Vault-Token: path, the wrapping token’s accessor and the client address', async () => {
      const res = await api<{ request_id: string }>(server.address, 'POST', 'sys/wrapping/unwrap', { token: wrapToken });
      assert.equal(res.status, 200, res.text);
      const entries = (await auditEntries(plainAccessors)).filter((e) => e.request.path === 'sys/wrapping/unwrap' && e.request.client_token_accessor === wrapAccessor);
      assert.deepEqual(entries.map((e) => e.type).sort(), ['request', 'response']);
      for (const e of entries) assert.equal(e.request.remote_address, '127.0.0.1');
      const hashedEntries = (await auditEntries(hashed)).filter((e) => e.request.id === entries[0]!.request.id);
      assert.equal(hashedEntries[0]!.request.client_token_accessor, await auditHash(server.address, root, 'file', wrapAccessor));
    });

    it('records an unwrap with the token in the body: the caller in auth, the wrapping token’s accessor in the request', async () => {
      const wrapped = await api<{ wrap_info: { token: string; accessor: string } }>(server.address, 'GET', 'secret/data/wrapped', { token: root, headers: { 'X-Vault-Wrap-TTL': '5m' } });
      const { token, accessor } = wrapped.body.wrap_info;
      const res = await api(server.address, 'POST', 'sys/wrapping/unwrap', { token: root, body: { token } });
      assert.equal(res.status, 200, res.text);
      const entries = (await auditEntries(plainAccessors)).filter((e) => e.request.path === 'sys/wrapping/unwrap' && e.request.client_token_accessor === accessor);
      assert.deepEqual(entries.map((e) => e.type).sort(), ['request', 'response']);
      for (const e of entries) {
        assert.equal(e.auth?.display_name, 'root', 'who unwrapped');
        assert.equal(e.request.remote_address, '127.0.0.1', 'from where');
      }
      const hashedRequest = (await auditEntries(hashed)).find((e) => e.request.id === entries[0]!.request.id && e.type === 'request')!;
      assert.equal((hashedRequest.request.data as { token: string }).token, await auditHash(server.address, root, 'file', token));
    });
  });
});
