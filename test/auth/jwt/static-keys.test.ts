import assert from 'node:assert/strict';
import { CompactSign } from 'jose';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../../harness/errors.js';
import { api } from '../../harness/http.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { AUDIENCE, claims, enableJwt, entityAliases, loggedIn, login, mountAccessor, write } from './fixture.js';
import { newKey, sign, unsignedToken, withPayload, type SigningKey } from './idp.js';

const ISSUER = 'https://idp.example.test';

describe('jwt login against static jwt_validation_pubkeys', () => {
  let server: TestServer;
  let address: string;
  let root: string;
  let rsa: SigningKey;
  let ec: SigningKey;
  let ed: SigningKey;
  let stranger: SigningKey;

  const token = (key: SigningKey, extra: Record<string, unknown> = {}) => sign(key, claims({ iss: ISSUER, ...extra }));

  before(async () => {
    server = await startServer();
    address = server.address;
    root = server.rootToken;
    [rsa, ec, ed, stranger] = await Promise.all([newKey('RS256'), newKey('ES256'), newKey('EdDSA'), newKey('RS256')]);

    await enableJwt(address, root, 'jwt');
    await write(address, root, 'auth/jwt/config', {
      jwt_validation_pubkeys: [rsa.publicPem, ec.publicPem, ed.publicPem],
      jwt_supported_algs: ['RS256', 'ES256', 'EdDSA'],
      bound_issuer: ISSUER,
    });
    await write(address, root, 'auth/jwt/role/app', {
      role_type: 'jwt',
      bound_audiences: [AUDIENCE],
      token_policies: ['app-read', 'app-write'],
      token_ttl: '10m',
      claim_mappings: { email: 'email', '/org/team': 'team' },
    });
    await write(address, root, 'auth/jwt/role/by-email', { role_type: 'jwt', bound_audiences: [AUDIENCE], user_claim: 'email', token_policies: ['mail'] });
    await write(address, root, 'auth/jwt/role/ops-only', {
      role_type: 'jwt',
      bound_audiences: [AUDIENCE],
      bound_claims: { groups: ['ops', 'sre'], env: 'prod' },
      token_policies: ['ops'],
    });
    await write(address, root, 'auth/jwt/role/glob', {
      role_type: 'jwt',
      bound_audiences: [AUDIENCE],
      bound_claims_type: 'glob',
      bound_claims: { email: '*@example.com', repo: ['acme/*-service', 'acme/tools'] },
      token_policies: ['glob'],
    });
    await write(address, root, 'auth/jwt/role/no-aud', { role_type: 'jwt', bound_subject: 'alice', token_policies: ['x'] });
    await write(address, root, 'auth/jwt/role/bob-only', { role_type: 'jwt', bound_audiences: [AUDIENCE], bound_subject: 'bob' });
    await write(address, root, 'auth/jwt/role/elsewhere', { role_type: 'jwt', bound_audiences: [AUDIENCE], token_bound_cidrs: ['10.0.0.0/8'] });
    await write(address, root, 'auth/jwt/role/strict-time', {
      role_type: 'jwt',
      bound_audiences: [AUDIENCE],
      clock_skew_leeway: -1,
      expiration_leeway: '-1',
      not_before_leeway: -1,
    });
    await write(address, root, 'auth/jwt/role/pointer', {
      role_type: 'jwt',
      bound_audiences: [AUDIENCE],
      user_claim: '/user/login',
      user_claim_json_pointer: true,
      bound_claims: { '/org/teams': 'infra' },
    });
    await write(address, root, 'auth/jwt/role/proto', { role_type: 'jwt', bound_audiences: [AUDIENCE], user_claim: 'constructor' });
    await write(address, root, 'auth/jwt/role/browser', { role_type: 'oidc', allowed_redirect_uris: ['http://localhost:8250/oidc/callback'] });

    // A second mount that keeps the default algorithm allow-list (RS256 only), with an ES256 key configured.
    await enableJwt(address, root, 'jwt-rs');
    await write(address, root, 'auth/jwt-rs/config', { jwt_validation_pubkeys: [rsa.publicPem, ec.publicPem], bound_issuer: ISSUER });
    await write(address, root, 'auth/jwt-rs/role/app', { role_type: 'jwt', bound_audiences: [AUDIENCE], token_policies: ['app-read'] });
  });

  after(async () => {
    await server?.destroy();
  });

  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    it(`logs in with an ${alg} token and gets the role's policies, with the sub claim as entity alias`, async () => {
      const key = { RS256: rsa, ES256: ec, EdDSA: ed }[alg];
      const auth = loggedIn(await login(address, 'jwt', { role: 'app', jwt: await token(key, { sub: `user-${alg}` }) }));
      assert.deepEqual([...auth.token_policies].sort(), ['app-read', 'app-write', 'default']);
      assert.equal(auth.lease_duration, 600, 'token_ttl of the role');
      assert.equal(auth.metadata?.role, 'app');
      const aliases = await entityAliases(address, root, auth.entity_id);
      const accessor = await mountAccessor(address, root, 'jwt');
      assert.deepEqual(aliases.map((a) => [a.name, a.mount_accessor]), [[`user-${alg}`, accessor]]);

      const self = await api<{ data: { policies: string[]; path: string } }>(address, 'GET', 'auth/token/lookup-self', { token: auth.client_token });
      assert.equal(self.status, 200, self.text);
      assert.equal(self.body.data.path, 'auth/jwt/login');
    });
  }

  it('copies claim_mappings into the token metadata and the entity alias metadata', async () => {
    const jwt = await token(rsa, { sub: 'carol', email: 'carol@example.com', org: { team: 'payments' }, unmapped: 'x' });
    const auth = loggedIn(await login(address, 'jwt', { role: 'app', jwt }));
    assert.deepEqual(auth.metadata, { role: 'app', email: 'carol@example.com', team: 'payments' });
    const [alias] = await entityAliases(address, root, auth.entity_id);
    assert.deepEqual(alias?.metadata, { email: 'carol@example.com', team: 'payments' });
  });

  it('uses the config default_role when the login names no role', async () => {
    await enableJwt(address, root, 'jwt-default');
    await write(address, root, 'auth/jwt-default/config', { jwt_validation_pubkeys: [rsa.publicPem], default_role: 'only', bound_issuer: ISSUER });
    await write(address, root, 'auth/jwt-default/role/only', { role_type: 'jwt', bound_audiences: [AUDIENCE], token_policies: ['only'] });
    const auth = loggedIn(await login(address, 'jwt-default', { jwt: await token(rsa) }));
    assert.ok(auth.token_policies.includes('only'));
    assert.equal(auth.metadata?.role, 'only');
  });

  it('refuses a token signed by a key that is not configured', async () => {
    assertErrorAnswer(await login(address, 'jwt', { role: 'app', jwt: await token(stranger) }), 400, /^error validating token: no known key successfully validated the token signature$/);
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const jwt = await token(rsa, { sub: 'alice' });
    const forged = withPayload(jwt, claims({ iss: ISSUER, sub: 'admin' }));
    assertErrorAnswer(await login(address, 'jwt', { role: 'app', jwt: forged }), 400, /^error validating token: no known key successfully validated/);
  });

  it('refuses an unsigned token (alg none)', async () => {
    assertErrorAnswer(await login(address, 'jwt', { role: 'app', jwt: unsignedToken(claims({ iss: ISSUER })) }), 400, /^error validating token: unsigned tokens \(alg "none"\)/);
  });

  it('refuses a token signed with an algorithm outside jwt_supported_algs, even with its key configured', async () => {
    assertErrorAnswer(
      await login(address, 'jwt-rs', { role: 'app', jwt: await token(ec) }),
      400,
      /^error validating token: token is signed with "ES256", which is not one of the supported algorithms \[RS256\]$/,
    );
    // The same mount accepts RS256 tokens: the refusal is about the algorithm only.
    loggedIn(await login(address, 'jwt-rs', { role: 'app', jwt: await token(rsa) }));
  });

  it('refuses an expired token', async () => {
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    assertErrorAnswer(await login(address, 'jwt', { role: 'app', jwt: await token(rsa, { iat: hourAgo - 60, exp: hourAgo }) }), 400, /^error validating token: token is expired \(exp\)$/);
  });

  it('accepts a token expired for less than the leeways', async () => {
    const justNow = Math.floor(Date.now() / 1000) - 30;
    loggedIn(await login(address, 'jwt', { role: 'app', jwt: await token(rsa, { exp: justNow, iat: justNow - 60 }) }));
  });

  it('refuses a token expired a moment ago when the role turns the leeways off (-1)', async () => {
    const justNow = Math.floor(Date.now() / 1000) - 30;
    assertErrorAnswer(await login(address, 'jwt', { role: 'strict-time', jwt: await token(rsa, { exp: justNow, iat: justNow - 60 }) }), 400, /token is expired \(exp\)/);
    const soon = Math.floor(Date.now() / 1000) + 30;
    assertErrorAnswer(await login(address, 'jwt', { role: 'strict-time', jwt: await token(rsa, { nbf: soon }) }), 400, /token not valid yet \(nbf\)/);
    // The same nbf is inside the default leeways of another role.
    loggedIn(await login(address, 'jwt', { role: 'app', jwt: await token(rsa, { nbf: soon }) }));
  });

  it('refuses a token without exp', async () => {
    assertErrorAnswer(await login(address, 'jwt', { role: 'app', jwt: await token(rsa, { exp: undefined }) }), 400, /^error validating token: token has no expiry \(exp\) claim$/);
  });

  it('refuses a token whose nbf is in the future', async () => {
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    assertErrorAnswer(await login(address, 'jwt', { role: 'app', jwt: await token(rsa, { nbf: inAnHour, exp: inAnHour + 300 }) }), 400, /^error validating token: token not valid yet \(nbf\)$/);
  });

  it('refuses a token issued in the future (iat)', async () => {
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    assertErrorAnswer(await login(address, 'jwt', { role: 'app', jwt: await token(rsa, { iat: inAnHour, exp: inAnHour + 300 }) }), 400, /^error validating token: token issued in the future \(iat\)$/);
  });

  it('refuses a token for another audience', async () => {
    assertErrorAnswer(await login(address, 'jwt', { role: 'app', jwt: await token(rsa, { aud: ['someone-else', 'another'] }) }), 400, /^error validating token: aud claim does not match any bound audience$/);
  });

  it('accepts a token whose aud list contains one of the bound audiences', async () => {
    loggedIn(await login(address, 'jwt', { role: 'app', jwt: await token(rsa, { aud: ['someone-else', AUDIENCE] }) }));
  });

  it('refuses a token with an aud claim on a role without bound_audiences', async () => {
    assertErrorAnswer(await login(address, 'jwt', { role: 'no-aud', jwt: await token(rsa) }), 400, /^error validating token: audience claim found in JWT but no audiences bound to the role$/);
    loggedIn(await login(address, 'jwt', { role: 'no-aud', jwt: await token(rsa, { aud: undefined }) }));
  });

  it('refuses a token from another issuer than bound_issuer', async () => {
    assertErrorAnswer(await login(address, 'jwt', { role: 'app', jwt: await token(rsa, { iss: 'https://evil.example.test' }) }), 400, /^error validating token: invalid issuer \(iss\) claim$/);
  });

  it('refuses a token whose sub is not the bound_subject', async () => {
    assertErrorAnswer(await login(address, 'jwt', { role: 'bob-only', jwt: await token(rsa, { sub: 'alice' }) }), 400, /sub claim does not match bound subject/);
    loggedIn(await login(address, 'jwt', { role: 'bob-only', jwt: await token(rsa, { sub: 'bob' }) }));
  });

  it('refuses a token without the user_claim, and one whose user_claim is not a string', async () => {
    assertErrorAnswer(await login(address, 'jwt', { role: 'by-email', jwt: await token(rsa) }), 400, /^claim "email" not found in token$/);
    assertErrorAnswer(await login(address, 'jwt', { role: 'by-email', jwt: await token(rsa, { email: ['a@b'] }) }), 400, /^claim "email" could not be converted to string$/);
    const auth = loggedIn(await login(address, 'jwt', { role: 'by-email', jwt: await token(rsa, { email: 'dan@example.com' }) }));
    const [alias] = await entityAliases(address, root, auth.entity_id);
    assert.equal(alias?.name, 'dan@example.com');
  });

  it('reads user_claim and bound claims as JSON pointers into nested claims', async () => {
    const jwt = await token(rsa, { user: { login: 'frank' }, org: { teams: ['web', 'infra'] } });
    const auth = loggedIn(await login(address, 'jwt', { role: 'pointer', jwt }));
    const [alias] = await entityAliases(address, root, auth.entity_id);
    assert.equal(alias?.name, 'frank');
    assertErrorAnswer(await login(address, 'jwt', { role: 'pointer', jwt: await token(rsa, { user: { login: 'frank' }, org: { teams: ['web'] } }) }), 403, /claim "\/org\/teams" does not match/);
  });

  it('never takes a claim from inherited object properties', async () => {
    assertErrorAnswer(await login(address, 'jwt', { role: 'proto', jwt: await token(rsa) }), 400, /^claim "constructor" not found in token$/);
  });

  it('logs in when every bound claim matches one of its values', async () => {
    const auth = loggedIn(await login(address, 'jwt', { role: 'ops-only', jwt: await token(rsa, { groups: ['dev', 'sre'], env: 'prod' }) }));
    assert.ok(auth.token_policies.includes('ops'));
  });

  it('refuses with 403 a token whose claims do not match bound_claims', async () => {
    assertErrorAnswer(
      await login(address, 'jwt', { role: 'ops-only', jwt: await token(rsa, { groups: ['dev'], env: 'prod' }) }),
      403,
      /^error validating claims: claim "groups" does not match any associated bound claim values$/,
    );
    assertErrorAnswer(await login(address, 'jwt', { role: 'ops-only', jwt: await token(rsa, { groups: ['ops'] }) }), 403, /^error validating claims: claim "env" is missing$/);
  });

  it('matches glob bound claims with *', async () => {
    const ok = await token(rsa, { email: 'erin@example.com', repo: 'acme/billing-service' });
    assert.ok(loggedIn(await login(address, 'jwt', { role: 'glob', jwt: ok })).token_policies.includes('glob'));
    const exact = await token(rsa, { email: 'x@example.com', repo: 'acme/tools' });
    loggedIn(await login(address, 'jwt', { role: 'glob', jwt: exact }));
  });

  it('refuses with 403 a claim that no glob matches', async () => {
    const wrongDomain = await token(rsa, { email: 'erin@example.com.evil.test', repo: 'acme/billing-service' });
    assertErrorAnswer(await login(address, 'jwt', { role: 'glob', jwt: wrongDomain }), 403, /claim "email" does not match/);
    const wrongRepo = await token(rsa, { email: 'erin@example.com', repo: 'acme/billing-service-fork/x' });
    assertErrorAnswer(await login(address, 'jwt', { role: 'glob', jwt: wrongRepo }), 403, /claim "repo" does not match/);
  });

  it('refuses a login from outside the role token_bound_cidrs with 403', async () => {
    assertErrorAnswer(await login(address, 'jwt', { role: 'elsewhere', jwt: await token(rsa) }), 403, /permission denied/);
  });

  it('refuses a login to an oidc role, saying the interactive flow is not served', async () => {
    assertErrorAnswer(await login(address, 'jwt', { role: 'browser', jwt: await token(rsa) }), 400, /^role with oidc role_type is not allowed: .*interactive OIDC login/);
  });

  it('refuses a login without a role, with an unknown role, or without a jwt', async () => {
    assertErrorAnswer(await login(address, 'jwt', { jwt: await token(rsa) }), 400, /^missing role$/);
    assertErrorAnswer(await login(address, 'jwt', { role: 'nope', jwt: await token(rsa) }), 400, /^role "nope" could not be found$/);
    assertErrorAnswer(await login(address, 'jwt', { role: 'app' }), 400, /^missing token$/);
  });

  it('answers 400, never 500, to tokens that are not JWTs', async () => {
    const garbage = ['x', 'a.b.c', 'a.b', '....', `${Buffer.from('[]').toString('base64url')}.e30.`, 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln'];
    for (const jwt of garbage) assertErrorAnswer(await login(address, 'jwt', { role: 'app', jwt }), 400, /^error validating token: /);
    // Correctly signed, but the payload is not a JSON object.
    for (const payload of ['not json', '[1,2]', 'null']) {
      const jwt = await new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'RS256', kid: rsa.kid }).sign(rsa.privateKey);
      assertErrorAnswer(await login(address, 'jwt', { role: 'app', jwt }), 400, /^error validating token: token payload is not (JSON|a JSON object)$/);
    }
  });

  it('wraps a login when asked: wrap_info first, the auth block on unwrap', async () => {
    const res = await login(address, 'jwt', { role: 'app', jwt: await token(rsa, { sub: 'wrapped' }) }, { 'X-Vault-Wrap-TTL': '60' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.auth, null);
    const wrapToken = res.body.wrap_info?.token;
    assert.ok(wrapToken, `no wrap_info: ${res.text}`);

    const unwrapped = await api<{ auth: { client_token: string; token_policies: string[]; metadata: Record<string, string> } }>(address, 'POST', 'sys/wrapping/unwrap', { token: wrapToken });
    assert.equal(unwrapped.status, 200, unwrapped.text);
    assert.deepEqual([...unwrapped.body.auth.token_policies].sort(), ['app-read', 'app-write', 'default']);
    assert.equal(unwrapped.body.auth.metadata.role, 'app');
    const self = await api(address, 'GET', 'auth/token/lookup-self', { token: unwrapped.body.auth.client_token });
    assert.equal(self.status, 200, self.text);
  });
});
