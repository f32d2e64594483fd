import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import nodeVault from 'node-vault';
import { HVAC_SCENARIOS, runPython } from '../../e2e/python.js';
import { databaseSuite, login, LOGIN_REFUSED, lookupLease, refusedSoon } from './fixture.js';

// Other people's Vault clients, unchanged, on dynamic credentials: node-vault's read/renew/revoke
// and hvac's database and lease calls, against a real PostgreSQL.
describe('database engine through node-vault and hvac', () => {
  const db = databaseSuite();

  it('node-vault: read issues working credentials with a lease; renew moves it; revoke ends the login', async () => {
    const vault = nodeVault({ apiVersion: 'v1', endpoint: db.server.address, token: db.server.rootToken });
    const secret = (await vault.read('database/creds/readonly')) as {
      lease_id: string;
      lease_duration: number;
      renewable: boolean;
      data: { username: string; password: string };
    };
    assert.match(secret.lease_id, /^database\/creds\/readonly\/[A-Za-z0-9]+$/);
    assert.equal(secret.lease_duration, 3600);
    assert.equal(secret.renewable, true);
    assert.equal(await login(db.pgc, secret.data.username, secret.data.password), true);

    const renewed = (await vault.renew({ lease_id: secret.lease_id, increment: 600 })) as { lease_id: string; lease_duration: number; renewable: boolean };
    assert.deepEqual([renewed.lease_id, renewed.lease_duration, renewed.renewable], [secret.lease_id, 600, true]);
    const looked = await lookupLease(db.server, secret.lease_id);
    const ttl = (looked.body.data as { ttl: number }).ttl;
    assert.ok(ttl <= 600 && ttl >= 595, `ttl after renew: ${ttl}`);

    await vault.revoke({ lease_id: secret.lease_id });
    assert.match(await login(db.pgc, secret.data.username, secret.data.password) as string, LOGIN_REFUSED, 'revoke is synchronous');
    const missing = await vault.renew({ lease_id: secret.lease_id }).then(
      () => assert.fail('renewing a revoked lease succeeded'),
      (err: { response?: { statusCode: number; body: { errors: string[] } } }) => err.response,
    );
    assert.equal(missing?.statusCode, 400);
    assert.deepEqual(missing?.body.errors, ['lease not found']);
  });

  it('hvac: generate_credentials, read_lease, renew_lease (with and without increment), list_leases, revoke_lease, revoke_prefix', async () => {
    const env = { VAULT_ADDR: db.server.address, VAULT_TOKEN: db.server.rootToken, PG_URL: db.pgc.templatedUrl, PG_USER: db.pgc.superuser, PG_PASSWORD: db.pgc.password };
    const scenario = async <T>(name: string, extra: Record<string, string> = {}): Promise<T> => {
      const run = await runPython([HVAC_SCENARIOS, name], { ...env, ...extra });
      assert.equal(run.code, 0, `hvac scenario ${name} failed:\n${run.stderr}${run.stdout}`);
      return JSON.parse(run.stdout) as T;
    };
    const issued = await scenario<{
      mount: string;
      lease_id: string;
      lease_duration: number;
      renewable: boolean;
      username: string;
      password: string;
      lookup_renewable: boolean;
      lookup_ttl: number;
      renewed_duration: number;
      renewed_default_duration: number;
    }>('database_generate_credentials');
    assert.equal(issued.lease_duration, 3600);
    assert.equal(issued.renewable, true);
    assert.equal(issued.lookup_renewable, true);
    assert.ok(issued.lookup_ttl > 3590 && issued.lookup_ttl <= 3600, `lookup ttl ${issued.lookup_ttl}`);
    assert.equal(issued.renewed_duration, 600);
    assert.equal(issued.renewed_default_duration, 3600, "increment null renews to the role's default TTL");
    assert.equal(await login(db.pgc, issued.username, issued.password), true);

    const revoked = await scenario<{ lookup_after_revoke: string[] }>('database_revoke_lease', { LEASE_ID: issued.lease_id });
    assert.deepEqual(revoked.lookup_after_revoke, ['invalid lease']);
    assert.match(await login(db.pgc, issued.username, issued.password) as string, LOGIN_REFUSED);

    const prefix = await scenario<{ issued: { username: string; password: string }[] }>('database_revoke_prefix', { MOUNT: issued.mount });
    assert.equal(prefix.issued.length, 2);
    for (const creds of prefix.issued) assert.match(await refusedSoon(db.pgc, creds), LOGIN_REFUSED);
  });
});
