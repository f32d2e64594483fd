import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../../harness/errors.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { poll } from '../../harness/poll.js';
import { AUDIENCE, claims, enableJwt, entityAliases, loggedIn, login, write } from './fixture.js';
import { IdpStub, newKey, sign, type SigningKey } from './idp.js';

describe('jwt login against a JWKS URL', () => {
  let server: TestServer;
  let idp: IdpStub;
  let rsa: SigningKey;
  let ec: SigningKey;
  let ed: SigningKey;
  let ec2: SigningKey;

  before(async () => {
    [rsa, ec, ed, ec2] = await Promise.all([newKey('RS256'), newKey('ES256'), newKey('EdDSA'), newKey('ES256')]);
    idp = await IdpStub.start([rsa, ec, ec2, ed]);
    server = await startServer();
    await enableJwt(server.address, server.rootToken, 'jwt');
    await write(server.address, server.rootToken, 'auth/jwt/config', { jwks_url: idp.jwksUrl, jwt_supported_algs: 'RS256,ES256,EdDSA' });
    await write(server.address, server.rootToken, 'auth/jwt/role/ci', {
      role_type: 'jwt',
      bound_audiences: AUDIENCE,
      token_policies: 'ci',
      claim_mappings: { repository: 'repo' },
    });
  });

  after(async () => {
    await server?.destroy();
    await idp?.close();
  });

  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    it(`logs in with an ${alg} token whose key the JWKS serves`, async () => {
      const key = { RS256: rsa, ES256: ec, EdDSA: ed }[alg];
      const jwt = await sign(key, claims({ sub: `jwks-${alg}`, repository: 'acme/app' }));
      const auth = loggedIn(await login(server.address, 'jwt', { role: 'ci', jwt }));
      assert.deepEqual([...auth.token_policies].sort(), ['ci', 'default']);
      assert.deepEqual(auth.metadata, { role: 'ci', repo: 'acme/app' });
      const [alias] = await entityAliases(server.address, server.rootToken, auth.entity_id);
      assert.equal(alias?.name, `jwks-${alg}`);
    });
  }

  it('refuses a token whose kid the JWKS does not serve', async () => {
    const stranger = await newKey('RS256');
    assertErrorAnswer(await login(server.address, 'jwt', { role: 'ci', jwt: await sign(stranger, claims()) }), 400, /^error validating token: no known key successfully validated the token signature$/);
  });

  it('refuses a token signed by another key under a served kid', async () => {
    const impostor = await newKey('RS256');
    const jwt = await sign(impostor, claims(), { kid: rsa.kid });
    assertErrorAnswer(await login(server.address, 'jwt', { role: 'ci', jwt }), 400, /^error validating token: no known key successfully validated/);
  });

  it('follows a key rotation: a token with a new kid makes it fetch the JWKS again', async () => {
    loggedIn(await login(server.address, 'jwt', { role: 'ci', jwt: await sign(rsa, claims()) }));
    const rotated = await newKey('RS256');
    const fetchesBefore = idp.jwksFetches;
    idp.setKeys([rotated, ec, ec2, ed]);

    // Unknown kids refetch at most once a second, so the first try may come too early: poll.
    await poll('login with the rotated key', async () => (await login(server.address, 'jwt', { role: 'ci', jwt: await sign(rotated, claims()) })).status === 200, { intervalMs: 50 });
    assert.ok(idp.jwksFetches > fetchesBefore, 'the JWKS was fetched again');

    // The retired key is gone from the fetched set.
    await poll('the retired key refused', async () => (await login(server.address, 'jwt', { role: 'ci', jwt: await sign(rsa, claims()) })).status === 400, { intervalMs: 50 });
    assertErrorAnswer(await login(server.address, 'jwt', { role: 'ci', jwt: await sign(rsa, claims()) }), 400, /no known key successfully validated/);
  });

  it('tries every served key of the algorithm when a token has no kid', async () => {
    // Two ES256 keys are served; the token is signed by the second one.
    const kidless = await sign(ec2, claims({ sub: 'no-kid' }), { kid: undefined });
    assert.ok(!JSON.parse(Buffer.from(kidless.split('.')[0]!, 'base64url').toString()).kid);
    loggedIn(await login(server.address, 'jwt', { role: 'ci', jwt: kidless }));
  });
});

describe('jwt login through OIDC discovery', () => {
  let server: TestServer;
  let idp: IdpStub;
  let rsa: SigningKey;

  before(async () => {
    rsa = await newKey('RS256');
    idp = await IdpStub.start([rsa]);
    server = await startServer();
    await enableJwt(server.address, server.rootToken, 'oidc', 'oidc');
    await write(server.address, server.rootToken, 'auth/oidc/config', { oidc_discovery_url: idp.url, default_role: 'svc' });
    await write(server.address, server.rootToken, 'auth/oidc/role/svc', { role_type: 'jwt', bound_audiences: [AUDIENCE], token_policies: ['svc'] });
  });

  after(async () => {
    await server?.destroy();
    await idp?.close();
  });

  it('logs in with a token from the discovered issuer, signed with a key from its jwks_uri', async () => {
    const auth = loggedIn(await login(server.address, 'oidc', { jwt: await sign(rsa, claims({ iss: idp.url, sub: 'discovered' })) }));
    assert.ok(auth.token_policies.includes('svc'));
    const [alias] = await entityAliases(server.address, server.rootToken, auth.entity_id);
    assert.equal(alias?.name, 'discovered');
  });

  it('refuses a token from another issuer than the discovered one', async () => {
    assertErrorAnswer(await login(server.address, 'oidc', { jwt: await sign(rsa, claims({ iss: 'https://other.example.test' })) }), 400, /^error validating token: invalid issuer \(iss\) claim$/);
    assertErrorAnswer(await login(server.address, 'oidc', { jwt: await sign(rsa, claims({ iss: undefined })) }), 400, /invalid issuer/);
  });

  it('refuses an RS256-signed token when the key is not in the discovered JWKS', async () => {
    const stranger = await newKey('RS256');
    assertErrorAnswer(await login(server.address, 'oidc', { jwt: await sign(stranger, claims({ iss: idp.url })) }), 400, /no known key successfully validated/);
  });
});
