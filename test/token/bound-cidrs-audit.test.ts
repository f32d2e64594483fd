import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { startServer, type TestServer } from '../harness/server.js';
import type { Envelope } from '../harness/vault-types.js';
import { poll } from '../harness/poll.js';
import { assertNoContent, closingApi } from '../sys/fixture.js';

// Issue 4: a request from outside a token's bound CIDRs is refused with 403 and audited as such:
// the audit log holds the refused request, its address and its error.

interface AuditLine {
  type: string;
  request: { id: string; path: string; remote_address: string; client_token?: string };
  error?: string;
}

describe('a token used from outside its bound CIDRs', () => {
  let server: TestServer;
  let dir: string;
  const logFile = () => join(dir, 'audit.log');
  const as = <T = Envelope>(localAddress: string, method: string, path: string, token: string, body?: unknown) =>
    closingApi<T>(server.address, method, path, { token, localAddress, ...(body === undefined ? {} : { body }) });

  before(async () => {
    server = await startServer();
    dir = await mkdtemp(join(tmpdir(), 'coffer-cidr-audit-'));
    const root = server.rootToken;
    assertNoContent(await as('127.0.0.1', 'PUT', 'sys/audit/file', root, { type: 'file', options: { file_path: logFile() } }), 'enable audit');
  });
  after(async () => {
    await server?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets 403 from 127.0.0.2, and the audit log records the refusal with that address and "permission denied"', async () => {
    const root = server.rootToken;
    assertNoContent(await as('127.0.0.1', 'POST', 'auth/token/roles/local-only', root, { allowed_policies: ['default'], token_bound_cidrs: ['127.0.0.1/32'] }), 'role');
    const created = await as('127.0.0.1', 'POST', 'auth/token/create/local-only', root, {});
    const token = created.body.auth!.client_token;

    const refused = await as('127.0.0.2', 'GET', 'auth/token/lookup-self', token);
    assertErrorAnswer(refused, 403, /^permission denied$/);
    const requestId = (refused.body as { request_id?: string }).request_id;

    let entries: AuditLine[] = [];
    await poll(
      'both audit entries of the refused request',
      async () => {
        const lines = (await readFile(logFile(), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as AuditLine);
        entries = lines.filter((l) => l.request.path === 'auth/token/lookup-self' && l.request.remote_address === '127.0.0.2');
        return entries.length >= 2;
      },
      { intervalMs: 50 },
    );
    assert.deepEqual(entries.map((e) => e.type).sort(), ['request', 'response']);
    for (const entry of entries) {
      assert.equal(entry.error, 'permission denied');
      assert.match(entry.request.client_token ?? '', /^hmac-sha256:/, 'the refused token is recorded hashed');
      if (requestId) assert.equal(entry.request.id, requestId);
    }
    assert.ok(!(await readFile(logFile(), 'utf8')).includes(token), 'the token itself never reaches the log');
  });
});
