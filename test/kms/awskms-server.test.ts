import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AWSKMS_REQUEST_TIMEOUT_MS } from '../../src/kms/awskms.js';
import { startSealServer, type SealServer } from './seal-server.js';

/** A loopback port with nobody listening: bound, then closed again. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// Fake credentials so the SDK goes straight to the endpoint (no instance-metadata lookups).
const FAKE_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_EC2_METADATA_DISABLED: 'true',
};

describe('a server sealed by awskms', () => {
  const servers: SealServer[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const server of servers) await server.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start, fast and naming the KMS, when AWS KMS cannot be reached', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-awskms-'));
    dirs.push(dir);
    const port = await closedPort();
    const started = Date.now();
    const server = await startSealServer(dir, `seal "awskms" {\n  region = "eu-west-1"\n  kms_key_id = "alias/coffer-seal"\n  endpoint = "http://127.0.0.1:${port}"\n}`, FAKE_CREDENTIALS);
    servers.push(server);
    assert.equal(await server.exited(20_000), 1, server.output());
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
    assert.match(server.output(), new RegExp(`Error starting server: awskms: cannot reach AWS KMS at http://127\\.0\\.0\\.1:${port} for DescribeKey: .*ECONNREFUSED`));
    assert.ok(!server.output().includes('wJalrXUtnFEMI'), 'the secret access key is not printed');
  });

  it('refuses to start within the SDK timeouts when the endpoint accepts connections but never answers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-awskms-'));
    dirs.push(dir);
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const started = Date.now();
      const server = await startSealServer(dir, `seal "awskms" {\n  region = "eu-west-1"\n  kms_key_id = "alias/coffer-seal"\n  endpoint = "http://127.0.0.1:${port}"\n}`, FAKE_CREDENTIALS);
      servers.push(server);
      assert.equal(await server.exited(30_000), 1, server.output());
      const took = Date.now() - started;
      assert.ok(sockets.size >= 1, 'the SDK did connect');
      assert.ok(took < 2 * AWSKMS_REQUEST_TIMEOUT_MS + 8_000, `took ${took} ms`);
      assert.match(server.output(), /Error starting server: awskms: cannot reach AWS KMS at http:\/\/127\.0\.0\.1:\d+ for DescribeKey: TimeoutError/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
