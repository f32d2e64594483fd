import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { assertErrorAnswer } from '../../harness/errors.js';
import { startInProcessServer, type InProcessServer } from '../../harness/in-process.js';
import { assertNoContent, closingApi } from '../../sys/fixture.js';
import { CLUSTER_ISSUER, JwksServer, signLegacy, TokenIssuer, TokenReviewStandIn, unsignedJwt, type LoginAuth } from './fixture.js';

// Coffer's offline mode (config `jwks_url`): projected service-account tokens are verified against
// the issuer's JWKS, served here by the test, and no TokenReview is sent. A TokenReview STAND-IN
// runs at kubernetes_host all along and counts the reviews it gets, to prove there are none.

const MOUNT = 'auth/k8s-offline';
const REVIEWER = `reviewer-${randomBytes(8).toString('hex')}`;

describe('kubernetes auth: offline login with jwks_url (no TokenReview; TokenReview stand-in counts calls)', () => {
  let server: InProcessServer;
  let root: string;
  let standIn: TokenReviewStandIn;
  let jwksServer: JwksServer;
  let issuer: TokenIssuer;

  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, token?: string) =>
    closingApi<T>(server.address, method, path, { ...(body === undefined ? {} : { body }), ...(token ? { token } : {}) });
  const admin = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => call<T>(method, path, body, root);
  const login = (jwt: string, role = 'app', mount = MOUNT) => call<{ auth: LoginAuth }>('POST', `${mount}/login`, { role, jwt });
  const appToken = (overrides: Partial<Parameters<TokenIssuer['sign']>[0]> = {}, by: TokenIssuer = issuer) =>
    by.sign({ namespace: 'shop', name: 'app', audience: 'coffer', ...overrides });

  async function configure(overrides: Record<string, unknown> = {}, mount = MOUNT): Promise<void> {
    assertNoContent(
      await admin('POST', `${mount}/config`, {
        kubernetes_host: standIn.url,
        token_reviewer_jwt: REVIEWER,
        disable_local_ca_jwt: true,
        jwks_url: jwksServer.url,
        issuer: CLUSTER_ISSUER,
        ...overrides,
      }),
      'config write',
    );
  }

  before(async () => {
    server = await startInProcessServer(`root-${randomUUID()}`);
    root = server.rootToken!;
    issuer = await TokenIssuer.create();
    standIn = await TokenReviewStandIn.start({ reviewerToken: REVIEWER });
    jwksServer = await JwksServer.start(issuer.jwks());
    assertNoContent(await admin('POST', 'sys/auth/k8s-offline', { type: 'kubernetes' }), 'enable');
    assertNoContent(
      await admin('POST', `${MOUNT}/role/app`, {
        bound_service_account_names: ['app'],
        bound_service_account_namespaces: ['shop'],
        audience: 'coffer',
        token_policies: ['shop-read'],
      }),
      'role',
    );
  });
  beforeEach(async () => {
    jwksServer.jwks = issuer.jwks();
    await configure();
  });
  after(async () => {
    await standIn?.stop();
    await jwksServer?.stop();
    await server?.destroy();
  });

  it('accepts a valid projected token with no TokenReview call at all', async () => {
    const uid = randomUUID();
    const res = await login(await appToken({ uid }));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.auth.token_policies, ['default', 'shop-read']);
    assert.deepEqual(res.body.auth.metadata, { role: 'app', service_account_name: 'app', service_account_namespace: 'shop', service_account_uid: uid });
    assert.equal(server.core.identity.aliasesOf(res.body.auth.entity_id)[0]!.name, uid);
    assert.ok(jwksServer.fetches >= 1, 'the JWKS was fetched');
    assert.equal(standIn.reviews.length, 0, 'offline mode must not call TokenReview');
  });

  it('keeps the fetched JWKS: the next logins do not fetch it again', async () => {
    assert.equal((await login(await appToken())).status, 200);
    const fetches = jwksServer.fetches;
    for (let i = 0; i < 3; i++) assert.equal((await login(await appToken())).status, 200);
    assert.equal(jwksServer.fetches, fetches);
  });

  it('fetches the JWKS again after the config is rewritten (keys rotated by the operator)', async () => {
    const rotated = await TokenIssuer.create();
    const jwt = await appToken({}, rotated);
    assertErrorAnswer(await login(jwt), 403, /signature/);
    jwksServer.jwks = { keys: [...issuer.jwks().keys, ...rotated.jwks().keys] };
    await configure();
    const res = await login(jwt);
    assert.equal(res.status, 200, res.text);
  });

  describe('refuses with 403, and still without a TokenReview call', () => {
    after(() => {
      assert.equal(standIn.reviews.length, 0, 'no refusal may have asked the TokenReview API');
    });

    it('a token signed by another key', async () => {
      assertErrorAnswer(await login(await appToken({}, await TokenIssuer.create())), 403, /signature does not verify/);
    });

    it("a token signed by another key that claims the issuer's key id", async () => {
      const jwt = await appToken({ kid: issuer.kid }, await TokenIssuer.create());
      assertErrorAnswer(await login(jwt), 403, /signature does not verify/);
    });

    it('a token whose claims were altered after signing', async () => {
      const [header, , signature] = (await appToken()).split('.');
      const claims = { 'kubernetes.io': { namespace: 'shop', serviceaccount: { name: 'app', uid: 'forged' } }, iss: CLUSTER_ISSUER, aud: 'coffer', exp: Math.floor(Date.now() / 1000) + 600 };
      assertErrorAnswer(await login(`${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`), 403, /signature/);
    });

    it('an expired token', async () => {
      assertErrorAnswer(await login(await appToken({ expiresIn: -300 })), 403, /expired/);
    });

    it('a token for another audience', async () => {
      assertErrorAnswer(await login(await appToken({ audience: 'some-other-service' })), 403, /audience/);
    });

    it('a token from another issuer', async () => {
      assertErrorAnswer(await login(await appToken({ issuer: 'https://evil.example' })), 403, /issuer/);
    });

    it('an unsigned token ("alg": "none")', async () => {
      const now = Math.floor(Date.now() / 1000);
      const jwt = unsignedJwt({
        iss: CLUSTER_ISSUER,
        aud: 'coffer',
        sub: 'system:serviceaccount:shop:app',
        exp: now + 600,
        'kubernetes.io': { namespace: 'shop', serviceaccount: { name: 'app', uid: 'u' } },
      });
      assertErrorAnswer(await login(jwt), 403);
    });

    it('a token signed with HS256 using the public key as the secret (algorithm confusion)', async () => {
      const secret = new TextEncoder().encode(issuer.publicPem);
      const jwt = await new SignJWT({ 'kubernetes.io': { namespace: 'shop', serviceaccount: { name: 'app', uid: 'u' } } })
        .setProtectedHeader({ alg: 'HS256', kid: issuer.kid })
        .setIssuer(CLUSTER_ISSUER)
        .setAudience('coffer')
        .setExpirationTime('1h')
        .sign(secret);
      assertErrorAnswer(await login(jwt), 403, /algorithm/);
    });

    it('a token without an expiry', async () => {
      const jwt = await appToken({ expiresIn: null });
      assertErrorAnswer(await login(jwt), 403, /expiry|exp/);
    });

    it("a valid token of a service account the role does not bind", async () => {
      assertErrorAnswer(await login(await appToken({ namespace: 'dev' })), 403, /^namespace not authorized$/);
      assertErrorAnswer(await login(await appToken({ name: 'intruder' })), 403, /^service account name not authorized$/);
    });

    it('a token that names no service account', async () => {
      assertErrorAnswer(await login(await appToken({ claims: { 'kubernetes.io': {} } })), 403, /service account/);
    });
  });

  it('answers 502 when the JWKS cannot be fetched, and does not fall back to TokenReview', async () => {
    const gone = await JwksServer.start(issuer.jwks());
    const url = gone.url;
    await gone.stop();
    assertNoContent(await admin('POST', 'sys/auth/k8s-nojwks', { type: 'kubernetes' }), 'enable');
    assertNoContent(await admin('POST', 'auth/k8s-nojwks/role/app', { bound_service_account_names: '*', bound_service_account_namespaces: '*', audience: 'coffer' }), 'role');
    await configure({ jwks_url: url }, 'auth/k8s-nojwks');
    const before = standIn.reviews.length;
    const res = await login(await appToken(), 'app', 'auth/k8s-nojwks');
    assertErrorAnswer(res, 502, /^an upstream service failed$/);
    assert.ok(!res.text.includes(url), 'the JWKS URL stays in the log');
    assert.equal(standIn.reviews.length, before);
  });

  it('also accepts tokens signed by a pem_keys key when jwks_url is set', async () => {
    const second = await TokenIssuer.create();
    await configure({ pem_keys: [second.publicPem] });
    const res = await login(await appToken({}, second));
    assert.equal(res.status, 200, res.text);
    assert.equal(standIn.reviews.length, 0);
  });

  describe('pem_keys without jwks_url (Vault semantics: local signature check, then TokenReview)', () => {
    it('checks the signature and still asks TokenReview (TokenReview stand-in)', async () => {
      await configure({ jwks_url: '', pem_keys: [issuer.publicPem] });
      const uid = randomUUID();
      const jwt = await appToken({ uid });
      standIn.knows(jwt, { namespace: 'shop', name: 'app', uid, audiences: ['coffer'] });
      const before = standIn.reviews.length;
      const res = await login(jwt);
      assert.equal(res.status, 200, res.text);
      assert.equal(standIn.reviews.length, before + 1);
    });

    it('accepts a legacy Secret-based token without exp, naming its Secret in the metadata (TokenReview stand-in)', async () => {
      await configure({ jwks_url: '', pem_keys: [issuer.publicPem], issuer: '' });
      const written = await admin('POST', `${MOUNT}/role/legacy`, { bound_service_account_names: 'app', bound_service_account_namespaces: 'shop', token_policies: 'old' });
      assert.equal(written.status, 200, `a role without audience is written with a warning: ${written.text}`);
      const uid = randomUUID();
      const jwt = await signLegacy(issuer, { namespace: 'shop', name: 'app', uid, secretName: 'app-token-x7k2p' });
      standIn.knows(jwt, { namespace: 'shop', name: 'app', uid });
      const res = await login(jwt, 'legacy');
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.auth.metadata, {
        role: 'legacy',
        service_account_name: 'app',
        service_account_namespace: 'shop',
        service_account_uid: uid,
        service_account_secret_name: 'app-token-x7k2p',
      });
    });

    it('refuses a token signed by another key before any TokenReview (TokenReview stand-in)', async () => {
      await configure({ jwks_url: '', pem_keys: [issuer.publicPem] });
      const uid = randomUUID();
      const jwt = await appToken({ uid }, await TokenIssuer.create());
      standIn.knows(jwt, { namespace: 'shop', name: 'app', uid, audiences: ['coffer'] });
      const before = standIn.reviews.length;
      assertErrorAnswer(await login(jwt), 403, /signature/);
      assert.equal(standIn.reviews.length, before);
    });
  });
});
