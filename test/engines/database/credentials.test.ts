import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { api } from '../../harness/http.js';
import { poll } from '../../harness/poll.js';
import { databaseSuite, expectOk, login, LOGIN_REFUSED, lookupLease, readCreds, refusedSoon } from './fixture.js';

// Dynamic PostgreSQL credentials end to end, over HTTP, against a real PostgreSQL of the test's own:
// the database secrets engine creates the user, the pipeline leases it, and every way a lease ends
// (revoke, expiry, the token's revocation) drops the user so that it can no longer log in.
describe('database engine: dynamic PostgreSQL credentials', () => {
  const db = databaseSuite();
  const root = () => db.server.rootToken;


  it('issues a leased user that logs in, renews it, and revokes it so the login is refused', async () => {
    const creds = await readCreds(db.server);
    assert.match(creds.leaseId, /^database\/creds\/readonly\/[A-Za-z0-9]{24}$/);
    assert.equal(creds.leaseDuration, 3600);
    assert.equal(creds.renewable, true);
    assert.match(creds.username, /^v-root-readonly-[A-Za-z0-9]{20}-\d{10}$/);
    assert.match(creds.password, /^[A-Za-z0-9-]{20}$/);
    assert.equal(await login(db.pgc, creds.username, creds.password), true);
    const [{ rolvaliduntil }] = (await db.pgc.query<{ rolvaliduntil: Date }>('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [creds.username])) as [{ rolvaliduntil: Date }];
    assert.ok(Math.abs(rolvaliduntil.getTime() - (Date.now() + 3600_000)) < 60_000, `VALID UNTIL ${rolvaliduntil.toISOString()} is the lease's end`);

    const looked = await lookupLease(db.server, creds.leaseId);
    assert.equal(looked.status, 200);
    const data = (looked.body as { data: Record<string, unknown> }).data;
    assert.equal(data.id, creds.leaseId);
    assert.equal(data.renewable, true);
    assert.equal(data.last_renewal, null);
    assert.ok((data.ttl as number) > 3590 && (data.ttl as number) <= 3600);

    const renewed = await expectOk(api(db.server.address, 'PUT', 'sys/leases/renew', { token: root(), body: { lease_id: creds.leaseId, increment: '30m' } }), 'renew');
    assert.deepEqual([renewed.body.lease_id, renewed.body.lease_duration, renewed.body.renewable], [creds.leaseId, 1800, true]);
    const [{ rolvaliduntil: extended }] = (await db.pgc.query<{ rolvaliduntil: Date }>('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [creds.username])) as [{ rolvaliduntil: Date }];
    assert.ok(Math.abs(extended.getTime() - (Date.now() + 1800_000)) < 60_000, 'renew moved VALID UNTIL to the new end');
    const afterRenew = (await lookupLease(db.server, creds.leaseId)).body as { data: { last_renewal: string | null } };
    assert.notEqual(afterRenew.data.last_renewal, null);

    const revoked = await api(db.server.address, 'PUT', 'sys/leases/revoke', { token: root(), body: { lease_id: creds.leaseId } });
    assert.equal(revoked.status, 204);
    assert.equal(await login(db.pgc, creds.username, creds.password), '28P01');
    assert.deepEqual(await db.pgc.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [creds.username]), [], 'the role is dropped');
    const gone = await lookupLease(db.server, creds.leaseId);
    assert.equal(gone.status, 400);
    assert.deepEqual(gone.body, { errors: ['invalid lease'] });
  });

  it('ends the sessions of a revoked user, and drops what it owned', async () => {
    const creds = await readCreds(db.server);
    const session = await db.pgc.connect(creds.username, creds.password);
    const ended = new Promise<string>((resolve) => session.on('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message)));
    await db.pgc.query(`GRANT CREATE ON SCHEMA public TO "${creds.username}"`);
    await session.query('CREATE TABLE owned_by_dynamic_user (x int)');
    await expectOk(api(db.server.address, 'PUT', `sys/leases/revoke/${creds.leaseId}`, { token: root() }), 'revoke');
    assert.equal(await ended, '57P01', 'the open session was terminated');
    assert.deepEqual(await db.pgc.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [creds.username]), []);
    // REASSIGN OWNED gave the table to the connection's user, so DROP ROLE could go through.
    const [{ owner }] = (await db.pgc.query<{ owner: string }>("SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'owned_by_dynamic_user'")) as [{ owner: string }];
    assert.equal(owner, db.pgc.superuser);
  });

  it('wraps a credential read (X-Vault-Wrap-TTL) and the unwrapped answer carries the lease', async () => {
    const wrapped = await expectOk(api(db.server.address, 'GET', 'database/creds/readonly', { token: root(), headers: { 'X-Vault-Wrap-TTL': '10m' } }), 'wrapped read');
    const wrapInfo = wrapped.body.wrap_info as { token: string; ttl: number; creation_path: string };
    assert.equal(wrapInfo.ttl, 600);
    assert.equal(wrapInfo.creation_path, 'database/creds/readonly');
    assert.equal(wrapped.body.data, null, 'the wrapping answer holds no credentials');
    const unwrapped = await expectOk(api(db.server.address, 'PUT', 'sys/wrapping/unwrap', { token: wrapInfo.token }), 'unwrap');
    const data = unwrapped.body.data as { username: string; password: string };
    assert.match(String(unwrapped.body.lease_id), /^database\/creds\/readonly\//);
    assert.equal(await login(db.pgc, data.username, data.password), true);
    await expectOk(api(db.server.address, 'PUT', 'sys/leases/revoke', { token: root(), body: { lease_id: unwrapped.body.lease_id } }), 'revoke');
  });

  it('revokes a lease that expires, without any request', async () => {
    await expectOk(api(db.server.address, 'POST', 'database/roles/brief', {
      token: root(),
      body: { db_name: 'pg', creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`], default_ttl: 2, max_ttl: 10 },
    }), 'role');
    await expectOk(api(db.server.address, 'POST', 'database/config/pg', { token: root(), body: { allowed_roles: ['readonly', 'brief', 'static-*'], verify_connection: false } }), 'allow brief');
    const creds = await readCreds(db.server, root(), 'brief');
    assert.equal(creds.leaseDuration, 2);
    assert.equal(await login(db.pgc, creds.username, creds.password), true);
    assert.match(await refusedSoon(db.pgc, creds, 10_000), LOGIN_REFUSED);
    await poll('lease gone after expiry', async () => (await lookupLease(db.server, creds.leaseId)).status === 400);
  });

  it("revokes a token's credentials when the token is revoked, and only its own", async () => {
    await expectOk(api(db.server.address, 'PUT', 'sys/policies/acl/db-reader', { token: root(), body: { policy: 'path "database/creds/readonly" { capabilities = ["read"] }' } }), 'policy');
    const newToken = async () =>
      ((await expectOk(api(db.server.address, 'POST', 'auth/token/create', { token: root(), body: { policies: ['db-reader'], ttl: '1h' } }), 'token')).body.auth as { client_token: string }).client_token;
    const [doomed, kept] = [await newToken(), await newToken()];
    const doomedCreds = await readCreds(db.server, doomed);
    const keptCreds = await readCreds(db.server, kept);
    await expectOk(api(db.server.address, 'POST', 'auth/token/revoke', { token: root(), body: { token: doomed } }), 'revoke token');
    assert.match(await refusedSoon(db.pgc, doomedCreds), LOGIN_REFUSED);
    assert.equal(await login(db.pgc, keptCreds.username, keptCreds.password), true, "another token's credentials stay");
    // Revoking a lease never revokes its token.
    await expectOk(api(db.server.address, 'PUT', 'sys/leases/revoke', { token: root(), body: { lease_id: keptCreds.leaseId } }), 'revoke lease');
    assert.equal((await api(db.server.address, 'GET', 'auth/token/lookup-self', { token: kept })).status, 200);
  });

  it('caps a lease at the role max_ttl, and a renewal at the max measured from issue', async () => {
    await expectOk(api(db.server.address, 'POST', 'database/roles/capped', {
      token: root(),
      body: { db_name: 'pg', creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`], default_ttl: 60, max_ttl: 120 },
    }), 'role');
    await expectOk(api(db.server.address, 'POST', 'database/config/pg', { token: root(), body: { allowed_roles: ['readonly', 'brief', 'capped', 'static-*'], verify_connection: false } }), 'allow');
    const creds = await readCreds(db.server, root(), 'capped');
    assert.equal(creds.leaseDuration, 60);
    const renewed = await expectOk(api(db.server.address, 'PUT', 'sys/leases/renew', { token: root(), body: { lease_id: creds.leaseId, increment: '1h' } }), 'renew');
    assert.ok((renewed.body.lease_duration as number) <= 120 && (renewed.body.lease_duration as number) >= 118, `capped: ${renewed.body.lease_duration}`);
    assert.match(String((renewed.body.warnings as string[])[0]), /^TTL of "1h0m0s" exceeded the effective max_ttl of "(2m0s|1m5\ds)"; TTL value is capped accordingly$/);
    await expectOk(api(db.server.address, 'PUT', 'sys/leases/revoke', { token: root(), body: { lease_id: creds.leaseId } }), 'revoke');
  });

  it('lists leases by prefix (sudo), revokes a prefix, and counts no irrevocable leases', async () => {
    const a = await readCreds(db.server);
    const b = await readCreds(db.server);
    const listed = await expectOk(api(db.server.address, 'LIST', 'sys/leases/lookup/database/creds/readonly/', { token: root() }), 'list');
    const keys = (listed.body.data as { keys: string[] }).keys;
    for (const lease of [a, b]) assert.ok(keys.includes(lease.leaseId.split('/').pop()!), `${lease.leaseId} listed`);
    const top = await expectOk(api(db.server.address, 'LIST', 'sys/leases/lookup/database/', { token: root() }), 'list top');
    assert.deepEqual((top.body.data as { keys: string[] }).keys, ['creds/']);
    const revoked = await api(db.server.address, 'PUT', 'sys/leases/revoke-prefix/database/creds/readonly', { token: root() });
    assert.equal(revoked.status, 204);
    for (const lease of [a, b]) assert.equal(await login(db.pgc, lease.username, lease.password), '28P01');
    assert.equal((await api(db.server.address, 'LIST', 'sys/leases/lookup/database/creds/readonly/', { token: root() })).status, 404);
    const count = await expectOk(api(db.server.address, 'GET', 'sys/leases/count?type=irrevocable', { token: root() }), 'count');
    assert.deepEqual(count.body.data, { lease_count: 0, counts: {} });
    for (const path of ['sys/leases/count?type=all', 'sys/leases?type=all', 'sys/leases/count']) {
      const other = await api(db.server.address, 'GET', path, { token: root() });
      assert.equal(other.status, 404, `${path}: Vault answers only type=irrevocable`);
      assert.deepEqual(other.body, { errors: [] });
    }
  });

  it('refuses listing and revoke-prefix without sudo, and queues an async revoke with 202', async () => {
    await expectOk(api(db.server.address, 'PUT', 'sys/policies/acl/lease-user', {
      token: root(),
      body: { policy: 'path "sys/leases/*" { capabilities = ["update", "list"] }\npath "sys/leases" { capabilities = ["read"] }\npath "database/creds/readonly" { capabilities = ["read"] }' },
    }), 'policy');
    const token = ((await expectOk(api(db.server.address, 'POST', 'auth/token/create', { token: root(), body: { policies: ['lease-user'] } }), 'token')).body.auth as { client_token: string }).client_token;
    const creds = await readCreds(db.server, token);
    assert.equal((await api(db.server.address, 'LIST', 'sys/leases/lookup/database/', { token })).status, 403);
    assert.equal((await api(db.server.address, 'PUT', 'sys/leases/revoke-prefix/database/', { token })).status, 403);
    assert.equal((await api(db.server.address, 'GET', 'sys/leases?type=irrevocable', { token })).status, 403, 'listing irrevocable leases needs sudo');
    assert.equal(await login(db.pgc, creds.username, creds.password), true, 'nothing was revoked');
    const queued = await api(db.server.address, 'PUT', 'sys/leases/revoke', { token, body: { lease_id: creds.leaseId, sync: false } });
    assert.equal(queued.status, 202);
    assert.match(await refusedSoon(db.pgc, creds), LOGIN_REFUSED);
  });

  it('rotate-root gives the connection user a password only Coffer knows, and keeps issuing', async () => {
    await expectOk(api(db.server.address, 'POST', 'sys/mounts/rotating', { token: root(), body: { type: 'database' } }), 'mount');
    await db.pgc.query(`CREATE ROLE coffer_admin WITH LOGIN CREATEROLE PASSWORD 'first-admin-pw'`);
    await expectOk(api(db.server.address, 'POST', 'rotating/config/admin', {
      token: root(),
      body: { plugin_name: 'postgresql-database-plugin', connection_url: db.pgc.templatedUrl, username: 'coffer_admin', password: 'first-admin-pw', allowed_roles: '*' },
    }), 'config');
    await expectOk(api(db.server.address, 'POST', 'rotating/roles/app', { token: root(), body: { db_name: 'admin', creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`] } }), 'role');
    const rotated = await api(db.server.address, 'POST', 'rotating/rotate-root/admin', { token: root() });
    assert.equal(rotated.status, 204, rotated.text);
    assert.equal(await login(db.pgc, 'coffer_admin', 'first-admin-pw'), '28P01', 'the old root password no longer works');
    const read = await expectOk(api(db.server.address, 'GET', 'rotating/config/admin', { token: root() }), 'read config');
    assert.doesNotMatch(read.text, /password"\s*:/, 'a config read never holds a password');
    const creds = await readCreds(db.server, root(), 'app', 'rotating');
    assert.equal(await login(db.pgc, creds.username, creds.password), true, 'issuing goes on with the new root password');
    // Revocation works for a CREATEROLE (not superuser) connection user too.
    const revoked = await api(db.server.address, 'PUT', 'sys/leases/revoke-prefix/rotating/', { token: root() });
    assert.equal(revoked.status, 204, revoked.text);
    assert.equal(await login(db.pgc, creds.username, creds.password), '28P01');
  });
});
