import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { poll } from '../harness/poll.js';
import { assertNoContent } from '../sys/fixture.js';
import { assertAdmitted, assertRateLimited, Client, writeQuota, writeQuotaConfig } from './fixture.js';

interface AuditLine {
  type: string;
  error?: string;
  request?: { path?: string; remote_address?: string };
}

describe('refused requests in the audit log', () => {
  let server: TestServer;
  let logFile: string;
  const linesFrom = async (address: string): Promise<AuditLine[]> =>
    (await readFile(logFile, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AuditLine)
      .filter((entry) => entry.request?.remote_address === address);

  before(async () => {
    server = await startServer();
    logFile = join(server.dir, 'audit.log');
    const enabled = await api(server.address, 'PUT', 'sys/audit/file', { token: server.rootToken, body: { type: 'file', options: { file_path: logFile, log_raw: 'true' } } });
    assertNoContent(enabled, 'enable file audit');
    await writeQuota(server.address, server.rootToken, 'kv', { path: 'secret/', rate: 1, interval: '1m' });
  });
  after(() => server?.destroy());

  it('leaves a 429 out of the audit log by default, as Vault does', async () => {
    const alice = new Client(server.address, server.rootToken);
    assertAdmitted(await alice.read('secret/data/a'), 'first');
    assertRateLimited(await alice.read('secret/data/a'), 60);
    // The admitted request is on record (request and response); the refused one is not.
    await poll('the admitted request in the log', async () => (await linesFrom(alice.localAddress)).length >= 2, { intervalMs: 50 });
    const entries = await linesFrom(alice.localAddress);
    assert.equal(entries.length, 2, JSON.stringify(entries));
    assert.ok(entries.every((e) => !/rate limit quota exceeded/.test(e.error ?? '')), JSON.stringify(entries));
  });

  it('records a 429 with its error once enable_rate_limit_audit_logging is on', async () => {
    await writeQuotaConfig(server.address, server.rootToken, { enable_rate_limit_audit_logging: true });
    const bob = new Client(server.address, server.rootToken);
    assertAdmitted(await bob.read('secret/data/b'), 'first');
    assertRateLimited(await bob.read('secret/data/b'), 60);
    await poll(
      'the refused request in the log',
      async () => (await linesFrom(bob.localAddress)).some((e) => e.type === 'request' && /rate limit quota exceeded/.test(e.error ?? '')),
      { intervalMs: 50 },
    );
    const refused = (await linesFrom(bob.localAddress)).filter((e) => /rate limit quota exceeded/.test(e.error ?? ''));
    assert.ok(refused.every((e) => e.request?.path === 'secret/data/b'), JSON.stringify(refused));
    assert.equal(refused[0]!.error, 'request path "secret/data/b": rate limit quota exceeded');
  });
});
