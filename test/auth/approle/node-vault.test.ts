import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodeVault from 'node-vault';
import { startServer, type TestServer } from '../../harness/server.js';

// node-vault (npm) is someone else's Vault client: its AppRole commands work unchanged against Coffer.

type VaultClient = ReturnType<typeof nodeVault>;

describe('node-vault AppRole commands', () => {
  let server: TestServer;
  let root: VaultClient;
  const clientFor = (token?: string) => nodeVault({ apiVersion: 'v1', endpoint: server.address, ...(token ? { token } : {}) });

  before(async () => {
    server = await startServer();
    root = clientFor(server.rootToken);
    await root.enableAuth({ mount_point: 'approle', type: 'approle' });
    await root.addPolicy({ name: 'app', rules: 'path "secret/data/app/*" { capabilities = ["read"] }' });
    await root.write('secret/data/app/db', { data: { password: 'from-coffer' } });
  });
  after(async () => {
    await server?.destroy();
  });

  it('creates a role, reads its role ID, generates a secret ID and logs in with approleLogin', async () => {
    await root.addApproleRole({ role_name: 'web', policies: 'app', token_ttl: 900 });
    const role = await root.getApproleRole({ role_name: 'web' });
    assert.deepEqual(role.data.token_policies, ['app']);
    const roleId = (await root.getApproleRoleId({ role_name: 'web' })).data.role_id as string;
    const secretId = (await root.getApproleRoleSecret({ role_name: 'web' })).data.secret_id as string;

    const app = clientFor();
    const login = await app.approleLogin({ role_id: roleId, secret_id: secretId });
    assert.equal(login.auth.lease_duration, 900);
    assert.deepEqual(login.auth.policies, ['app', 'default']);
    assert.equal(login.auth.metadata.role_name, 'web');
    // approleLogin is a token source: the client now uses the new token.
    assert.equal(app.token, login.auth.client_token);
    const read = await app.read('secret/data/app/db');
    assert.deepEqual(read.data.data, { password: 'from-coffer' });
  });

  it('lists roles and secret ID accessors, looks up and destroys a secret ID', async () => {
    await root.addApproleRole({ role_name: 'worker' });
    const roles = await root.approleRoles();
    assert.ok(roles.data.keys.includes('worker'));
    const generated = await root.getApproleRoleSecret({ role_name: 'worker' });
    const accessors = await root.approleSecretAccessors({ role_name: 'worker' });
    assert.deepEqual(accessors.data.keys, [generated.data.secret_id_accessor]);
    const lookup = await root.approleSecretLookup({ role_name: 'worker', secret_id: generated.data.secret_id });
    assert.equal(lookup.data.secret_id_accessor, generated.data.secret_id_accessor);
    await root.approleSecretDestroy({ role_name: 'worker', secret_id: generated.data.secret_id });

    const roleId = (await root.getApproleRoleId({ role_name: 'worker' })).data.role_id as string;
    await assert.rejects(clientFor().approleLogin({ role_id: roleId, secret_id: generated.data.secret_id }), (err: Error & { response?: { statusCode: number; body: { errors: string[] } } }) => {
      assert.equal(err.response?.statusCode, 400);
      assert.deepEqual(err.response?.body.errors, ['invalid role or secret ID']);
      return true;
    });
  });

  it('sets a custom role ID with updateApproleRoleId', async () => {
    await root.addApproleRole({ role_name: 'custom' });
    await root.updateApproleRoleId({ role_name: 'custom', role_id: 'node-vault-role-id' });
    const secretId = (await root.getApproleRoleSecret({ role_name: 'custom' })).data.secret_id as string;
    const login = await clientFor().approleLogin({ role_id: 'node-vault-role-id', secret_id: secretId });
    assert.ok(login.auth.client_token);
  });
});
