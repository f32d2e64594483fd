import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { api, type ApiResponse } from '../../harness/http.js';
import { poll } from '../../harness/poll.js';
import { startPostgres, type PostgresCluster } from '../../harness/postgres.js';
import { startServer, type StartOptions, type TestServer } from '../../harness/server.js';

/** Vault's docs' example: a login role whose password expires with the lease. */
export const CREATE_USER = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`;

export interface Creds {
  leaseId: string;
  leaseDuration: number;
  renewable: boolean;
  username: string;
  password: string;
}

/** The body of a database/config/<name> write pointing at `pgc` as its superuser (any role allowed). */
export function pgConnection(pgc: PostgresCluster) {
  return { plugin_name: 'postgresql-database-plugin', connection_url: pgc.templatedUrl, username: pgc.superuser, password: pgc.password, allowed_roles: '*' as string | string[] };
}

/** For a describe: its own PostgreSQL and a databaseServer on it, started before its tests and stopped after them. */
export function databaseSuite(): { pgc: PostgresCluster; server: TestServer } {
  const suite = {} as { pgc: PostgresCluster; server: TestServer };
  before(async () => {
    suite.pgc = await startPostgres();
    suite.server = await databaseServer(suite.pgc);
  });
  after(async () => {
    await suite.server?.destroy();
    await suite.pgc?.stop();
  });
  return suite;
}

/** A dev server with a `database/` mount whose connection `pg` points at `pgc`, and a `readonly` role. */
export async function databaseServer(pgc: PostgresCluster, options: StartOptions & { roleTtl?: string; maxTtl?: string } = {}): Promise<TestServer> {
  const server = await startServer(options);
  try {
    const call = (method: string, path: string, body?: unknown) => expectOk(api(server.address, method, path, { token: server.rootToken, body }), `${method} ${path}`);
    await call('POST', 'sys/mounts/database', { type: 'database' });
    await call('POST', 'database/config/pg', { ...pgConnection(pgc), allowed_roles: ['readonly', 'static-*'] });
    await call('POST', 'database/roles/readonly', { db_name: 'pg', creation_statements: [CREATE_USER], default_ttl: options.roleTtl ?? '1h', max_ttl: options.maxTtl ?? '24h' });
    return server;
  } catch (err) {
    await server.destroy();
    throw err;
  }
}

export async function expectOk(pending: Promise<ApiResponse>, what: string): Promise<ApiResponse> {
  const res = await pending;
  assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${res.text}`);
  return res;
}

/** GET <mount>/creds/<role> with `token` (database/creds/readonly as root by default). */
export async function readCreds(server: TestServer, token = server.rootToken, role = 'readonly', mount = 'database'): Promise<Creds> {
  const res = await expectOk(api(server.address, 'GET', `${mount}/creds/${role}`, { token }), 'read creds');
  const body = res.body as { lease_id: string; lease_duration: number; renewable: boolean; data: { username: string; password: string } };
  return { leaseId: body.lease_id, leaseDuration: body.lease_duration, renewable: body.renewable, ...body.data };
}

/** Whether PostgreSQL lets `user` log in with `password`; the refusal's SQLSTATE otherwise. */
export async function login(pgc: PostgresCluster, user: string, password: string): Promise<true | string> {
  let client: Awaited<ReturnType<PostgresCluster['connect']>>;
  try {
    client = await pgc.connect(user, password);
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  // The login went through. A revocation running at this moment may end the session (57P01) while it
  // closes; that says nothing about the login, so it is neither an error event nor a failed end.
  client.on('error', () => undefined);
  await client.end().catch(() => undefined);
  return true;
}

/** PostgreSQL's refusals of a login: 28P01 (no such role, or wrong password) or 28000 (not authorized). */
export const LOGIN_REFUSED = /^28(P01|000)$/;

/** Waits until the user can no longer log in (28P01: the role is gone or its password is). */
export function refusedSoon(pgc: PostgresCluster, creds: Pick<Creds, 'username' | 'password'>, timeoutMs = 15_000): Promise<string> {
  return poll(`login of ${creds.username} refused`, async () => {
    const outcome = await login(pgc, creds.username, creds.password);
    return outcome === true ? undefined : outcome;
  }, { timeoutMs, intervalMs: 100 });
}

/** What sys/leases/lookup answers for a lease (status and data). */
export async function lookupLease(server: TestServer, leaseId: string): Promise<ApiResponse> {
  return api(server.address, 'PUT', 'sys/leases/lookup', { token: server.rootToken, body: { lease_id: leaseId } });
}
