import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, expectStatus, SECRET_READ_REFUSED as REFUSED, startFromHcl, type ListenerServer } from '../../listener/fixture.js';
import { startPostgres, type PostgresCluster } from '../../harness/postgres.js';
import { CREATE_USER, pgConnection } from './fixture.js';

// database/creds and database/static-creds answer passwords, so they are secret reads: from an
// address outside a listener's secret_read_allowed_cidrs they are refused before anything is
// created (no database user, no lease), and the same read from an allowed address works.
describe('database engine behind the secret-read allowlist', () => {
  let pgc: PostgresCluster;
  let server: ListenerServer;
  let allowed: string;
  let refused: string;

  before(async () => {
    pgc = await startPostgres();
    server = await startFromHcl(`
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
  secret_read_allowed_cidrs = ["127.0.0.1/32"]
}
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
  secret_read_allowed_cidrs = []
}
`);
    [allowed, refused] = server.addresses as [string, string];
    const token = server.rootToken;
    expectStatus(await call(allowed, 'POST', 'sys/mounts/database', { token, body: { type: 'database' } }), 204);
    expectStatus(await call(allowed, 'POST', 'database/config/pg', { token, body: pgConnection(pgc) }), 204);
    expectStatus(await call(allowed, 'POST', 'database/roles/app', { token, body: { db_name: 'pg', creation_statements: [CREATE_USER] } }), 204);
    await pgc.query(`CREATE ROLE allowlist_static WITH LOGIN PASSWORD 'initial'`);
    expectStatus(await call(allowed, 'POST', 'database/static-roles/fixed', { token, body: { db_name: 'pg', username: 'allowlist_static', rotation_period: '1h' } }), 204);
  });
  after(async () => {
    await server?.destroy();
    await pgc?.stop();
  });

  const generatedUsers = async () => Number((await pgc.query<{ n: string }>(`SELECT count(*) AS n FROM pg_roles WHERE rolname LIKE 'v-%'`))[0]!.n);

  it('refuses database/creds from outside the list with no user and no lease made', async () => {
    const token = server.rootToken;
    const before = await generatedUsers();
    expectStatus(await call(refused, 'GET', 'database/creds/app', { token, from: '127.0.0.1' }), 403, REFUSED);
    assert.equal(await generatedUsers(), before, 'no database user was created');
    expectStatus(await call(allowed, 'LIST', 'sys/leases/lookup/database/creds/app/', { token }), 404);
    const ok = await call<{ lease_id: string }>(allowed, 'GET', 'database/creds/app', { token, from: '127.0.0.1' });
    expectStatus(ok, 200);
    assert.match(ok.body.lease_id, /^database\/creds\/app\//);
    assert.equal(await generatedUsers(), before + 1);
  });

  it('refuses database/static-creds from outside the list', async () => {
    const token = server.rootToken;
    expectStatus(await call(refused, 'GET', 'database/static-creds/fixed', { token, from: '127.0.0.1' }), 403, REFUSED);
    expectStatus(await call(allowed, 'GET', 'database/static-creds/fixed', { token, from: '127.0.0.1' }), 200);
  });
});
