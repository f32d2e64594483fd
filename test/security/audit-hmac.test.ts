import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startInProcessServer, type InProcessServer } from '../harness/in-process.js';
import { auditHash, enableAudit, entriesOf } from '../audit/fixture.js';

// An audit line must not carry a client's secret in clear, whatever JSON type the client sent it as.

describe('audit HMAC of request values', () => {
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

  it('keeps response numbers (TTLs) readable', async () => {
    const res = await api<{ request_id: string }>(server.address, 'POST', 'auth/token/create', { token: root, body: { ttl: '1h' } });
    assert.equal(res.status, 200, res.text);
    const { response } = await entriesOf(file, res.body.request_id);
    assert.equal((response.response?.auth as { token_ttl?: unknown } | undefined)?.token_ttl, 3600);
  });
});
