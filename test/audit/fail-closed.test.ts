import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { poll } from '../harness/poll.js';
import { auditLines, enableAudit, metricValue } from './fixture.js';
import { processReceiver, type ProcessReceiver } from './receiver.js';

// DESIGN §4.5: when no enabled device can record a request, the request is refused (500) and
// nothing runs. Each case breaks the only device a different real way and proves a KV write that
// was answered 500 did not land.

describe('fail-closed audit', () => {
  let server: TestServer;
  let receiver: ProcessReceiver | undefined;
  let mounted: string | undefined;

  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await receiver?.kill();
    receiver = undefined;
    // The server holds the log open on the tmpfs: stop it, unmount, then remove its files.
    await server?.stop();
    if (mounted) execFileSync('umount', [mounted]);
    mounted = undefined;
    await server?.destroy();
  });

  const write = (key: string, value: string) => api(server.address, 'POST', `secret/data/${key}`, { token: server.rootToken, body: { data: { value } } });
  const read = (key: string) => api<{ data: { data: { value: string } } }>(server.address, 'GET', `secret/data/${key}`, { token: server.rootToken });

  it('refuses every request once a SIGHUP cannot reopen the file, executes nothing, and recovers on the next SIGHUP', async () => {
    const logs = join(server.dir, 'logs');
    await mkdir(logs);
    await enableAudit(server.address, server.rootToken, 'file', 'file', { file_path: join(logs, 'audit.log') });
    assert.equal((await write('k', 'before')).status, 200);

    await rm(logs, { recursive: true });
    process.kill(server.pid, 'SIGHUP');
    await poll('requests refused', async () => ((await read('k')).status === 500 ? true : undefined));
    const refused = await write('k', 'during');
    assert.equal(refused.status, 500, refused.text);
    assert.match(refused.text, /audit/);

    await mkdir(logs);
    process.kill(server.pid, 'SIGHUP');
    await poll('requests served again', async () => ((await read('k')).status === 200 ? true : undefined));
    assert.equal((await read('k')).body.data.data.value, 'before', 'the refused write landed');
    assert.ok((await metricValue(server.address, server.rootToken, 'coffer_audit_failures_total')) >= 2);
  });

  it('refuses to enable a file device on /dev/full (ENOSPC on every write) and keeps serving', async () => {
    const res = await api(server.address, 'PUT', 'sys/audit/full', { token: server.rootToken, body: { type: 'file', options: { file_path: '/dev/full' } } });
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /ENOSPC/);
    const list = await api<{ data: Record<string, unknown> }>(server.address, 'GET', 'sys/audit', { token: server.rootToken });
    assert.deepEqual(list.body.data, {});
    assert.equal((await write('k', 'served')).status, 200);
  });

  it('refuses requests once a tiny tmpfs holding the log is full, and executes nothing', async () => {
    // The suite runs as root (as CI does), so mount(2) is available: a failure to mount is a failure.
    const tiny = join(server.dir, 'tiny');
    await mkdir(tiny);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', tiny], { stdio: 'pipe' });
    mounted = tiny;
    const file = join(tiny, 'audit.log');
    await enableAudit(server.address, server.rootToken, 'file', 'file', { file_path: file });
    let failedKey: string | undefined;
    for (let i = 0; i < 2_000 && !failedKey; i++) {
      const res = await write(`fill-${i}`, 'x'.repeat(64));
      if (res.status === 500) failedKey = `fill-${i}`;
      else assert.equal(res.status, 200, res.text);
    }
    assert.ok(failedKey, 'the tmpfs never filled');
    // The first refusal may have been its response entry (the request entry still fitted, so the
    // write ran, as in Vault); from then on not even a request entry fits.
    const refused = await write('after-full', 'v');
    assert.equal(refused.status, 500, refused.text);
    assert.equal((await read('fill-0')).status, 500, 'reads are refused too');
    await truncate(file, 0);
    assert.equal((await read('after-full')).status, 404, 'the refused write landed');
    const lines = await auditLines(file);
    assert.ok(lines.length > 0 && lines.every((l) => JSON.parse(l)), 'entries after the room was made are whole lines');
  });

  it('refuses every request while the socket receiver is dead, executes nothing, and recovers when it is back', async () => {
    receiver = await processReceiver();
    const port = receiver.port;
    await enableAudit(server.address, server.rootToken, 'socket', 'socket', { address: `127.0.0.1:${port}`, socket_type: 'tcp' });
    assert.equal((await write('k', 'before')).status, 200);
    await poll('entries received', () => (receiver!.linesReceived() >= 3 ? true : undefined));

    await receiver.kill();
    await poll('requests refused', async () => ((await read('k')).status === 500 ? true : undefined));
    assert.equal((await write('k', 'during')).status, 500);

    receiver = await processReceiver(port);
    await poll('requests served again', async () => ((await read('k')).status === 200 ? true : undefined));
    assert.equal((await read('k')).body.data.data.value, 'before', 'the refused write landed');
    await poll('the new receiver gets the entries', () => (receiver!.linesReceived() >= 2 ? true : undefined));
  });

  it('serves requests while one of two devices fails', async () => {
    receiver = await processReceiver();
    const file = join(server.dir, 'audit.log');
    await enableAudit(server.address, server.rootToken, 'socket', 'socket', { address: `127.0.0.1:${receiver.port}` });
    await enableAudit(server.address, server.rootToken, 'file', 'file', { file_path: file });
    await receiver.kill();
    for (let i = 0; i < 5; i++) assert.equal((await write(`k${i}`, 'v')).status, 200);
    assert.equal((await read('k4')).body.data.data.value, 'v');
    const recorded = (await auditLines(file)).map((l) => JSON.parse(l) as { request: { path: string } });
    assert.ok(recorded.some((e) => e.request.path === 'secret/data/k4'));
    assert.equal(await metricValue(server.address, server.rootToken, 'coffer_audit_failures_total'), 0);
    assert.ok(!(await readFile(file, 'utf8')).includes(server.rootToken));
  });
});
