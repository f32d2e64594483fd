import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { api } from '../harness/http.js';
import { FIXTURE_PASSWORD } from './hostile-cases.js';

const FIXTURE_POLICY = 'path "secret/data/fixture" {\n  capabilities = ["read"]\n}\n';

/**
 * Creates, as root, the fixtures hostile-cases.ts lists (mounts, secrets, policy "hostile-fixture",
 * one configured role per auth method, token role, identity entity, identity token key and role), which hostile.test.ts and
 * fuzz.test.ts both aim their requests at. Fails on any answer that is not a success.
 */
export async function seedHostileFixtures(address: string, rootToken: string): Promise<void> {
  const must = async (method: string, path: string, body: unknown) => {
    const res = await api(address, method, path, { token: rootToken, body });
    assert.ok(res.status < 300, `fixture ${method} ${path} answered ${res.status}: ${res.text}`);
  };
  await must('POST', 'sys/mounts/hkv1', { type: 'kv', options: { version: '1' } });
  await must('POST', 'secret/data/fixture', { data: { user: 'app', password: 'first' } });
  await must('POST', 'secret/data/fixture', { data: { user: 'app', password: 'second' } });
  await must('POST', 'hkv1/fixture', { user: 'app', password: 'v1' });
  await must('POST', 'cubbyhole/fixture', { note: 'only root sees this' });
  await must('PUT', 'sys/policy/hostile-fixture', { policy: FIXTURE_POLICY });
  for (const type of ['approle', 'userpass', 'jwt', 'kubernetes']) await must('POST', `sys/auth/${type}`, { type });
  await must('POST', 'auth/approle/role/fixture', { token_policies: ['hostile-fixture'] });
  await must('POST', 'auth/approle/role/fixture/secret-id', {});
  await must('POST', 'auth/userpass/users/fixture', { password: FIXTURE_PASSWORD, token_policies: ['hostile-fixture'] });
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await must('POST', 'auth/jwt/config', { jwt_validation_pubkeys: [publicKey.export({ type: 'spki', format: 'pem' })], jwt_supported_algs: ['ES256'] });
  await must('POST', 'auth/jwt/role/fixture', { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['coffer'], token_policies: ['hostile-fixture'] });
  // Nothing listens on port 9: a login that got as far as the API server would fail there, not succeed.
  await must('POST', 'auth/kubernetes/config', { kubernetes_host: 'http://127.0.0.1:9', disable_local_ca_jwt: true });
  await must('POST', 'auth/kubernetes/role/fixture', { bound_service_account_names: ['app'], bound_service_account_namespaces: ['prod'], audience: 'coffer' });
  await must('POST', 'auth/token/roles/fixture', { allowed_policies: ['hostile-fixture'] });
  await must('POST', 'identity/entity', { name: 'fixture', metadata: { team: 'a' } });
  await must('POST', 'identity/oidc/key/fixture', { allowed_client_ids: ['*'], algorithm: 'ES256' });
  await must('POST', 'identity/oidc/role/fixture', { key: 'fixture', template: '{"team": {{identity.entity.metadata.team}}}' });
}
