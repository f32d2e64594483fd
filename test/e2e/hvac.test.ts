import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../harness/server.js';
import { HVAC_SCENARIOS as SCENARIOS, PYTHON, runPython } from './python.js';

const hvacInstalled = existsSync(PYTHON) && (await runPython(['-c', 'import hvac'], {})).code === 0;

// npm test installs python3-hvac (scripts/test-deps.sh); a missing client is a failure, never a skip.
describe('hvac 0.11.2 against a dev server', () => {
  it('has Debian\'s python3-hvac to test with', () => {
    assert.ok(hvacInstalled, `${PYTHON} cannot import hvac: run scripts/test-deps.sh`);
  });

  let server: TestServer;

  /** Runs one scenario of hvac_scenarios.py as root and returns the JSON it printed; fails with hvac's own complaint. */
  async function scenario<T = Record<string, unknown>>(name: string): Promise<T> {
    const run = await runPython([SCENARIOS, name], { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken });
    assert.equal(run.code, 0, `hvac scenario ${name} failed:\n${run.stderr}${run.stdout}`);
    return JSON.parse(run.stdout) as T;
  }

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.destroy();
  });

  describe('connection', () => {
    it('is_authenticated() is true for the root token and false for a garbage one', async () => {
      await scenario('authenticated');
    });

    it('sys.read_health_status(method="GET") reports initialized and unsealed', async () => {
      const health = await scenario<{ version: string }>('health');
      assert.match(health.version, /\d+\.\d+/);
    });
  });

  describe('KV v2', () => {
    it('create_or_update_secret then read_secret_version returns the data at version 1', async () => {
      const result = await scenario('kv2_write_and_read');
      assert.deepEqual(result, { version: 1, data: { user: 'admin', password: 'pw' } });
    });

    it('read_secret_version(version=1) returns an older version', async () => {
      const result = await scenario('kv2_read_older_version');
      assert.deepEqual(result, { old: { n: '1' }, latest: 2 });
    });

    it('cas=0 refuses to overwrite with InvalidRequest; the right cas writes', async () => {
      const result = await scenario<{ cas_error: string; version: number }>('kv2_check_and_set');
      assert.equal(result.version, 2);
    });

    it('patch merges new keys into the current version', async () => {
      const result = await scenario('kv2_patch');
      assert.deepEqual(result, { keep: 'yes', change: 'new', add: '1' });
    });

    it('list_secrets lists names and sub-folders', async () => {
      assert.deepEqual(await scenario('kv2_list'), { keys: ['nested/', 'one'] });
    });

    it('read_secret_metadata shows current_version and every version', async () => {
      assert.deepEqual(await scenario('kv2_metadata'), { current_version: 2, versions: ['1', '2'] });
    });

    it('delete_latest_version_of_secret hides the data; undelete_secret_versions brings it back', async () => {
      assert.deepEqual(await scenario('kv2_delete_and_undelete'), { restored: { a: '1' } });
    });

    it('destroy_secret_versions destroys one version for good and keeps the others', async () => {
      await scenario('kv2_destroy');
    });

    it('delete_metadata_and_all_versions removes the secret entirely', async () => {
      await scenario('kv2_delete_metadata_and_all_versions');
    });
  });

  describe('KV v1', () => {
    it('enable_secrets_engine(kv, version 1), then write, read, list and delete', async () => {
      const result = await scenario<{ read: Record<string, string> }>('kv1_lifecycle');
      assert.deepEqual(result.read, { user: 'app2' });
    });
  });

  describe('policies and tokens', () => {
    it('create_or_update_policy, read_policy, list_policies, delete_policy', async () => {
      await scenario('policy_lifecycle');
    });

    it('create_token(policies, ttl=1h), lookup_token, revoke_token', async () => {
      await scenario('token_lifecycle');
    });
  });

  describe('auth methods', () => {
    it('approle: create role, read role-id, generate secret-id, login; the token reads what its policy grants; a wrong secret-id raises InvalidRequest', async () => {
      const result = await scenario<{ read: Record<string, string>; wrong_secret: string[] }>('approle_login');
      assert.deepEqual(result.read, { db: 's3cret' });
      assert.ok(result.wrong_secret.length > 0);
    });

    it('approle: a SecretID written with wrap_ttl is unwrapped once by the app, which logs in; a replayed unwrap raises InvalidRequest', async () => {
      const result = await scenario<{ logged_in: boolean }>('approle_wrapped_secret_id');
      assert.equal(result.logged_in, true);
    });

    it('userpass: login sets display_name <mount>-alice and reads the granted secret; a wrong password raises InvalidRequest', async () => {
      const result = await scenario<{ read: Record<string, string> }>('userpass_login');
      assert.deepEqual(result.read, { db: 's3cret' });
    });

    it('userpass: list_user (LIST), list_userpass (GET ?list=True) and strict_http (GET ?list=true) all list the users', async () => {
      const result = await scenario('userpass_list_users');
      const users = ['alice', 'bob'];
      assert.deepEqual(result, { list: users, list_true: users, strict_http: users });
    });

    it('token roles: create(role_name=...) makes an orphan on auth/token/create/<role>; a policy outside the role raises InvalidRequest', async () => {
      const result = await scenario<{ policies: string[] }>('token_role_create');
      assert.deepEqual(result.policies, ['app-read', 'default']);
    });
  });

  describe('errors map to hvac exceptions', () => {
    it('a missing secret raises InvalidPath', async () => {
      await scenario('missing_secret_raises_invalid_path');
    });

    it('a path outside the policy raises Forbidden with "permission denied"', async () => {
      await scenario('forbidden_path_raises_forbidden');
    });

    it('an unknown engine type or malformed policy raises InvalidRequest with a message', async () => {
      await scenario('bad_input_raises_invalid_request');
    });
  });
});
