import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CREATE_USER, login, LOGIN_REFUSED, pgConnection } from '../engines/database/fixture.js';
import { api } from '../harness/http.js';
import { poll } from '../harness/poll.js';
import { startPostgres, type PostgresCluster } from '../harness/postgres.js';
import { exited, startHaCluster, type CofferNode, type HaCluster } from './fixture.js';

interface Issued {
  leaseId: string;
  username: string;
  password: string;
}

/** How many times each lease's revocation was logged ("lease revoked"), over every node's output. */
function revocationsLogged(nodes: CofferNode[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of nodes.flatMap((n) => n.output().split('\n'))) {
    if (!line.includes('lease revoked')) continue;
    const id = /"lease_id":"([^"]+)"/.exec(line)?.[1] ?? /lease_id=(\S+)/.exec(line)?.[1];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

// Leases on an HA cluster over a real etcd: the expiration manager runs on the active node only;
// when it dies, the node that takes over loads every lease from storage and revokes each when it
// is due (overdue ones at once), none lost and none revoked twice.
describe('HA: lease expiry moves to the new active node', () => {
  let pgc: PostgresCluster;
  let cluster: HaCluster;

  before(async () => {
    pgc = await startPostgres();
    cluster = await startHaCluster({ name: 'ha-leases', nodes: 2, mountKv: false });
  });
  after(async () => {
    await cluster?.stop();
    await pgc?.stop();
  });

  it('revokes every lease exactly once across a failover: before it, in the gap, and after it', async () => {
    const token = cluster.rootToken;
    const first = await cluster.settledActive();
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await api(first.address, method, path, { token, body });
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
      return res;
    };
    await call('POST', 'sys/mounts/database', { type: 'database' });
    await call('POST', 'database/config/pg', pgConnection(pgc));
    // 'before' expires while the first node is active; 'gap' while no node is (the HA lock's
    // TTL is 5 s); 'after' once the second node has taken over.
    const ttls = { before: '3s', gap: '6s', after: '16s' };
    for (const [role, ttl] of Object.entries(ttls)) await call('POST', `database/roles/${role}`, { db_name: 'pg', creation_statements: [CREATE_USER], default_ttl: ttl });
    const issued: Record<string, Issued[]> = {};
    for (const role of Object.keys(ttls)) {
      issued[role] = [];
      for (let i = 0; i < 3; i++) {
        const body = (await call('GET', `database/creds/${role}`)).body as { lease_id: string; data: { username: string; password: string } };
        issued[role]!.push({ leaseId: body.lease_id, ...body.data });
        // Checked as soon as issued: on a loaded machine the short leases may expire during a later loop.
        assert.equal(await login(pgc, body.data.username, body.data.password), true);
      }
    }

    await poll('the first node revoked the 3 s leases', () => issued.before!.every((c) => revocationsLogged([first]).get(c.leaseId) === 1), { timeoutMs: 10_000, intervalMs: 100 });
    first.child.kill('SIGKILL');
    await exited(first.child);
    const next = await cluster.settledActive(15_000, first);

    const all = Object.values(issued).flat();
    await poll('every lease revoked', async () => {
      const logged = revocationsLogged(cluster.nodes);
      return all.every((c) => logged.has(c.leaseId));
    }, { timeoutMs: 30_000, intervalMs: 250 });
    const logged = revocationsLogged(cluster.nodes);
    for (const creds of all) {
      assert.equal(logged.get(creds.leaseId), 1, `${creds.leaseId} revoked once`);
      assert.match(await login(pgc, creds.username, creds.password) as string, LOGIN_REFUSED, `${creds.username} can no longer log in`);
      const lookup = await api(next.address, 'PUT', 'sys/leases/lookup', { token, body: { lease_id: creds.leaseId } });
      assert.equal(lookup.status, 400, `${creds.leaseId} is gone: ${lookup.text}`);
    }
    for (const creds of [...issued.gap!, ...issued.after!]) {
      assert.equal(revocationsLogged([first]).get(creds.leaseId), undefined, `${creds.leaseId} was not revoked by the dead node`);
    }
    const count = await api(next.address, 'GET', 'sys/leases/count?type=irrevocable', { token });
    assert.deepEqual((count.body as { data: unknown }).data, { lease_count: 0, counts: {} });
  });
});
