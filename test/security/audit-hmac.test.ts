import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startInProcessServer, type InProcessServer } from '../harness/in-process.js';
import { auditHash, enableAudit, entriesOf } from '../audit/fixture.js';

// An audit line must not carry a client's secret in clear, whatever JSON type the client sent it as
// or read it back as.

describe('audit HMAC of numeric values', () => {
  let server: InProcessServer;
  let root: string;
  let file: string;
  // Random digits, so that a match in the log can only be this value.
  const numericPassword = Number(`9${randomBytes(4).readUInt32BE(0)}`);

  before(async () => {
    root = `root-${randomBytes(16).toString('hex')}`;
    server = await startInProcessServer(root);
    file = join(server.dir, 'audit.log');
    await enableAudit(server.address, root, 'file', 'file', { file_path: file });
    const mount = await api(server.address, 'POST', 'sys/auth/userpass', { token: root, body: { type: 'userpass' } });
    assert.equal(mount.status, 204, mount.text);
  });
  after(async () => {
    await server?.destroy();
  });

  it('hashes a password sent as a JSON number, in the user write and in the login', async () => {
    const created = await api(server.address, 'POST', 'auth/userpass/users/digits', { token: root, body: { password: numericPassword } });
    assert.equal(created.status, 204, created.text);
    const login = await api<{ request_id: string }>(server.address, 'POST', 'auth/userpass/login/digits', { body: { password: numericPassword } });
    assert.equal(login.status, 200, login.text);

    const text = await readFile(file, 'utf8');
    assert.ok(!text.includes(String(numericPassword)), 'the numeric password appears in clear in the audit log');
    const { request } = await entriesOf(file, login.body.request_id);
    assert.equal(request.request.data?.password, await auditHash(server.address, root, 'file', String(numericPassword)));
  });

  it('hashes a numeric value read back from KV v2, keeping its version number readable', async () => {
    const pin = Number(`7${randomBytes(4).readUInt32BE(0)}`);
    const written = await api(server.address, 'POST', 'secret/data/pin', { token: root, body: { data: { pin } } });
    assert.equal(written.status, 200, written.text);
    const read = await api<{ request_id: string }>(server.address, 'GET', 'secret/data/pin', { token: root });
    assert.equal(read.status, 200, read.text);
    assert.ok(!(await readFile(file, 'utf8')).includes(String(pin)), 'the numeric secret appears in clear in the audit log');
    const { response } = await entriesOf(file, read.body.request_id);
    const data = response.response?.data as { data: { pin: unknown }; metadata: { version: unknown } };
    assert.equal(data.data.pin, await auditHash(server.address, root, 'file', String(pin)));
    assert.equal(data.metadata.version, 1);
  });

  it('hashes numeric values read back from KV v1, cubbyhole and an unwrapped response', async () => {
    const mounted = await api(server.address, 'POST', 'sys/mounts/kv1', { token: root, body: { type: 'kv', options: { version: '1' } } });
    assert.equal(mounted.status, 204, mounted.text);
    const values = [1, 2, 3].map((n) => Number(`${n}${randomBytes(4).readUInt32BE(0)}`)) as [number, number, number];
    assert.equal((await api(server.address, 'POST', 'kv1/pin', { token: root, body: { pin: values[0] } })).status, 204);
    assert.equal((await api(server.address, 'POST', 'cubbyhole/pin', { token: root, body: { pin: values[1] } })).status, 204);
    const wrapped = await api<{ wrap_info: { token: string } }>(server.address, 'POST', 'sys/wrapping/wrap', { token: root, body: { pin: values[2] }, headers: { 'X-Vault-Wrap-TTL': '60' } });
    assert.equal(wrapped.status, 200, wrapped.text);
    const reads = [
      await api(server.address, 'GET', 'kv1/pin', { token: root }),
      await api(server.address, 'GET', 'cubbyhole/pin', { token: root }),
      await api(server.address, 'POST', 'sys/wrapping/unwrap', { token: root, body: { token: wrapped.body.wrap_info.token } }),
    ];
    for (const res of reads) assert.equal(res.status, 200, res.text);
    const text = await readFile(file, 'utf8');
    for (const value of values) {
      const line = text.split('\n').find((l) => l.includes(String(value)));
      assert.equal(line, undefined, `${value} appears in clear in the audit log`);
    }
  });

  it('keeps response numbers (TTLs) readable', async () => {
    const res = await api<{ request_id: string }>(server.address, 'POST', 'auth/token/create', { token: root, body: { ttl: '1h' } });
    assert.equal(res.status, 200, res.text);
    const { response } = await entriesOf(file, res.body.request_id);
    assert.equal((response.response?.auth as { token_ttl?: unknown } | undefined)?.token_ttl, 3600);
  });
});
