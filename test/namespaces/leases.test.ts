import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodeVault from 'node-vault';
import { HVAC_SCENARIOS, runPython } from '../e2e/python.js';
import { CREATE_USER, LOGIN_REFUSED, login, pgConnection, refusedSoon } from '../engines/database/fixture.js';
import { startPostgres, type PostgresCluster } from '../harness/postgres.js';
import { startServer, type TestServer } from '../harness/server.js';
import { deleteNamespace, expect2xx, nsCall, tokenIn } from './fixture.js';

// Leases in namespaces, on dynamic PostgreSQL credentials: each namespace issues, lists, renews
// and revokes its own, under Vault's lease ids ("<path>.<namespace id>"), through node-vault's and
// hvac's namespace options; a sibling can neither see nor revoke them, and deleting a namespace
// ends its credentials.

interface Creds {
  lease_id: string;
  lease_duration: number;
  data: { username: string; password: string };
}

describe('leases in namespaces (database credentials)', () => {
  let pgc: PostgresCluster;
  let server: TestServer;
  const ids: Record<string, string> = {};
  const call = <T = Record<string, unknown>>(method: string, path: string, options: { namespace?: string; body?: unknown; token?: string } = {}) =>
    nsCall<T>(server.address, options.token ?? server.rootToken, method, path, options);
  const vaultIn = (namespace: string, token = server.rootToken) => nodeVault({ apiVersion: 'v1', endpoint: server.address, token, namespace });

  /** A namespace with a database/ mount on the cluster and a `readonly` role. */
  const databaseNamespace = async (namespace: string) => {
    const created = expect2xx(await call<{ data: { id: string } }>('POST', `sys/namespaces/${namespace}`), `create ${namespace}`);
    ids[namespace] = created.data.id;
    expect2xx(await call('POST', 'sys/mounts/database', { namespace, body: { type: 'database' } }), `mount in ${namespace}`);
    expect2xx(await call('POST', 'database/config/pg', { namespace, body: pgConnection(pgc) }), `config in ${namespace}`);
    expect2xx(await call('POST', 'database/roles/readonly', { namespace, body: { db_name: 'pg', creation_statements: [CREATE_USER], default_ttl: '1h', max_ttl: '24h' } }), `role in ${namespace}`);
  };

  before(async () => {
    pgc = await startPostgres();
    server = await startServer();
    for (const namespace of ['team-a', 'team-b', 'team-c']) await databaseNamespace(namespace);
    // The root's own database/ at the same path, with the same role.
    expect2xx(await call('POST', 'sys/mounts/database', { body: { type: 'database' } }), 'mount in the root');
    expect2xx(await call('POST', 'database/config/pg', { body: pgConnection(pgc) }), 'config in the root');
    expect2xx(await call('POST', 'database/roles/readonly', { body: { db_name: 'pg', creation_statements: [CREATE_USER], default_ttl: '1h' } }), 'role in the root');
  });
  after(async () => {
    await server?.destroy();
    await pgc?.stop();
  });

  it("node-vault in a namespace: the lease id names the namespace; renew, lookup and list there; a sibling neither sees nor revokes it", async () => {
    const teamA = vaultIn('team-a');
    const creds = (await teamA.read('database/creds/readonly')) as Creds;
    assert.match(creds.lease_id, new RegExp(`^database/creds/readonly/[A-Za-z0-9]+\\.${ids['team-a']}$`));
    assert.equal(await login(pgc, creds.data.username, creds.data.password), true);

    const renewed = (await teamA.renew({ lease_id: creds.lease_id, increment: 600 })) as { lease_id: string; lease_duration: number };
    assert.deepEqual([renewed.lease_id, renewed.lease_duration], [creds.lease_id, 600]);
    const looked = expect2xx(await call<{ data: { id: string; ttl: number } }>('PUT', 'sys/leases/lookup', { namespace: 'team-a', body: { lease_id: creds.lease_id } }), 'lookup');
    assert.equal(looked.data.id, creds.lease_id);
    const listed = expect2xx(await call<{ data: { keys: string[] } }>('LIST', 'sys/leases/lookup/database/creds/readonly/', { namespace: 'team-a' }), 'list');
    assert.deepEqual(listed.data.keys, [creds.lease_id.split('/').at(-1)]);

    // team-b: its own token with every lease capability in team-b.
    expect2xx(await call('PUT', 'sys/policies/acl/leases', { namespace: 'team-b', body: { policy: 'path "sys/leases/*" { capabilities = ["create", "read", "update", "list", "sudo"] }' } }), 'policy');
    const teamBToken = await tokenIn(server.address, server.rootToken, 'team-b', ['leases']);
    const sibling = (method: string, path: string, body?: unknown) => call<{ errors?: string[] }>(method, path, { namespace: 'team-b', token: teamBToken, body });
    const lookedFromB = await sibling('PUT', 'sys/leases/lookup', { lease_id: creds.lease_id });
    assert.deepEqual([lookedFromB.status, lookedFromB.body.errors], [400, ['invalid lease']]);
    assert.equal((await sibling('PUT', 'sys/leases/renew', { lease_id: creds.lease_id })).status, 400);
    assert.equal((await sibling('LIST', 'sys/leases/lookup/database/creds/readonly/')).status, 404, 'team-b has no leases there');
    assert.equal((await sibling('PUT', 'sys/leases/revoke', { lease_id: creds.lease_id })).status, 204, 'an unknown lease is not an error');
    assert.equal((await sibling('PUT', 'sys/leases/revoke-prefix/database/creds/')).status, 204);
    // Nor through team-a's path from team-b (its token works in team-b only).
    assert.equal((await call('PUT', 'team-a/sys/leases/lookup', { token: teamBToken, body: { lease_id: creds.lease_id } })).status, 403);
    assert.equal(await login(pgc, creds.data.username, creds.data.password), true, "team-b's revocations left team-a's credentials alone");

    // The root namespace sees the lease by the same id, and its listing shows no namespace as a folder.
    expect2xx(await call('PUT', 'sys/leases/lookup', { body: { lease_id: creds.lease_id } }), 'lookup from the root');
    const rootList = await call<{ data?: { keys: string[] } }>('LIST', 'sys/leases/lookup/');
    assert.ok(!(rootList.body.data?.keys ?? []).some((key) => key.startsWith('team-')), JSON.stringify(rootList.body));

    await teamA.revoke({ lease_id: creds.lease_id });
    assert.match((await login(pgc, creds.data.username, creds.data.password)) as string, LOGIN_REFUSED);
  });

  it('revoke-prefix in a namespace revokes only its leases', async () => {
    const [a, b] = [(await vaultIn('team-a').read('database/creds/readonly')) as Creds, (await vaultIn('team-b').read('database/creds/readonly')) as Creds];
    expect2xx(await call('PUT', 'sys/leases/revoke-prefix/database/creds/readonly', { namespace: 'team-b' }), 'revoke-prefix');
    assert.match((await login(pgc, b.data.username, b.data.password)) as string, LOGIN_REFUSED);
    assert.equal(await login(pgc, a.data.username, a.data.password), true);
    await vaultIn('team-a').revoke({ lease_id: a.lease_id });
  });

  it('hvac Client(namespace=...): generate_credentials, read_lease, renew_lease, list_leases and revoke_lease in a namespace', async () => {
    const env = { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken, VAULT_NAMESPACE: 'team-b', PG_URL: pgc.templatedUrl, PG_USER: pgc.superuser, PG_PASSWORD: pgc.password };
    const scenario = async <T>(name: string, extra: Record<string, string> = {}): Promise<T> => {
      const run = await runPython([HVAC_SCENARIOS, name], { ...env, ...extra });
      assert.equal(run.code, 0, `hvac scenario ${name} failed:\n${run.stderr}${run.stdout}`);
      return JSON.parse(run.stdout) as T;
    };
    const issued = await scenario<{ lease_id: string; renewed_duration: number; username: string; password: string }>('database_generate_credentials');
    assert.ok(issued.lease_id.endsWith(`.${ids['team-b']}`), issued.lease_id);
    assert.equal(issued.renewed_duration, 600);
    assert.equal(await login(pgc, issued.username, issued.password), true);
    const revoked = await scenario<{ lookup_after_revoke: string[] }>('database_revoke_lease', { LEASE_ID: issued.lease_id });
    assert.deepEqual(revoked.lookup_after_revoke, ['invalid lease']);
    assert.match((await login(pgc, issued.username, issued.password)) as string, LOGIN_REFUSED);
  });

  it("capabilities-self in a namespace answers for paths relative to it, with the token's own namespace's policies", async () => {
    expect2xx(await call('PUT', 'sys/policies/acl/creds', { namespace: 'team-a', body: { policy: 'path "database/creds/*" { capabilities = ["read"] }' } }), 'policy');
    const token = await tokenIn(server.address, server.rootToken, 'team-a', ['creds']);
    const caps = expect2xx(await call<{ data: Record<string, string[]> }>('POST', 'sys/capabilities-self', { namespace: 'team-a', token, body: { paths: ['database/creds/readonly', 'sys/mounts'] } }), 'capabilities-self');
    assert.deepEqual([caps.data['database/creds/readonly'], caps.data['sys/mounts']], [['read'], ['deny']]);
    const fromRoot = expect2xx(await call<{ data: Record<string, string[]> }>('POST', 'sys/capabilities', { body: { token, paths: ['team-a/database/creds/readonly', 'database/creds/readonly'] } }), 'capabilities from the root');
    assert.deepEqual([fromRoot.data['team-a/database/creds/readonly'], fromRoot.data['database/creds/readonly']], [['read'], ['deny']], 'outside its namespace a token may do nothing');
    const fromSibling = await call<{ errors: string[] }>('POST', 'sys/capabilities', { namespace: 'team-b', body: { token, paths: ['database/creds/readonly'] } });
    assert.deepEqual([fromSibling.status, fromSibling.body.errors], [400, ['invalid token']], 'a sibling does not know the token');
  });

  it("disabling a namespace's database/ revokes its leases only, not the root's at the same path", async () => {
    expect2xx(await call('POST', 'sys/namespaces/team-d'), 'create team-d');
    expect2xx(await call('POST', 'sys/mounts/database', { namespace: 'team-d', body: { type: 'database' } }), 'mount in team-d');
    expect2xx(await call('POST', 'database/config/pg', { namespace: 'team-d', body: pgConnection(pgc) }), 'config in team-d');
    expect2xx(await call('POST', 'database/roles/readonly', { namespace: 'team-d', body: { db_name: 'pg', creation_statements: [CREATE_USER], default_ttl: '1h' } }), 'role in team-d');
    const [rootCreds, teamD] = [(await vaultIn('').read('database/creds/readonly')) as Creds, (await vaultIn('team-d').read('database/creds/readonly')) as Creds];
    expect2xx(await call('DELETE', 'sys/mounts/database', { namespace: 'team-d' }), 'disable in team-d');
    assert.match((await login(pgc, teamD.data.username, teamD.data.password)) as string, LOGIN_REFUSED);
    assert.equal(await login(pgc, rootCreds.data.username, rootCreds.data.password), true);
    await vaultIn('').revoke({ lease_id: rootCreds.lease_id });
  });

  it("deleting a namespace revokes its leases: the credentials it issued stop working", async () => {
    const creds = (await vaultIn('team-c').read('database/creds/readonly')) as Creds;
    assert.equal(await login(pgc, creds.data.username, creds.data.password), true);
    await deleteNamespace(server.address, server.rootToken, 'team-c');
    assert.match(await refusedSoon(pgc, creds.data), LOGIN_REFUSED);
    assert.equal((await call('PUT', 'sys/leases/lookup', { body: { lease_id: creds.lease_id } })).status, 400, 'the lease is gone');
  });
});
