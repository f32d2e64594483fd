import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodeVault from 'node-vault';
import { startServer, type TestServer } from '../harness/server.js';
import { HVAC_SCENARIOS, runPython } from './python.js';

// Namespaces as Vault clients use them: node-vault's `namespace` option and hvac's
// Client(namespace=...) both send X-Vault-Namespace, and nothing else changes for the caller.
// One dev server; each test makes namespaces of its own, so any one of them can run alone.

type VaultClient = ReturnType<typeof nodeVault>;

/** What node-vault rejects with on a non-2xx answer (ApiResponseError in its source). */
interface VaultApiError extends Error {
  response: { statusCode: number; body: { errors?: string[] } | undefined };
}

async function rejection(promise: Promise<unknown>): Promise<VaultApiError> {
  try {
    await promise;
  } catch (err) {
    assert.ok((err as VaultApiError).response, `expected an ApiResponseError, got ${String(err)}`);
    return err as VaultApiError;
  }
  assert.fail('the request succeeded');
}

describe('Vault clients in namespaces', () => {
  let server: TestServer;
  let counter = 0;
  const clientIn = (namespace: string | undefined, token?: string): VaultClient =>
    nodeVault({ apiVersion: 'v1', endpoint: server.address, ...(token ? { token } : {}), ...(namespace ? { namespace } : {}) });

  /** Two new sibling namespaces, each with KV v2 at secret/ (the root has its dev secret/ too). */
  async function siblings(): Promise<[string, string]> {
    counter += 1;
    const names: [string, string] = [`nv-a${counter}`, `nv-b${counter}`];
    for (const name of names) {
      await clientIn(undefined, server.rootToken).write(`sys/namespaces/${name}`, {});
      await clientIn(name, server.rootToken).mount({ mount_point: 'secret', type: 'kv', options: { version: '2' } });
    }
    return names;
  }

  before(async () => {
    server = await startServer();
  });
  after(async () => server?.destroy());

  describe('node-vault (namespace option)', () => {
    it('writes and reads KV v2 at the same path in two namespaces, each holding its own data', async () => {
      const [a, b] = await siblings();
      for (const [namespace, owner] of [[a, 'team-a'], [b, 'team-b'], [undefined, 'root']] as const) {
        const written = await clientIn(namespace, server.rootToken).write('secret/data/same', { data: { owner } });
        assert.equal(written.data.version, 1, `${namespace ?? 'root'} numbers its own versions`);
      }
      for (const [namespace, owner] of [[a, 'team-a'], [b, 'team-b'], [undefined, 'root']] as const) {
        const read = await clientIn(namespace, server.rootToken).read('secret/data/same');
        assert.deepEqual(read.data.data, { owner }, namespace ?? 'root');
      }
    });

    it("logs in with AppRole enabled in a namespace; the token reads there and is refused (403) in the sibling and the root", async () => {
      const [a, b] = await siblings();
      const admin = clientIn(a, server.rootToken);
      for (const namespace of [a, b, undefined]) await clientIn(namespace, server.rootToken).write('secret/data/app', { data: { where: namespace ?? 'root' } });
      await admin.addPolicy({ name: 'app-read', rules: 'path "secret/data/*" { capabilities = ["read"] }' });
      await admin.enableAuth({ mount_point: 'approle', type: 'approle' });
      assert.ok((await admin.auths()).data['approle/'], "approle/ is in the namespace's sys/auth");
      assert.equal((await clientIn(undefined, server.rootToken).auths()).data['approle/'], undefined, 'and not in the root');
      // node-vault sends only the fields its schema names: `policies`, Vault's older name for token_policies.
      await admin.addApproleRole({ role_name: 'web', policies: 'app-read', token_ttl: 3600 });
      const roleId = (await admin.getApproleRoleId({ role_name: 'web' })).data.role_id as string;
      const secretId = (await admin.getApproleRoleSecret({ role_name: 'web' })).data.secret_id as string;

      const app = clientIn(a);
      const login = await app.approleLogin({ role_id: roleId, secret_id: secretId });
      assert.equal(app.token, login.auth.client_token, 'approleLogin makes the token the client\'s own');
      assert.equal((await app.tokenLookupSelf()).data.namespace_path, `${a}/`);
      assert.deepEqual((await app.read('secret/data/app')).data.data, { where: a });
      for (const elsewhere of [b, undefined]) {
        const refused = await rejection(clientIn(elsewhere, app.token).read('secret/data/app'));
        assert.equal(refused.response.statusCode, 403, elsewhere ?? 'root');
        assert.deepEqual(refused.response.body?.errors, ['permission denied']);
      }
    });

    it('wraps a KV read in a namespace: looked up and unwrapped there once, refused from the sibling and the root', async () => {
      const [a, b] = await siblings();
      const admin = clientIn(a, server.rootToken);
      await admin.write('secret/data/wrapped', { data: { k: 'in-a' } });
      const wrapped = await admin.read('secret/data/wrapped', { headers: { 'X-Vault-Wrap-TTL': '5m' } });
      const token = wrapped.wrap_info.token as string;
      assert.equal(wrapped.wrap_info.creation_path, 'secret/data/wrapped', 'the path inside the namespace');
      assert.equal(wrapped.data, null, 'a wrapped answer carries no data');

      const lookup = await admin.write('sys/wrapping/lookup', { token });
      assert.deepEqual([lookup.data.creation_path, lookup.data.creation_ttl], ['secret/data/wrapped', 300]);
      for (const elsewhere of [b, undefined]) {
        const refused = await rejection(clientIn(elsewhere, server.rootToken).unwrap({ token }));
        assert.equal(refused.response.statusCode, 400, elsewhere ?? 'root');
        assert.deepEqual(refused.response.body?.errors, ['wrapping token is not valid or does not exist']);
      }
      const lookupSibling = await rejection(clientIn(b, server.rootToken).write('sys/wrapping/lookup', { token }));
      assert.equal(lookupSibling.response.statusCode, 400);

      const unwrapped = await admin.unwrap({ token });
      assert.deepEqual(unwrapped.data.data, { k: 'in-a' });
      const replay = await rejection(admin.unwrap({ token }));
      assert.equal(replay.response.statusCode, 400, 'still single-use');
    });
  });

  describe('hvac 0.11.2 (Client(namespace=...))', () => {
    /** Runs one scenario of hvac_scenarios.py as root; answers the JSON it printed. */
    async function scenario<T>(name: string): Promise<T> {
      const run = await runPython([HVAC_SCENARIOS, name], { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken });
      assert.equal(run.code, 0, `hvac scenario ${name} failed:\n${run.stderr}${run.stdout}`);
      return JSON.parse(run.stdout) as T;
    }

    it('create_or_update_secret and read_secret_version at one path hold different data in two namespaces and the root', async () => {
      assert.deepEqual(await scenario('namespace_kv2_isolation'), { a: 'team-a', b: 'team-b', root: 'root' });
    });

    it('approle enabled in a namespace logs in there; the token raises Forbidden in the sibling and the root', async () => {
      const result = await scenario<{ read: { where: string }; namespace_path: string; sibling: string[]; root: string[]; login_sibling: string[] }>('namespace_approle_login');
      assert.equal(result.read.where, result.namespace_path.slice(0, -1));
      assert.deepEqual([result.sibling, result.root, result.login_sibling], [['permission denied'], ['permission denied'], ['permission denied']]);
    });

    it('read(wrap_ttl=60s) in a namespace: sys/wrapping/lookup and unwrap work there; the sibling and the root raise InvalidRequest', async () => {
      const result = await scenario<Record<string, unknown>>('namespace_wrapping');
      const invalid = ['wrapping token is not valid or does not exist'];
      assert.deepEqual(result, { unwrapped: { k: 'in-a' }, lookup_ttl: 60, from_sibling: invalid, from_root: invalid, lookup_sibling: invalid, replay: invalid });
    });
  });
});
