import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CofferClient } from '../../src/client/index.js';
import { databaseServer } from '../engines/database/fixture.js';
import { runProgram } from '../harness/cli.js';
import { startPostgres, type PostgresCluster } from '../harness/postgres.js';
import { REPO_ROOT, type TestServer } from '../harness/server.js';

// examples/secrets-app, run as a program (`node dist/examples/secrets-app/main.js`) the way a team
// would run it: it imports `coffer/client` by its package name, logs in with AppRole from its
// environment, reads its configuration through the cache, queries a real PostgreSQL with dynamic
// credentials, and revokes them on its way out.

const MAIN = join(REPO_ROOT, 'dist/examples/secrets-app/main.js');

describe('examples/secrets-app on the SDK (real server, real PostgreSQL)', () => {
  let pgc: PostgresCluster;
  let server: TestServer;
  let root: CofferClient;

  before(async () => {
    pgc = await startPostgres();
    server = await databaseServer(pgc);
    root = new CofferClient({ address: server.address, token: server.rootToken, env: {} });
    await root.auth.enable('approle', { type: 'approle' });
    await root.policy.write(
      'secrets-app',
      [
        'path "secret/data/app/config" { capabilities = ["read"] }',
        'path "database/creds/readonly" { capabilities = ["read"] }',
        'path "sys/leases/revoke" { capabilities = ["update"] }',
      ].join('\n'),
    );
    await root.write('auth/approle/role/secrets-app', { token_policies: ['secrets-app'], token_ttl: '10m' });
    await root.kv.put('secret/app/config', { greeting: 'hello from coffer' });
  });
  after(async () => {
    await server?.destroy();
    await pgc?.stop();
  });

  it('logs in, reads its config (the second read from the cache), queries as its own database user, and leaves no credential behind', async () => {
    const roleId = (await root.read('auth/approle/role/secrets-app/role-id'))!.data!.role_id as string;
    const secretId = (await root.write('auth/approle/role/secrets-app/secret-id', {}))!.data!.secret_id as string;
    const run = await runProgram(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        VAULT_ADDR: server.address,
        VAULT_ROLE_ID: roleId,
        VAULT_SECRET_ID: secretId,
        APP_DB_PORT: String(pgc.port),
      },
      timeoutMs: 30_000,
    });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const report = JSON.parse(run.stdout.trim()) as { greeting: string; databaseUser: string; cache: { hits: number; misses: number } };
    assert.equal(report.greeting, 'hello from coffer');
    assert.notEqual(report.databaseUser, pgc.superuser);
    assert.ok(report.cache.hits >= 1, `the second config read came from the cache: ${JSON.stringify(report.cache)}`);
    assert.ok(!run.stdout.includes(secretId) && !run.stderr.includes(secretId));
    // Its credentials were revoked when it stopped: the role is gone from PostgreSQL.
    const roles = await pgc.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = $1', [report.databaseUser]);
    assert.deepEqual(roles, []);
    assert.deepEqual(await root.leases.list('database/creds/readonly/'), []);
  });
});
