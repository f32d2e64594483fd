import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../../harness/http.js';
import { poll } from '../../harness/poll.js';
import { startPostgres, type PostgresCluster } from '../../harness/postgres.js';
import type { TestServer } from '../../harness/server.js';
import { CREATE_USER, databaseServer, expectOk, login, LOGIN_REFUSED, lookupLease, pgConnection, readCreds, refusedSoon } from './fixture.js';

// A PostgreSQL that goes away: issuing fails cleanly (5xx naming the connection, no lease left
// behind), and revocations that fail are retried with backoff until the database is back, or,
// past the limit, kept as irrevocable leases that only revoke-force removes. Short retry delays
// come from COFFER_LEASE_RETRY_BASE_MS; the behaviour is the production code's.
describe('database engine: PostgreSQL down', () => {
  let pgc: PostgresCluster;
  before(async () => {
    pgc = await startPostgres();
  });
  after(async () => {
    await pgc?.stop();
  });

  describe('retried revocation', () => {
    let server: TestServer;
    before(async () => {
      server = await databaseServer(pgc, { roleTtl: '2s', env: { COFFER_LEASE_RETRY_BASE_MS: '300', COFFER_LEASE_MAX_REVOKE_ATTEMPTS: '50' } });
    });
    after(async () => {
      await server?.destroy();
    });

    it('answers a 5xx naming the connection when the database is down, and leaves no lease', async () => {
      await pgc.crash();
      try {
        const res = await api(server.address, 'GET', 'database/creds/readonly', { token: server.rootToken });
        assert.equal(res.status, 500);
        assert.deepEqual(res.body, { errors: ['database "pg": creating a user failed: connection refused'] });
        assert.equal((await api(server.address, 'LIST', 'sys/leases/lookup/database/creds/readonly/', { token: server.rootToken })).status, 404, 'no lease');
      } finally {
        await pgc.restart();
      }
    });

    it('retries a revocation while PostgreSQL is down, with backoff, and revokes once it is back', async () => {
      const creds = await readCreds(server);
      await pgc.crash();
      // Two failed attempts at least, seen in the log with their growing delays.
      const retries = await poll('two failed revocations', () => {
        const delays = [...server.output().matchAll(/"lease_id":"([^"]+)","attempts":(\d+),"retry_in_ms":(\d+)/g)].filter((m) => m[1] === creds.leaseId);
        return delays.length >= 2 ? delays.map((m) => Number(m[3])) : undefined;
      }, { timeoutMs: 15_000 });
      assert.ok(retries[0]! >= 150 && retries[0]! <= 300, `first retry after 150-300 ms, got ${retries[0]}`);
      assert.ok(retries[1]! >= 300 && retries[1]! <= 600, `second retry after 300-600 ms, got ${retries[1]}`);
      assert.equal((await lookupLease(server, creds.leaseId)).status, 200, 'the lease is kept while it cannot be revoked');
      await pgc.restart();
      await poll('lease revoked after PostgreSQL came back', async () => (await lookupLease(server, creds.leaseId)).status === 400, { timeoutMs: 20_000 });
      assert.match(await login(pgc, creds.username, creds.password) as string, LOGIN_REFUSED);
    });
  });

  describe('irrevocable leases', () => {
    let server: TestServer;
    before(async () => {
      server = await databaseServer(pgc, { roleTtl: '1s', env: { COFFER_LEASE_RETRY_BASE_MS: '100', COFFER_LEASE_MAX_REVOKE_ATTEMPTS: '3' } });
    });
    after(async () => {
      await server?.destroy();
    });

    it('marks a lease irrevocable after its last attempt: lookup and sys/leases show it, revoke-force clears it', async () => {
      const creds = await readCreds(server);
      await pgc.crash();
      try {
        const irrevocable = await poll('lease irrevocable', async () => {
          const looked = await lookupLease(server, creds.leaseId);
          const data = (looked.body as { data?: Record<string, unknown> }).data;
          return data?.irrevocable === true ? data : undefined;
        }, { timeoutMs: 15_000 });
        assert.equal(irrevocable.renewable, false);
        assert.equal(irrevocable.revocation_error, 'database "pg": looking up a user failed: connection refused');
        const count = await expectOk(api(server.address, 'GET', 'sys/leases/count?type=irrevocable', { token: server.rootToken }), 'count');
        assert.deepEqual(count.body.data, { lease_count: 1, counts: { 'database/': 1 } });
        const listed = await expectOk(api(server.address, 'GET', 'sys/leases?type=irrevocable', { token: server.rootToken }), 'list');
        const leases = (listed.body.data as { leases: { lease_id: string; error: string }[] }).leases;
        assert.deepEqual(leases.map((l) => l.lease_id), [creds.leaseId]);
        // Not retried any more: the log has exactly the three attempts.
        const attempts = () => [...server.output().matchAll(new RegExp(`"lease_id":"${creds.leaseId}","attempts":(\\d+)`, 'g'))].length;
        assert.equal(attempts(), 3);
        // Nor does a plain revoke remove it: the database still cannot be reached.
        assert.equal((await api(server.address, 'PUT', 'sys/leases/revoke', { token: server.rootToken, body: { lease_id: creds.leaseId } })).status, 500);
        const forced = await api(server.address, 'PUT', 'sys/leases/revoke-force/database/creds/', { token: server.rootToken });
        assert.equal(forced.status, 204);
        assert.equal((await lookupLease(server, creds.leaseId)).status, 400);
      } finally {
        await pgc.restart();
      }
      // The user was never dropped (its VALID UNTIL has passed, though): revoke-force only forgets the lease, as Vault's does.
      assert.equal((await pgc.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [creds.username])).length, 1);
      await pgc.query(`DROP ROLE "${creds.username}"`);
    });
  });

  describe('hostile and wrong input', () => {
    let server: TestServer;
    const secretsSeen: string[] = [];
    before(async () => {
      server = await databaseServer(pgc);
      secretsSeen.push(pgc.password);
    });
    after(async () => {
      await server?.destroy();
    });
    const call = (method: string, path: string, body?: unknown) => api(server.address, method, path, { token: server.rootToken, body });
    const refused = async (method: string, path: string, body: unknown, message: RegExp) => {
      const res = await call(method, path, body);
      assert.equal(res.status, 400, `${method} ${path}: ${res.text}`);
      const errors = (res.body as { errors: string[] }).errors;
      assert.equal(errors.length, 1);
      assert.match(errors[0]!, message);
      for (const secret of secretsSeen) assert.ok(!res.text.includes(secret), 'no secret in an error');
    };

    it('refuses bad connection URLs and unreachable databases, and saves nothing', async () => {
      const base = { plugin_name: 'postgresql-database-plugin', username: 'postgres', password: pgc.password };
      await refused('POST', 'database/config/bad', { ...base, connection_url: 'not a url' }, /^connection_url is not a valid URL$/);
      await refused('POST', 'database/config/bad', { ...base, connection_url: 'mysql://{{username}}:{{password}}@127.0.0.1/x' }, /postgres:\/\/ or postgresql:\/\//);
      await refused('POST', 'database/config/bad', { ...base, connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:1/postgres' }, /^error creating database object: database "bad": verifying the connection failed: connection refused$/);
      await refused('POST', 'database/config/bad', { ...base, connection_url: pgc.templatedUrl, password: 'wrong-password' }, /password authentication failed \(SQLSTATE 28P01\)$/);
      await refused('POST', 'database/config/bad', { ...base, plugin_name: 'mysql-database-plugin', connection_url: pgc.templatedUrl }, /^unsupported plugin "mysql-database-plugin"/);
      await refused('POST', 'database/config/bad', { ...base, connection_url: pgc.templatedUrl, password_policy: 'strong' }, /password_policy is not supported/);
      assert.equal((await call('GET', 'database/config/bad')).status, 404, 'nothing was saved');
    });

    it('refuses SQL in names, statements without templates and TTLs past the max, changing nothing', async () => {
      const roles = async () => (await call('LIST', 'database/roles')).body.data;
      const before = await roles();
      const role = { db_name: 'pg', creation_statements: [CREATE_USER] };
      await refused('POST', `database/roles/${encodeURIComponent('x"; DROP ROLE postgres; --')}`, role, /^invalid role name/);
      await refused('POST', 'database/roles/nobody', { db_name: 'pg', creation_statements: ['CREATE ROLE fixed_name LOGIN;'] }, /creation_statements must use the \{\{name\}\} template/);
      await refused('POST', 'database/roles/nobody', { db_name: 'pg' }, /^empty creation statements$/);
      await refused('POST', 'database/roles/nobody', { creation_statements: [CREATE_USER] }, /^empty database name attribute$/);
      await refused('POST', 'database/roles/nobody', { ...role, default_ttl: '2h', max_ttl: '1h' }, /^ttl cannot be greater than max_ttl$/);
      await refused('POST', 'database/roles/nobody', { ...role, max_ttl: '10000h' }, /^max_ttl of .* is greater than the mount's max_lease_ttl/);
      await refused('POST', 'database/roles/nobody', { ...role, db_name: 'pg"; --' }, /^invalid connection name/);
      assert.deepEqual(await roles(), before);
      await refused('GET', 'database/creds/missing', undefined, /^unknown role: missing$/);
      await expectOk(call('POST', 'database/roles/outsider', role), 'role not in allowed_roles');
      await refused('GET', 'database/creds/outsider', undefined, /^"outsider" is not an allowed role$/);
      assert.equal((await call('LIST', 'sys/leases/lookup/database/creds/')).status, 404, 'no lease was made');
    });

    it('refuses to delete a connection that still has credentials out', async () => {
      const creds = await readCreds(server);
      await refused('DELETE', 'database/config/pg', undefined, /still has 1 credential\(s\) out/);
      assert.equal((await call('GET', 'database/config/pg')).status, 200);
      await expectOk(call('PUT', 'sys/leases/revoke', { lease_id: creds.leaseId }), 'revoke');
      assert.equal((await call('DELETE', 'database/config/pg')).status, 204);
    });

    it('writes no generated or configured password to the server log', async () => {
      await expectOk(call('POST', 'database/config/pg2', pgConnection(pgc)), 'config');
      await expectOk(call('POST', 'database/roles/logged', { db_name: 'pg2', creation_statements: [CREATE_USER] }), 'role');
      const res = await expectOk(call('GET', 'database/creds/logged'), 'creds');
      const { password } = res.body.data as { password: string };
      // A statement that fails part way, quoting the password in PostgreSQL's own error text.
      await expectOk(call('POST', 'database/roles/broken', { db_name: 'pg2', creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' NONSENSE;`] }), 'broken role');
      const broken = await call('GET', 'database/creds/broken');
      assert.equal(broken.status, 500);
      assert.match(broken.text, /syntax error in a statement \(SQLSTATE 42601\)/);
      await expectOk(call('PUT', 'sys/leases/revoke', { lease_id: res.body.lease_id }), 'revoke');
      await refusedSoon(pgc, { username: (res.body.data as { username: string }).username, password });
      const log = server.output();
      assert.ok(log.includes('SQLSTATE') || log.includes('42601'), 'the failure was logged');
      for (const secret of [password, pgc.password]) assert.ok(!log.includes(secret), 'no password in the log');
    });
  });
});
