import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CofferApiError, type CofferClient, type LeasedSecret } from '../../../src/client/index.js';
import { startPostgres, type PostgresCluster } from '../../harness/postgres.js';
import { poll } from '../../harness/poll.js';
import type { TestServer } from '../../harness/server.js';
import { databaseServer, login, LOGIN_REFUSED } from '../../engines/database/fixture.js';
import { appClient, rootClient } from './fixture.js';

// client.leased() against real dynamic PostgreSQL credentials (the harness's own PostgreSQL, as a
// non-root user in a temp dir): renewed on schedule, replaced before the max TTL, revoked on close.

type Creds = { username: string; password: string };

describe('SDK leased secrets: database/creds on a real PostgreSQL', () => {
  let pgc: PostgresCluster;
  let server: TestServer;
  let root: CofferClient;

  before(async () => {
    pgc = await startPostgres();
    server = await databaseServer(pgc, { roleTtl: '3s', maxTtl: '7s' });
    root = rootClient(server.address, server.rootToken);
  });
  after(async () => {
    await server?.destroy();
    await pgc?.stop();
  });

  it('renews the lease, fetches new credentials before the max TTL (rotated), and revokes every live lease on close', async () => {
    const client = appClient(server.address, { token: server.rootToken });
    const started = Date.now();
    const secret: LeasedSecret<Creds> = await client.leased<Creds>('database/creds/readonly');
    const first = secret.data;
    const firstLease = secret.leaseId;
    const events: string[] = [];
    let rotatedAt = 0;
    let replaced: Creds | undefined;
    secret.on('renewed', () => events.push('renewed'));
    secret.on('rotated', (fresh, old) => {
      events.push('rotated');
      rotatedAt = Date.now() - started;
      replaced = (old.data ?? undefined) as Creds | undefined;
    });
    try {
      assert.equal(await login(pgc, first.username, first.password), true);
      await poll('no rotation', () => events.includes('rotated'), { timeoutMs: 12_000, intervalMs: 100 });
      assert.ok(events.indexOf('renewed') >= 0 && events.indexOf('renewed') < events.indexOf('rotated'), `renewed before rotated: ${events.join(', ')}`);
      assert.ok(rotatedAt < 7000, `rotated at ${rotatedAt} ms, not before the 7 s max TTL`);
      assert.deepEqual(replaced, first);
      const second = secret.data;
      assert.notEqual(second.username, first.username);
      assert.equal(await login(pgc, second.username, second.password), true, 'the new credentials work');
      const leases = [firstLease, secret.leaseId];
      await client.close();
      assert.match(String(await login(pgc, second.username, second.password)), LOGIN_REFUSED, 'the current lease is revoked on close');
      for (const id of leases) {
        await assert.rejects(root.leases.lookup(id), (err: unknown) => err instanceof CofferApiError && err.status === 400);
      }
    } finally {
      await client.close();
    }
  });

  it('keeps the credentials it replaced working until close, then revokes them too', async () => {
    const client = appClient(server.address, { token: server.rootToken });
    const secret = await client.leased<Creds>('database/creds/readonly');
    const first = secret.data;
    try {
      const fresh = (await secret.rotate()).data as Creds;
      assert.equal(await login(pgc, first.username, first.password), true, 'the application may still be moving off the old credentials');
      await client.close();
      assert.match(String(await login(pgc, fresh.username, fresh.password)), LOGIN_REFUSED);
      assert.match(String(await login(pgc, first.username, first.password)), LOGIN_REFUSED);
    } finally {
      await client.close();
    }
  });

  it('fetches new credentials at once when its lease was revoked behind its back', async () => {
    const client = appClient(server.address, { token: server.rootToken });
    const secret = await client.leased<Creds>('database/creds/readonly');
    const first = secret.data;
    const rotated = new Promise<Creds>((resolve) => secret.once('rotated', (fresh) => resolve(fresh.data as Creds)));
    try {
      await root.leases.revoke(secret.leaseId);
      // The next renewal (due within about 2 s) finds no lease and fetches a new secret instead.
      const fresh = await rotated;
      assert.notEqual(fresh.username, first.username);
      assert.equal(await login(pgc, fresh.username, fresh.password), true);
    } finally {
      await client.close();
    }
  });

  it('refuses a path that answers no lease', async () => {
    const client = appClient(server.address, { token: server.rootToken });
    try {
      await assert.rejects(client.leased('sys/health'), /answered no lease/);
    } finally {
      await client.close();
    }
  });
});
