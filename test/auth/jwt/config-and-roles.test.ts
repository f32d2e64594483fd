import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { assertErrorAnswer } from '../../harness/errors.js';
import { api } from '../../harness/http.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { AUDIENCE, enableJwt, write } from './fixture.js';
import { IdpStub, newKey, type SigningKey } from './idp.js';

/** A loopback URL nothing listens on: a port that was free a moment ago. */
async function deadUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('auth/<mount>/config', () => {
  let server: TestServer;
  let idp: IdpStub;
  let rsa: SigningKey;
  let mount = 0;
  let path = '';

  const read = () => api<{ data: Record<string, unknown> }>(server.address, 'GET', `auth/${path}/config`, { token: server.rootToken });
  const put = (body: Record<string, unknown>) => api(server.address, 'POST', `auth/${path}/config`, { token: server.rootToken, body });

  /** Asserts a refused config write that leaves the stored config exactly as it was. */
  async function refusedUnchanged(body: Record<string, unknown>, message: RegExp): Promise<void> {
    const before = await read();
    assertErrorAnswer(await put(body), 400, message);
    assert.deepEqual((await read()).body.data, before.body.data, 'config changed by a refused write');
  }

  before(async () => {
    rsa = await newKey('RS256');
    idp = await IdpStub.start([rsa]);
    server = await startServer();
  });

  after(async () => {
    await server?.destroy();
    await idp?.close();
  });

  beforeEach(async () => {
    path = `jwt-${++mount}`;
    await enableJwt(server.address, server.rootToken, path);
  });

  it('answers 404 before any config is written', async () => {
    assert.equal((await read()).status, 404);
  });

  it("reads back what was written, in Vault's shape", async () => {
    await write(server.address, server.rootToken, `auth/${path}/config`, {
      jwt_validation_pubkeys: [rsa.publicPem],
      bound_issuer: 'https://issuer.test',
      jwt_supported_algs: ['RS256', 'ES256'],
      default_role: 'app',
    });
    assert.deepEqual((await read()).body.data, {
      oidc_discovery_url: '',
      oidc_discovery_ca_pem: '',
      jwks_url: '',
      jwks_ca_pem: '',
      jwt_validation_pubkeys: [rsa.publicPem],
      bound_issuer: 'https://issuer.test',
      jwt_supported_algs: ['RS256', 'ES256'],
      default_role: 'app',
    });
  });

  it('accepts a JWKS URL and a discovery URL that answer', async () => {
    await write(server.address, server.rootToken, `auth/${path}/config`, { jwks_url: idp.jwksUrl });
    assert.equal((await read()).body.data.jwks_url, idp.jwksUrl);
    await write(server.address, server.rootToken, `auth/${path}/config`, { oidc_discovery_url: idp.url });
    const data = (await read()).body.data;
    assert.equal(data.oidc_discovery_url, idp.url);
    assert.equal(data.jwks_url, '', 'a write replaces the whole config, as in Vault');
  });

  it('refuses a config with none, or more than one, of the key sources, and keeps the old one', async () => {
    await write(server.address, server.rootToken, `auth/${path}/config`, { jwt_validation_pubkeys: [rsa.publicPem], default_role: 'keep' });
    const oneOf = /^exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set$/;
    await refusedUnchanged({ bound_issuer: 'x' }, oneOf);
    await refusedUnchanged({ jwt_validation_pubkeys: [rsa.publicPem], jwks_url: idp.jwksUrl }, oneOf);
    await refusedUnchanged({ oidc_discovery_url: idp.url, jwks_url: idp.jwksUrl }, oneOf);
  });

  it('refuses public keys that do not parse, and private keys', async () => {
    await write(server.address, server.rootToken, `auth/${path}/config`, { jwt_validation_pubkeys: [rsa.publicPem] });
    await refusedUnchanged({ jwt_validation_pubkeys: ['not a key'] }, /^error parsing public key 1 of jwt_validation_pubkeys: /);
    const broken = rsa.publicPem.replace(/[A-Za-z]{10}/, 'AAAAAAAAAA');
    await refusedUnchanged({ jwt_validation_pubkeys: [rsa.publicPem, broken] }, /^error parsing public key 2 of jwt_validation_pubkeys: /);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await refusedUnchanged({ jwt_validation_pubkeys: [privatePem] }, /^error parsing public key 1 of jwt_validation_pubkeys: a "PRIVATE KEY" block is not a public key$/);
  });

  it('refuses a discovery URL that cannot be reached', async () => {
    await write(server.address, server.rootToken, `auth/${path}/config`, { jwks_url: idp.jwksUrl });
    await refusedUnchanged({ oidc_discovery_url: await deadUrl() }, /^error checking oidc discovery URL: .*ECONNREFUSED/);
  });

  it('refuses a discovery document whose issuer is not the discovery URL', async () => {
    await write(server.address, server.rootToken, `auth/${path}/config`, { jwks_url: idp.jwksUrl });
    const sameServerOtherName = idp.url.replace('127.0.0.1', 'localhost');
    await refusedUnchanged({ oidc_discovery_url: sameServerOtherName }, /^error checking oidc discovery URL: issuer did not match the issuer returned by provider/);
    await refusedUnchanged({ oidc_discovery_url: `${idp.url}/nowhere` }, /^error checking oidc discovery URL: GET .* answered 404$/);
  });

  it('refuses a JWKS URL that cannot be reached or does not serve a key set', async () => {
    await write(server.address, server.rootToken, `auth/${path}/config`, { oidc_discovery_url: idp.url });
    await refusedUnchanged({ jwks_url: `${await deadUrl()}/jwks` }, /^error checking jwks URL: .*ECONNREFUSED/);
    await refusedUnchanged({ jwks_url: `${idp.url}/.well-known/openid-configuration` }, /^error checking jwks URL: JSON Web Key Set malformed$/);
    await refusedUnchanged({ jwks_url: 'ftp://127.0.0.1/jwks' }, /^jwks_url must be an http or https URL/);
  });

  it('refuses algorithms outside the supported list, none and HMAC included', async () => {
    await write(server.address, server.rootToken, `auth/${path}/config`, { jwt_validation_pubkeys: [rsa.publicPem] });
    for (const alg of ['none', 'HS256', 'rs256']) {
      await refusedUnchanged({ jwt_validation_pubkeys: [rsa.publicPem], jwt_supported_algs: [alg] }, new RegExp(`^invalid jwt_supported_algs: "${alg}" is not one of`));
    }
  });

  it('refuses a CA bundle that holds no certificate', async () => {
    await write(server.address, server.rootToken, `auth/${path}/config`, { jwt_validation_pubkeys: [rsa.publicPem] });
    await refusedUnchanged({ jwks_url: idp.jwksUrl, jwks_ca_pem: 'garbage' }, /^error parsing jwks_ca_pem: no PEM certificate found$/);
    await refusedUnchanged({ oidc_discovery_url: idp.url, oidc_discovery_ca_pem: rsa.publicPem }, /^error parsing oidc_discovery_ca_pem: a "PUBLIC KEY" block is not a certificate$/);
  });
});

describe('auth/<mount>/role', () => {
  let server: TestServer;
  const role = (name: string) => `auth/jwt/role/${name}`;
  const read = (name: string) => api<{ data: Record<string, unknown> }>(server.address, 'GET', role(name), { token: server.rootToken });
  const put = (name: string, body: Record<string, unknown>) => api(server.address, 'POST', role(name), { token: server.rootToken, body });

  before(async () => {
    server = await startServer();
    await enableJwt(server.address, server.rootToken, 'jwt');
  });

  after(async () => {
    await server?.destroy();
  });

  it("reads a role back in Vault's shape, with defaults for what was not sent", async () => {
    await write(server.address, server.rootToken, role('shape'), {
      role_type: 'jwt',
      bound_audiences: 'a,b',
      bound_claims: { team: ['x', 'y'], admin: true },
      claim_mappings: { email: 'mail' },
      token_policies: ['App', 'db', 'db'],
      token_ttl: '1h',
      token_max_ttl: 7200,
      token_bound_cidrs: ['127.0.0.1', '10.0.0.0/8'],
      groups_claim: 'groups',
      verbose_oidc_logging: true,
    });
    const res = await read('shape');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data, {
      role_type: 'jwt',
      bound_audiences: ['a', 'b'],
      bound_subject: '',
      bound_claims_type: 'string',
      bound_claims: { team: ['x', 'y'], admin: true },
      claim_mappings: { email: 'mail' },
      user_claim: 'sub',
      user_claim_json_pointer: false,
      groups_claim: 'groups',
      allowed_redirect_uris: [],
      oidc_scopes: [],
      verbose_oidc_logging: true,
      clock_skew_leeway: 60,
      expiration_leeway: 150,
      not_before_leeway: 150,
      token_policies: ['app', 'db'],
      token_ttl: 3600,
      token_max_ttl: 7200,
      token_explicit_max_ttl: 0,
      token_period: 0,
      token_num_uses: 0,
      token_no_default_policy: false,
      token_bound_cidrs: ['127.0.0.1/32', '10.0.0.0/8'],
      token_type: 'default',
    });
  });

  it('keeps the fields an update does not send', async () => {
    await write(server.address, server.rootToken, role('partial'), { role_type: 'jwt', bound_subject: 'svc', token_policies: ['a'], expiration_leeway: -1 });
    await write(server.address, server.rootToken, role('partial'), { token_ttl: '5m' });
    const data = (await read('partial')).body.data;
    assert.equal(data.bound_subject, 'svc');
    assert.deepEqual(data.token_policies, ['a']);
    assert.equal(data.token_ttl, 300);
    assert.equal(data.expiration_leeway, -1);
  });

  it('takes the deprecated policies and ttl fields, and shows them again', async () => {
    await write(server.address, server.rootToken, role('legacy'), { role_type: 'jwt', bound_subject: 'svc', policies: ['old'], ttl: 60 });
    const data = (await read('legacy')).body.data;
    assert.deepEqual(data.token_policies, ['old']);
    assert.deepEqual(data.policies, ['old']);
    assert.equal(data.token_ttl, 60);
    assert.equal(data.ttl, 60);
  });

  it('lists roles, and deletes one', async () => {
    await write(server.address, server.rootToken, role('gone'), { role_type: 'jwt', bound_audiences: [AUDIENCE] });
    const listed = await api<{ data: { keys: string[] } }>(server.address, 'LIST', 'auth/jwt/role', { token: server.rootToken });
    assert.equal(listed.status, 200, listed.text);
    assert.ok(listed.body.data.keys.includes('gone'));
    const viaQuery = await api<{ data: { keys: string[] } }>(server.address, 'GET', 'auth/jwt/role?list=true', { token: server.rootToken });
    assert.deepEqual(viaQuery.body.data.keys, listed.body.data.keys);

    assert.equal((await api(server.address, 'DELETE', role('gone'), { token: server.rootToken })).status, 204);
    assert.equal((await read('gone')).status, 404);
    const after = await api<{ data: { keys: string[] } }>(server.address, 'LIST', 'auth/jwt/role', { token: server.rootToken });
    assert.ok(!after.body.data.keys.includes('gone'));
  });

  it('accepts an oidc role with redirect URIs, and defaults role_type to oidc as Vault does', async () => {
    await write(server.address, server.rootToken, role('browser'), { allowed_redirect_uris: ['http://localhost:8250/oidc/callback'] });
    assert.equal((await read('browser')).body.data.role_type, 'oidc');
  });

  const invalid: [string, Record<string, unknown>, RegExp][] = [
    ['no bound constraint on a jwt role', { role_type: 'jwt', bound_audiences: [] }, /^must have at least one bound constraint when creating\/updating a role$/],
    ['an oidc role without redirect URIs', { role_type: 'oidc', bound_audiences: ['a'] }, /^'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified\.$/],
    ['an unknown role_type', { role_type: 'saml', bound_audiences: ['a'] }, /^invalid 'role_type': "saml"/],
    ['an unknown bound_claims_type', { role_type: 'jwt', bound_claims_type: 'regex', bound_claims: { a: 'b' } }, /^invalid 'bound_claims_type': "regex"/],
    ['a glob bound claim that is not a string', { role_type: 'jwt', bound_claims_type: 'glob', bound_claims: { n: 5 } }, /must be a string or a list of strings when bound_claims_type is "glob"/],
    ['a bound claim that is an object', { role_type: 'jwt', bound_claims: { n: { nested: 1 } } }, /^bound claim "n" is not a string, number, boolean or a list of them$/],
    ['two claims mapped to one key', { role_type: 'jwt', bound_audiences: ['a'], claim_mappings: { a: 'k', b: 'k' } }, /^claim_mappings contains multiple mappings for key "k"$/],
    ['a claim mapping that is not a string', { role_type: 'jwt', bound_audiences: ['a'], claim_mappings: { a: 1 } }, /error converting input .* for field "claim_mappings"/],
    ['an empty user_claim', { role_type: 'jwt', bound_audiences: ['a'], user_claim: ' ' }, /^a user claim must be defined on the role$/],
    ['a bad CIDR', { role_type: 'jwt', token_bound_cidrs: ['10.0.0.0/33'] }, /^invalid CIDR block "10.0.0.0\/33" in token_bound_cidrs$/],
    ['token_ttl above token_max_ttl', { role_type: 'jwt', bound_audiences: ['a'], token_ttl: '2h', token_max_ttl: '1h' }, /^'token_ttl' cannot be greater than 'token_max_ttl'$/],
    ['a batch token_type', { role_type: 'jwt', bound_audiences: ['a'], token_type: 'batch' }, /^batch tokens are not supported$/],
    ['a bad leeway', { role_type: 'jwt', bound_audiences: ['a'], clock_skew_leeway: 'soon' }, /^invalid duration for field "clock_skew_leeway"/],
    ['policies under both names', { role_type: 'jwt', bound_audiences: ['a'], token_policies: ['a'], policies: ['b'] }, /^cannot specify both "token_policies" and "policies"$/],
    ['a negative token_num_uses', { role_type: 'jwt', bound_audiences: ['a'], token_num_uses: -2 }, /^'token_num_uses' cannot be negative$/],
  ];
  for (const [what, body, message] of invalid) {
    it(`refuses ${what} with 400 and leaves the role as it was`, async () => {
      await write(server.address, server.rootToken, role('stable'), { role_type: 'jwt', bound_audiences: ['keep'], token_policies: ['keep'] });
      const before = await read('stable');
      assertErrorAnswer(await put('stable', body), 400, message);
      assert.deepEqual((await read('stable')).body.data, before.body.data);
      // A new role refused for the same reason is not created.
      assertErrorAnswer(await put('never', body), 400, message);
      assert.equal((await read('never')).status, 404);
    });
  }

  it('refuses a role name outside Vault\'s name rule', async () => {
    assertErrorAnswer(await put('bad%20name', { role_type: 'jwt', bound_audiences: ['a'] }), 400, /^invalid role name "bad name"$/);
  });
});
