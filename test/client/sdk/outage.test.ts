import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { appRoleAuth, CofferConnectionError, type CofferClient } from '../../../src/client/index.js';
import { clockReaches, poll } from '../../harness/poll.js';
import type { TestServer } from '../../harness/server.js';
import { appClient, appRole, restartableServer, rootClient, unique } from './fixture.js';

// What an application sees while its server is down: the server process is really stopped (by PID)
// and started again on the same files and port.

describe('SDK through a server outage (real server stopped and restarted)', () => {
  let server: TestServer;
  let root: CofferClient;

  before(async () => {
    server = await restartableServer();
    root = rootClient(server.address, server.rootToken);
    await root.secrets.enable('secret', { type: 'kv', options: { version: '2' } });
    await root.auth.enable('approle', { type: 'approle' });
  });
  after(async () => {
    await server?.destroy();
  });

  /** Stops the server, runs `whileDown`, and starts it again on the same files and port. */
  async function outage(whileDown: () => Promise<void>): Promise<void> {
    await server.stop();
    try {
      await whileDown();
    } finally {
      server = await server.restart();
    }
  }

  it('answers a cached read from its expired copy while the server is down (stale-if-error, bounded), and reads fresh again after the restart', async () => {
    const path = `secret/data/${unique('stale')}`;
    await root.write(path, { data: { password: 'before' } });
    const lenient = appClient(server.address, { token: server.rootToken, maxRetries: 0, cache: { ttlMs: 200, maxStaleMs: 60_000 } });
    const strict = appClient(server.address, { token: server.rootToken, maxRetries: 0, cache: { ttlMs: 200, maxStaleMs: 100 } });
    try {
      await lenient.read(path);
      await strict.read(path);
      await outage(async () => {
        await clockReaches(Date.now() + 400, 'the cached answers to expire');
        const stale = await lenient.read(path);
        assert.equal((stale!.data as { data: { password: string } }).data.password, 'before');
        assert.equal(lenient.cache!.stats.stale, 1);
        // Past its maximum staleness a copy is not used: the outage shows.
        await assert.rejects(strict.read(path), CofferConnectionError);
        // Nothing cached, nothing to fall back on.
        await assert.rejects(lenient.read(`secret/data/${unique('never-read')}`), CofferConnectionError);
      });
      await root.write(path, { data: { password: 'after' } });
      await clockReaches(Date.now() + 250, 'the stale copy to expire again');
      const fresh = await lenient.read(path);
      assert.equal((fresh!.data as { data: { password: string } }).data.password, 'after');
    } finally {
      await lenient.close();
      await strict.close();
    }
  });

  it('a session whose renewal fails while the server is down reports errors, backs off, and keeps its token alive once the server is back', async () => {
    const { login, prefix } = await appRole(root, { ttl: '8s', maxTtl: '1h' });
    await root.kv.put(`secret/${prefix}db`, { password: 'p' });
    const client = appClient(server.address, { maxRetries: 0 });
    const session = await client.authenticate(appRoleAuth(login), { backoff: { minMs: 200, maxMs: 400 } });
    const errors: Error[] = [];
    session.on('error', (err) => errors.push(err));
    let recovered = 0;
    session.on('renewed', () => recovered++);
    session.on('reauthenticated', () => recovered++);
    try {
      await outage(async () => {
        // The first renewal is due at about 2/3 of 8 s: it meets a stopped server.
        await poll('no renewal error while the server is down', () => errors.length >= 2, { timeoutMs: 10_000, intervalMs: 50 });
        assert.ok(errors.every((err) => err instanceof CofferConnectionError), errors.map(String).join('\n'));
        assert.equal(recovered, 0);
      });
      await poll('no renewal after the restart', () => recovered >= 1, { timeoutMs: 10_000, intervalMs: 50 });
      const read = await client.kv.get(`secret/${prefix}db`);
      assert.equal((read.secret!.data as { data: { password: string } }).data.password, 'p');
    } finally {
      await client.close();
    }
  });
});
