import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../../harness/errors.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { createToken, writePolicy } from '../../sys/fixture.js';
import { Approle, expectLogin, type Envelope, type SecretIdAnswer } from './fixture.js';

// The wrapped-SecretID flow (https://developer.hashicorp.com/vault/docs/auth/approle#secretid-delivery):
// a trusted orchestrator asks for a secret ID wrapped; only the application unwraps it, once.

const INVALID_WRAPPING_TOKEN = 'wrapping token is not valid or does not exist';

/** The orchestrator may only generate secret IDs for one role, and only wrapped (as in Vault's docs). */
const orchestratorPolicy = `
path "auth/approle/role/deploy/secret-id" {
  capabilities = ["create", "update"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = "5m"
}
`;

describe('AppRole wrapped secret ID delivery', () => {
  let server: TestServer;
  let approle: Approle;
  let roleId: string;

  const unwrap = (wrappingToken: string) => approle.request<SecretIdAnswer>('POST', 'sys/wrapping/unwrap', { token: wrappingToken });

  before(async () => {
    server = await startServer();
    approle = new Approle(server.address, server.rootToken);
    await approle.enable();
    await approle.writeRole('deploy', { token_ttl: '10m' });
    roleId = await approle.roleId('deploy');
    await writePolicy(server.address, server.rootToken, 'orchestrator', orchestratorPolicy);
  });
  after(async () => {
    await server?.destroy();
  });

  it('wraps the generated secret ID: the answer holds only wrap_info for auth/approle/role/:name/secret-id', async () => {
    const res = await approle.root('POST', 'role/deploy/secret-id', {}, { 'X-Vault-Wrap-TTL': '120' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data, null);
    assert.ok(!res.text.includes('secret_id'), 'no secret ID in the wrapped answer');
    const wrap = res.body.wrap_info!;
    assert.ok(wrap.token.length > 0);
    assert.equal(wrap.ttl, 120);
    assert.equal(wrap.creation_path, 'auth/approle/role/deploy/secret-id');
  });

  it("names the secret ID's accessor in wrap_info.wrapped_accessor, and still after a rewrap, as Vault does", async () => {
    const wrapped = await approle.root('POST', 'role/deploy/secret-id', {}, { 'X-Vault-Wrap-TTL': '2m' });
    const wrappedAccessor = wrapped.body.wrap_info!.wrapped_accessor;
    assert.ok(wrappedAccessor, wrapped.text);
    const rewrapped = await approle.request('POST', 'sys/wrapping/rewrap', { token: server.rootToken, body: { token: wrapped.body.wrap_info!.token } });
    assert.equal(rewrapped.body.wrap_info?.wrapped_accessor, wrappedAccessor, rewrapped.text);
    const unwrapped = await unwrap(rewrapped.body.wrap_info!.token);
    assert.equal(unwrapped.body.data!.secret_id_accessor, wrappedAccessor);
  });

  it('unwraps to the secret ID, which logs in; a second unwrap is refused with 400', async () => {
    const wrapped = await approle.root('POST', 'role/deploy/secret-id', { metadata: '{"app":"web"}' }, { 'X-Vault-Wrap-TTL': '2m' });
    const wrappingToken = wrapped.body.wrap_info!.token;

    const unwrapped = await unwrap(wrappingToken);
    assert.equal(unwrapped.status, 200, unwrapped.text);
    const { secret_id, secret_id_accessor } = unwrapped.body.data!;
    assert.ok(secret_id && secret_id_accessor, unwrapped.text);

    const auth = expectLogin(await approle.login({ role_id: roleId, secret_id }), 'login with the unwrapped secret ID');
    assert.deepEqual(auth.metadata, { app: 'web', role_name: 'deploy' });
    assert.equal(auth.lease_duration, 600);

    const again = await unwrap(wrappingToken);
    assert.equal(again.status, 400, again.text);
    assert.deepEqual(again.body, { errors: [INVALID_WRAPPING_TOKEN] });
  });

  it('lets an orchestrator that may only ask wrapped get a wrapped secret ID, and refuses it an unwrapped one', async () => {
    const orchestrator = await createToken(server.address, server.rootToken, { policies: ['orchestrator'] });
    const plain = await approle.request('POST', 'auth/approle/role/deploy/secret-id', { token: orchestrator.token, body: {} });
    assertErrorAnswer(plain, 403, /permission denied/);
    const wrapped = await approle.request('POST', 'auth/approle/role/deploy/secret-id', {
      token: orchestrator.token,
      body: {},
      headers: { 'X-Vault-Wrap-TTL': '60s' },
    });
    assert.equal(wrapped.status, 200, wrapped.text);
    const unwrapped = await unwrap(wrapped.body.wrap_info!.token);
    expectLogin(await approle.login({ role_id: roleId, secret_id: unwrapped.body.data!.secret_id }), 'login');
  });

  it('wraps a login too: the token comes out of the unwrap', async () => {
    const { secret_id } = await approle.newSecretId('deploy');
    const res = await approle.request<Envelope>('POST', 'auth/approle/login', { body: { role_id: roleId, secret_id }, headers: { 'X-Vault-Wrap-TTL': '60' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.auth, null);
    const unwrapped = await approle.request('POST', 'sys/wrapping/unwrap', { token: res.body.wrap_info!.token });
    assert.equal(unwrapped.status, 200, unwrapped.text);
    const token = unwrapped.body.auth!.client_token;
    const self = await approle.request<{ meta: Record<string, string> }>('GET', 'auth/token/lookup-self', { token });
    assert.equal(self.status, 200, self.text);
    assert.deepEqual(self.body.data!.meta, { role_name: 'deploy' });
  });
});
