import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startInProcessServer, type InProcessServer } from '../harness/in-process.js';
import { poll } from '../harness/poll.js';
import { assertChained, enableAudit, type AuditEntry } from './fixture.js';
import { lineReceiver } from './receiver.js';

// Each device type delivers the same entries to a real receiver the test runs on loopback.

async function udpReceiver(): Promise<{ socket: UdpSocket; port: number; messages: string[] }> {
  const socket = createSocket('udp4');
  const messages: string[] = [];
  socket.on('message', (msg) => messages.push(msg.toString('utf8')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, messages };
}

describe('audit device types', () => {
  let server: InProcessServer;
  let root: string;
  const closers: (() => Promise<void> | void)[] = [];

  before(async () => {
    root = `root-${randomBytes(16).toString('hex')}`;
    server = await startInProcessServer(root);
  });
  after(async () => {
    for (const close of closers) await close();
    await server?.destroy();
  });

  async function writeSecret(key: string) {
    const res = await api<{ request_id: string }>(server.address, 'POST', `secret/data/${key}`, { token: root, body: { data: { value: 'v' } } });
    assert.equal(res.status, 200, res.text);
    return res.body.request_id;
  }

  const entriesFor = (lines: string[], id: string) => lines.map((l) => JSON.parse(l) as AuditEntry).filter((e) => e.request.id === id);

  it('socket (tcp) sends chained JSON lines over one connection', async () => {
    const receiver = await lineReceiver(0);
    closers.push(() => receiver.close());
    await enableAudit(server.address, root, 'tcp', 'socket', { address: `127.0.0.1:${receiver.port}` });
    const id = await writeSecret('tcp');
    await poll('both entries', () => (entriesFor(receiver.lines, id).length === 2 ? true : undefined));
    assert.equal(JSON.parse(receiver.lines[0]!).request.path, 'sys/audit/test', 'the enable test message comes first');
    assertChained(receiver.lines);
    await api(server.address, 'DELETE', 'sys/audit/tcp', { token: root });
  });

  it('socket (unix) sends the entries to a unix socket path', async () => {
    const path = join(server.dir, 'audit.sock');
    const receiver = await lineReceiver(path);
    closers.push(() => receiver.close());
    await enableAudit(server.address, root, 'unix', 'socket', { address: path, socket_type: 'unix' });
    const id = await writeSecret('unix');
    await poll('both entries', () => (entriesFor(receiver.lines, id).length === 2 ? true : undefined));
    await api(server.address, 'DELETE', 'sys/audit/unix', { token: root });
  });

  it('socket (udp) sends one datagram per entry', async () => {
    const receiver = await udpReceiver();
    closers.push(() => void receiver.socket.close());
    await enableAudit(server.address, root, 'udp', 'socket', { address: `127.0.0.1:${receiver.port}`, socket_type: 'udp' });
    const id = await writeSecret('udp');
    await poll('both entries', () => (entriesFor(receiver.messages, id).length === 2 ? true : undefined));
    assert.ok(receiver.messages.every((m) => !m.includes('\n')));
    await api(server.address, 'DELETE', 'sys/audit/udp', { token: root });
  });

  it('refuses to enable a socket device nobody listens on', async () => {
    const probe = await lineReceiver(0);
    const port = probe.port;
    await probe.close();
    const res = await api(server.address, 'PUT', 'sys/audit/nobody', { token: root, body: { type: 'socket', options: { address: `127.0.0.1:${port}` } } });
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /ECONNREFUSED/);
  });

  it('syslog sends RFC 5424 messages with facility AUTH, severity info and tag "vault" by default', async () => {
    const receiver = await udpReceiver();
    closers.push(() => void receiver.socket.close());
    await enableAudit(server.address, root, 'syslog', 'syslog', { address: `127.0.0.1:${receiver.port}` });
    const id = await writeSecret('syslog');
    const pattern = /^<38>1 \S+ \S+ vault \d+ - - (\{.*\})$/;
    const bodies = () => receiver.messages.map((m) => pattern.exec(m)?.[1]).filter((b): b is string => !!b);
    await poll('both entries', () => (entriesFor(bodies(), id).length === 2 ? true : undefined));
    assert.ok(receiver.messages.every((m) => pattern.test(m)), receiver.messages[0]);
    await api(server.address, 'DELETE', 'sys/audit/syslog', { token: root });
  });

  it('syslog honours facility and tag', async () => {
    const receiver = await udpReceiver();
    closers.push(() => void receiver.socket.close());
    await enableAudit(server.address, root, 'local', 'syslog', { address: `127.0.0.1:${receiver.port}`, facility: 'LOCAL0', tag: 'coffer-audit' });
    await writeSecret('local');
    await poll('a message', () => (receiver.messages.length > 0 ? true : undefined));
    assert.match(receiver.messages[0]!, /^<134>1 \S+ \S+ coffer-audit /);
    await api(server.address, 'DELETE', 'sys/audit/local', { token: root });
    const bad = await api(server.address, 'PUT', 'sys/audit/bad', { token: root, body: { type: 'syslog', options: { facility: 'NOPE' } } });
    assert.equal(bad.status, 400, bad.text);
  });

  it('file creates its file with the given mode, and file_path=discard writes nowhere', async () => {
    const file = join(server.dir, 'moded.log');
    await enableAudit(server.address, root, 'moded', 'file', { file_path: file, mode: '0640' });
    assert.equal((await stat(file)).mode & 0o777, 0o640);
    await api(server.address, 'DELETE', 'sys/audit/moded', { token: root });

    const before = (await readdir(server.dir)).sort();
    await enableAudit(server.address, root, 'discard', 'file', { file_path: 'discard' });
    await writeSecret('discarded');
    assert.deepEqual((await readdir(server.dir)).sort(), before);
    await api(server.address, 'DELETE', 'sys/audit/discard', { token: root });
  });
});
