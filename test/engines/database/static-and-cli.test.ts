import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanEnv, runCli, runProgram, succeeded } from '../../harness/cli.js';
import { api } from '../../harness/http.js';
import { poll } from '../../harness/poll.js';
import { databaseSuite, expectOk, login, LOGIN_REFUSED, lookupLease } from './fixture.js';

/** Debian's psql client (from the postgresql package scripts/test-deps.sh installs). */
const PSQL = '/usr/bin/psql';

// Static roles (a user Coffer keeps rotating) and the CLI: what `vault read database/creds/...`,
// `vault lease ...` and `psql` with the printed credentials show a user.
describe('database engine: static roles, the CLI and psql', () => {
  const db = databaseSuite();
  const env = () => cleanEnv({ VAULT_ADDR: db.server.address, VAULT_TOKEN: db.server.rootToken });
  const cli = (...args: string[]) => runCli(args, { env: env() });


  it('takes over a static user at once and rotates its password on schedule', async () => {
    await db.pgc.query(`CREATE ROLE app_static WITH LOGIN PASSWORD 'known-to-humans'`);
    const created = await api(db.server.address, 'POST', 'database/static-roles/static-app', {
      token: db.server.rootToken,
      body: { db_name: 'pg', username: 'app_static', rotation_period: '5s' },
    });
    assert.equal(created.status, 204, created.text);
    assert.match(await login(db.pgc, 'app_static', 'known-to-humans') as string, LOGIN_REFUSED, 'the old password is gone');
    const read = async () => (await expectOk(api(db.server.address, 'GET', 'database/static-creds/static-app', { token: db.server.rootToken }), 'static creds')).body.data as {
      username: string;
      password: string;
      last_vault_rotation: string;
      rotation_period: number;
      ttl: number;
    };
    const first = await read();
    assert.equal(first.username, 'app_static');
    assert.equal(first.rotation_period, 5);
    assert.ok(first.ttl <= 5 && first.ttl >= 3, `ttl ${first.ttl}`);
    assert.equal(await login(db.pgc, 'app_static', first.password), true);
    const second = await poll('password rotated on schedule', async () => {
      const now = await read();
      return now.last_vault_rotation !== first.last_vault_rotation ? now : undefined;
    }, { timeoutMs: 12_000, intervalMs: 250 });
    assert.notEqual(second.password, first.password);
    assert.equal(await login(db.pgc, 'app_static', second.password), true);
    assert.match(await login(db.pgc, 'app_static', first.password) as string, LOGIN_REFUSED);
    const role = await expectOk(api(db.server.address, 'GET', 'database/static-roles/static-app', { token: db.server.rootToken }), 'read role');
    assert.ok(!role.text.includes(second.password), 'a role read holds no password');
    // rotate-role rotates now.
    assert.equal((await api(db.server.address, 'POST', 'database/rotate-role/static-app', { token: db.server.rootToken })).status, 204);
    const third = await read();
    assert.notEqual(third.password, second.password);
    assert.equal(await login(db.pgc, 'app_static', third.password), true);
    const renamed = await api(db.server.address, 'POST', 'database/static-roles/static-app', { token: db.server.rootToken, body: { username: 'someone_else' } });
    assert.equal(renamed.status, 400);
    await expectOk(api(db.server.address, 'DELETE', 'database/static-roles/static-app', { token: db.server.rootToken }), 'delete');
  });

  it('reads credentials with the CLI, logs in with psql, and looks up, renews and revokes the lease', async () => {
    const read = await cli('read', '-format=json', 'database/creds/readonly');
    const secret = JSON.parse(succeeded(read, 'coffer read')) as { lease_id: string; lease_duration: number; renewable: boolean; data: { username: string; password: string } };
    assert.equal(secret.lease_duration, 3600);
    assert.equal(secret.renewable, true);
    const psql = await runProgram(PSQL, ['-h', '127.0.0.1', '-p', String(db.pgc.port), '-U', secret.data.username, '-d', 'postgres', '-tAc', 'SELECT current_user'], {
      env: cleanEnv({ PGPASSWORD: secret.data.password }),
    });
    assert.equal(psql.code, 0, psql.stderr);
    assert.equal(psql.stdout.trim(), secret.data.username);

    const lookup = succeeded(await cli('lease', 'lookup', secret.lease_id), 'lease lookup');
    assert.match(lookup, new RegExp(`^id\\s+${secret.lease_id}$`, 'm'));
    assert.match(lookup, /^renewable\s+true$/m);
    assert.match(lookup, /^ttl\s+(59m5\ds|1h)$/m);
    assert.match(lookup, /^expire_time\s+\d{4}-\d\d-\d\dT/m);

    const renew = succeeded(await cli('lease', 'renew', '-increment=30m', secret.lease_id), 'lease renew');
    assert.match(renew, new RegExp(`^lease_id\\s+${secret.lease_id}$`, 'm'));
    assert.match(renew, /^lease_duration\s+30m$/m);
    assert.match(renew, /^lease_renewable\s+true$/m);

    const revoke = await cli('lease', 'revoke', '-sync', secret.lease_id);
    assert.equal(succeeded(revoke, 'lease revoke').trim(), `Success! Revoked lease: ${secret.lease_id}`);
    const psqlAfter = await runProgram(PSQL, ['-h', '127.0.0.1', '-p', String(db.pgc.port), '-U', secret.data.username, '-d', 'postgres', '-tAc', 'SELECT 1'], {
      env: cleanEnv({ PGPASSWORD: secret.data.password }),
    });
    assert.equal(psqlAfter.code, 2, 'psql cannot connect any more');
    assert.match(psqlAfter.stderr, /password authentication failed/);
  });

  it('prints the table Vault prints for a credential read, and wraps it with -wrap-ttl', async () => {
    const table = succeeded(await cli('read', 'database/creds/readonly'), 'coffer read');
    assert.match(table, /^Key\s+Value\n---\s+-----\n/);
    const leaseId = /^lease_id\s+(\S+)$/m.exec(table)?.[1];
    assert.match(String(leaseId), /^database\/creds\/readonly\//);
    assert.match(table, /^lease_duration\s+1h$/m);
    assert.match(table, /^lease_renewable\s+true$/m);
    assert.match(table, /^password\s+[A-Za-z0-9-]{20}$/m);
    assert.match(table, /^username\s+v-root-readonly-/m);

    const wrapped = succeeded(await cli('read', '-wrap-ttl=10m', 'database/creds/readonly'), 'coffer read -wrap-ttl');
    assert.match(wrapped, /^wrapping_token:\s+hvs\./m);
    assert.match(wrapped, /^wrapping_token_ttl:\s+10m$/m);
    assert.match(wrapped, /^wrapping_token_creation_path:\s+database\/creds\/readonly$/m);
    assert.doesNotMatch(wrapped, /password/);
    const token = /^wrapping_token:\s+(\S+)$/m.exec(wrapped)![1]!;
    const unwrapped = JSON.parse(succeeded(await cli('unwrap', '-format=json', token), 'coffer unwrap')) as { lease_id: string; data: { username: string; password: string } };
    assert.equal(await login(db.pgc, unwrapped.data.username, unwrapped.data.password), true);

    // Queued revocation by prefix (the CLI's default), and a usage error for -force without -prefix.
    assert.equal(succeeded(await cli('lease', 'revoke', '-prefix', 'database/creds/readonly'), 'revoke prefix').trim(), 'All revocation operations queued successfully!');
    await poll('prefix revoked', async () => (await lookupLease(db.server, unwrapped.lease_id)).status === 400);
    const usage = await cli('lease', 'revoke', '-force', 'database/creds/');
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /-force requires also specifying -prefix/);
    const missing = await cli('lease', 'lookup', 'database/creds/readonly/nope');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /invalid lease/);
  });
});
