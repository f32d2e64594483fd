import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  EnvSecretManager,
  getDefaultSecretManager,
  SecretKeyCollisionError,
  VaultSecretManager,
  type SecretManagerLogger,
} from '../../../src/client/secret-manager/index.js';

// EnvSecretManager (environment variables, for tests and local runs) and the fail-fast checks of
// getDefaultSecretManager, none of which needs a server.

function capture(): { logger: SecretManagerLogger; warnings: Array<{ obj: Record<string, unknown>; msg?: string }> } {
  const warnings: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
  return { logger: { warn: (obj, msg) => warnings.push({ obj, msg }) }, warnings };
}

describe('EnvSecretManager', () => {
  it('stores github.token as GITHUB_TOKEN and answers env://github.token; get, update, delete go through the variable', async () => {
    const env: Record<string, string | undefined> = {};
    const sm = new EnvSecretManager({ env });
    const ref = await sm.storeSecret('github.token', 'ghp-value', { owner: 'ci' });
    assert.equal(ref, 'env://github.token');
    assert.deepEqual(env, { GITHUB_TOKEN: 'ghp-value' });
    assert.equal(await sm.getSecret(ref), 'ghp-value');
    assert.equal(await sm.updateSecret(ref, 'next'), true);
    assert.equal(env.GITHUB_TOKEN, 'next');
    assert.equal(await sm.deleteSecret(ref), true);
    assert.equal('GITHUB_TOKEN' in env, false);
    assert.equal(await sm.getSecret(ref), null);
    assert.equal(await sm.updateSecret(ref, 'x'), false);
    assert.equal(await sm.deleteSecret(ref), false);
  });

  it('turns ".", "-" and "/" into "_" and upper-cases the variable name', async () => {
    const env: Record<string, string | undefined> = {};
    await new EnvSecretManager({ env }).storeSecret('db-main/pass.word', 'v');
    assert.deepEqual(Object.keys(env), ['DB_MAIN_PASS_WORD']);
  });

  it('refuses a second key for a variable it stored under another key, and keeps the value', async () => {
    const env: Record<string, string | undefined> = {};
    const sm = new EnvSecretManager({ env });
    await sm.storeSecret('a.b', 'kept');
    await assert.rejects(sm.storeSecret('a_b', 'intruder'), SecretKeyCollisionError);
    assert.equal(env.A_B, 'kept');
  });

  it('answers null for a reference of another scheme, warning without the reference or the value', async () => {
    const { logger, warnings } = capture();
    const value = `s3cr3t-${randomBytes(8).toString('hex')}`;
    const sm = new EnvSecretManager({ env: { GITHUB_TOKEN: value }, logger });
    assert.equal(await sm.getSecret('vault://github.token'), null);
    assert.equal(await sm.getSecret(value), null);
    assert.equal(warnings.length, 2);
    for (const warning of warnings) assert.ok(!JSON.stringify(warning).includes(value), JSON.stringify(warning));
    assert.deepEqual(warnings[0]!.obj, { expectedScheme: 'env', scheme: 'vault' });
  });

  it('lists what it stored, and for a prefix the variables whose name starts with its variable form', async () => {
    const env: Record<string, string | undefined> = { GITHUB_APP_KEY: 'x', GITLAB_TOKEN: 'y', PATH: '/bin' };
    const sm = new EnvSecretManager({ env });
    await sm.storeSecret('github.token', 'a');
    await sm.storeSecret('other_thing', 'b');
    assert.deepEqual(await sm.listSecrets(), ['env://github.token', 'env://other_thing']);
    assert.deepEqual(await sm.listSecrets('github.'), ['env://github.app.key', 'env://github.token']);
    assert.deepEqual(await sm.listSecrets('other'), ['env://other_thing']);
  });

  it('uses process.env by default', async (t) => {
    const key = `coffer.sm.test.${randomBytes(4).toString('hex')}`;
    const name = key.toUpperCase().replace(/\./g, '_');
    t.after(() => delete process.env[name]);
    const ref = await new EnvSecretManager().storeSecret(key, 'from-process-env');
    assert.equal(process.env[name], 'from-process-env');
    assert.equal(await new EnvSecretManager().getSecret(ref), 'from-process-env');
  });
});

describe('getDefaultSecretManager', () => {
  it('answers an EnvSecretManager over the given environment when SECRET_MANAGER_TYPE is unset or "env"', async () => {
    for (const env of [{}, { SECRET_MANAGER_TYPE: 'env' }] as Array<Record<string, string>>) {
      const sm = await getDefaultSecretManager({ env });
      assert.ok(sm instanceof EnvSecretManager);
      await sm.storeSecret('app.key', 'v');
      assert.equal(env.APP_KEY, 'v');
    }
  });

  it('refuses an unknown SECRET_MANAGER_TYPE, naming the allowed values', async () => {
    await assert.rejects(getDefaultSecretManager({ env: { SECRET_MANAGER_TYPE: 'aws' } }), {
      message: 'SECRET_MANAGER_TYPE must be one of "env", "vault", "coffer", not "aws"',
    });
  });

  it('fails fast without VAULT_ADDR', async () => {
    await assert.rejects(getDefaultSecretManager({ env: { SECRET_MANAGER_TYPE: 'vault', VAULT_TOKEN: 'hvs.x' } }), {
      message: 'VAULT_ADDR environment variable or vault_addr parameter is required',
    });
  });

  it('fails fast without VAULT_TOKEN or both VAULT_ROLE_ID and VAULT_SECRET_ID', async () => {
    for (const extra of [{}, { VAULT_ROLE_ID: 'role' }, { VAULT_SECRET_ID: 'secret' }, { VAULT_TOKEN: '' }]) {
      await assert.rejects(getDefaultSecretManager({ env: { SECRET_MANAGER_TYPE: 'vault', VAULT_ADDR: 'http://127.0.0.1:1', ...extra } }), {
        message: 'Either VAULT_TOKEN or both VAULT_ROLE_ID and VAULT_SECRET_ID must be set',
      });
    }
  });

  it('builds a VaultSecretManager from VAULT_TOKEN without contacting the server, with VAULT_NAMESPACE on its client', async () => {
    const sm = await getDefaultSecretManager({
      env: { SECRET_MANAGER_TYPE: 'coffer', VAULT_ADDR: 'http://127.0.0.1:1', VAULT_TOKEN: 'hvs.x', VAULT_NAMESPACE: 'team' },
    });
    assert.ok(sm instanceof VaultSecretManager);
    assert.equal(sm.client.address, 'http://127.0.0.1:1');
    assert.equal(sm.client.token, 'hvs.x');
    assert.equal(sm.client.namespace, 'team');
  });
});
