import assert from 'node:assert/strict';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { poll } from '../harness/poll.js';
import { assertChained, auditLines, enableAudit } from './fixture.js';

// Coffer's addition to Vault's entries: each line's prev_hash is the SHA-256 of the line before it
// on that device, across logrotate (SIGHUP) and restarts, so a removed or edited line shows.

describe('hash-chained audit lines', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.destroy();
  });

  const write = (server: TestServer, token: string, key: string, value = 'v') =>
    api(server.address, 'POST', `secret/data/${key}`, { token, body: { data: { value } } });

  it('links every line to the line before it', async () => {
    const server = await startServer();
    servers.push(server);
    const file = join(server.dir, 'audit.log');
    await enableAudit(server.address, server.rootToken, 'file', 'file', { file_path: file });
    await Promise.all(Array.from({ length: 20 }, (_, i) => write(server, server.rootToken, `k${i}`)));
    const lines = await auditLines(file);
    assert.ok(lines.length >= 41, `lines: ${lines.length}`);
    assertChained(lines);
  });

  it('continues the chain into the new file after logrotate moves the file and sends SIGHUP', async () => {
    const server = await startServer();
    servers.push(server);
    const file = join(server.dir, 'audit.log');
    await enableAudit(server.address, server.rootToken, 'file', 'file', { file_path: file });
    await write(server, server.rootToken, 'before');
    await rename(file, `${file}.1`);
    process.kill(server.pid, 'SIGHUP');
    await poll('the new file', async () => {
      await write(server, server.rootToken, 'after');
      return (await auditLines(file)).length > 0 ? true : undefined;
    });
    const old = await auditLines(`${file}.1`);
    const fresh = await auditLines(file);
    assertChained([...old, ...fresh]);
  });

  it('continues the chain across a restart, even after a line longer than the 1 MiB tail window', async () => {
    const first = await startServer({ dev: false });
    servers.push(first);
    const token = first.rootToken;
    const file = join(first.dir, 'audit.log');
    const mounted = await api(first.address, 'POST', 'sys/mounts/secret', { token, body: { type: 'kv', options: { version: '2' } } });
    assert.equal(mounted.status, 204, mounted.text);
    await enableAudit(first.address, token, 'file', 'file', { file_path: file, log_raw: 'true' });
    const big = 'x'.repeat(1_500_000);
    assert.equal((await write(first, token, 'big', big)).status, 200);
    // The read's response entry, holding the value in clear, is the file's last line.
    assert.equal((await api(first.address, 'GET', 'secret/data/big', { token })).status, 200);
    const beforeRestart = await auditLines(file);
    assert.ok(beforeRestart.at(-1)!.length > 1 << 20, 'the last line is longer than the tail window');

    const second = await first.restart();
    servers.push(second);
    assert.equal((await write(second, token, 'after-restart')).status, 200);
    const lines = await auditLines(file);
    assert.ok(lines.length > beforeRestart.length);
    assertChained(lines);
  });
});
