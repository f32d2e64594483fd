import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TOTP } from 'otpauth';
import {
  appRoleAuth,
  CofferApiError,
  CofferClient,
  jwtAuth,
  kubernetesAuth,
  LoginNotRepeatable,
  tokenAuth,
  userpassAuth,
  wrappedTokenAuth,
  WrappingTokenError,
  type AuthSession,
  type Secret,
} from '../../../src/client/index.js';
import { AUDIENCE, claims } from '../../auth/jwt/fixture.js';
import { newKey, sign, type SigningKey } from '../../auth/jwt/idp.js';
import { CLUSTER_ISSUER, JwksServer, TokenIssuer, TokenReviewStandIn } from '../../auth/kubernetes/fixture.js';
import { authenticatorFor, enableTotp, uniquePassword, uniqueUser, writeUser, wrongCode } from '../../auth/userpass/fixture.js';
import { clockReaches } from '../../harness/poll.js';
import { startServer, type TestServer } from '../../harness/server.js';

// The SDK's login methods (src/client/auth/methods.ts) through `client.authenticate`, against a real
// `coffer server -dev` child process. Every login is held to the same promise: the session's token
// is the client's, it reads what its policy allows, and close({ revoke: true }) revokes it.

const POLICY = 'sdk-reader';
const SECRET = 'secret/data/sdk/greeting';
const GREETING = { hello: 'world' };
const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

const invalidWrappingToken = (err: unknown) => err instanceof WrappingTokenError && err.reason === 'invalid';
const wrongCreationPath = (path: string) => (err: unknown) => err instanceof WrappingTokenError && err.reason === 'creation_path' && err.creationPath === path;

describe('SDK login methods against coffer server -dev', () => {
  let server: TestServer;
  let root: CofferClient;

  /** A client with no token and nothing read from this process's environment. */
  const anonymous = () => new CofferClient({ address: server.address, env: {} });

  /** The session's token is the client's, reads the policy's secret, and is revoked when the session closes with revoke. */
  async function assertUsableThenRevoked(client: CofferClient, session: AuthSession): Promise<void> {
    const token = session.auth.client_token;
    assert.ok(token, 'the session has a token');
    assert.equal(client.token, token, "the client sends the session's token");
    const read = await client.read(SECRET);
    assert.deepEqual(read?.data?.data, GREETING);
    await session.close({ revoke: true });
    await assert.rejects(root.tokens.lookup(token), (err: unknown) => err instanceof CofferApiError && err.status === 403, 'root cannot look up a revoked token');
  }

  before(async () => {
    server = await startServer();
    root = new CofferClient({ address: server.address, token: server.rootToken, env: {} });
    await root.policy.write(POLICY, 'path "secret/data/sdk/*" {\n  capabilities = ["read"]\n}\n');
    await root.write(SECRET, { data: GREETING });
  });
  after(async () => {
    await root?.close();
    await server?.destroy();
  });

  describe('tokenAuth', () => {
    it('answers the TTL and renewability lookup-self reports, and the token reads what its policy allows', async () => {
      const created = await root.tokens.create({ policies: [POLICY], ttl: '1h' });
      const client = anonymous();
      const session = await client.authenticate(tokenAuth(created!.auth!.client_token));
      assert.equal(session.auth.accessor, created!.auth!.accessor);
      assert.equal(session.auth.renewable, true);
      assert.ok(session.auth.lease_duration > 3500 && session.auth.lease_duration <= 3600, `TTL ${session.auth.lease_duration}`);
      assert.ok(session.auth.policies?.includes(POLICY), `policies ${session.auth.policies}`);
      await assertUsableThenRevoked(client, session);
    });

    it('reports a non-renewable token as such, and cannot log in again with a token given by value', async () => {
      const created = await root.tokens.create({ policies: [POLICY], ttl: '10m', renewable: false });
      const client = anonymous();
      const session = await client.authenticate(tokenAuth(created!.auth!.client_token));
      assert.equal(session.auth.renewable, false);
      assert.equal(await session.reauthenticate(), false);
      assert.ok(session.lastError instanceof LoginNotRepeatable, String(session.lastError));
      await assertUsableThenRevoked(client, session);
    });
  });

  describe('appRoleAuth', () => {
    /** A fresh role granting the test policy for 10 minutes; answers its role id. */
    async function newRole(): Promise<{ role: string; roleId: string }> {
      const role = unique('web');
      await root.write(`auth/approle/role/${role}`, { token_ttl: '10m', token_max_ttl: '30m', token_policies: [POLICY] });
      const answer = await root.read(`auth/approle/role/${role}/role-id`);
      return { role, roleId: answer!.data!.role_id as string };
    }
    const newSecretId = async (role: string) => (await root.write(`auth/approle/role/${role}/secret-id`, {}))!.data!.secret_id as string;
    const wrappedSecretId = async (role: string) => {
      const answer = await root.request<Secret>('POST', `auth/approle/role/${role}/secret-id`, { wrapTTL: '60s' });
      assert.equal(answer?.data, null, 'a wrapped answer holds no secret id');
      assert.equal(answer?.wrap_info?.creation_path, `auth/approle/role/${role}/secret-id`);
      return answer!.wrap_info!.token;
    };

    before(async () => {
      await root.auth.enable('approle', { type: 'approle' });
    });

    it("logs in with a role id and a secret id: the token has the role's TTL and policy", async () => {
      const { role, roleId } = await newRole();
      const client = anonymous();
      const session = await client.authenticate(appRoleAuth({ roleId, secretId: await newSecretId(role) }));
      assert.equal(session.auth.lease_duration, 600);
      assert.equal(session.auth.renewable, true);
      assert.deepEqual(session.auth.token_policies, ['default', POLICY]);
      await assertUsableThenRevoked(client, session);
    });

    it('unwraps a wrapped secret id once, logs in, and logs in again with the secret id it kept', async () => {
      const { role, roleId } = await newRole();
      const wrapping = await wrappedSecretId(role);
      const client = anonymous();
      const session = await client.authenticate(appRoleAuth({ roleId, wrappedSecretId: wrapping }));
      await assert.rejects(root.wrapping.lookup(wrapping), invalidWrappingToken, 'the wrapping token is used up');
      const first = session.token;
      assert.equal(await session.reauthenticate(), true, String(session.lastError));
      assert.notEqual(session.token, first, 'the second login made a new token');
      await assertUsableThenRevoked(client, session);
    });

    it('logs in again when its token is revoked behind its back, and the refused read then succeeds', async () => {
      const { role, roleId } = await newRole();
      const client = anonymous();
      const session = await client.authenticate(appRoleAuth({ roleId, secretId: await newSecretId(role) }));
      const revoked = session.token;
      await root.tokens.revoke(revoked);
      const read = await client.read(SECRET);
      assert.deepEqual(read?.data?.data, GREETING);
      assert.notEqual(session.token, revoked, 'a new login replaced the revoked token');
      await assertUsableThenRevoked(client, session);
    });

    it('refuses a wrapping token made at another path (sys/wrapping/wrap) and leaves it unused', async () => {
      const { role, roleId } = await newRole();
      const swapped = await root.wrapping.wrapData({ secret_id: await newSecretId(role) }, '60s');
      const client = anonymous();
      await assert.rejects(client.authenticate(appRoleAuth({ roleId, wrappedSecretId: swapped.token })), wrongCreationPath('sys/wrapping/wrap'));
      assert.equal(client.token, undefined, 'a refused login sets no token');
      assert.equal((await root.wrapping.lookup(swapped.token)).creation_path, 'sys/wrapping/wrap', 'the token is left for whoever investigates');
    });

    it('refuses a wrapped secret id that someone already unwrapped (reason invalid)', async () => {
      const { role, roleId } = await newRole();
      const wrapping = await wrappedSecretId(role);
      await root.unwrap(wrapping);
      const client = anonymous();
      await assert.rejects(client.authenticate(appRoleAuth({ roleId, wrappedSecretId: wrapping })), invalidWrappingToken);
      assert.equal(client.token, undefined);
    });
  });

  describe('kubernetesAuth, with a stand-in TokenReview API (no cluster runs here)', () => {
    const reviewer = `reviewer-${randomBytes(8).toString('hex')}`;
    let standIn: TokenReviewStandIn;
    let issuer: TokenIssuer;
    let dir: string;

    /** A service-account token for shop/app that the stand-in knows as live. */
    async function liveToken(): Promise<{ jwt: string; uid: string }> {
      const uid = randomUUID();
      const jwt = await issuer.sign({ namespace: 'shop', name: 'app', uid, audience: ['coffer'] });
      standIn.knows(jwt, { namespace: 'shop', name: 'app', uid, audiences: ['coffer'] });
      return { jwt, uid };
    }

    before(async () => {
      standIn = await TokenReviewStandIn.start({ reviewerToken: reviewer });
      issuer = await TokenIssuer.create();
      dir = await mkdtemp(join(tmpdir(), 'coffer-sdk-k8s-'));
      await root.auth.enable('kubernetes', { type: 'kubernetes' });
      await root.write('auth/kubernetes/config', { kubernetes_host: standIn.url, token_reviewer_jwt: reviewer, disable_local_ca_jwt: true });
      await root.write('auth/kubernetes/role/app', {
        bound_service_account_names: ['app'],
        bound_service_account_namespaces: ['shop'],
        audience: 'coffer',
        token_policies: [POLICY],
        token_ttl: '20m',
      });
    });
    after(async () => {
      await standIn?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('reads the token file at each login: after the file is rewritten, the next login presents the new token', async () => {
      const tokenPath = join(dir, unique('token'));
      const first = await liveToken();
      await writeFile(tokenPath, `${first.jwt}\n`); // a trailing newline, as files often have
      const client = anonymous();
      const session = await client.authenticate(kubernetesAuth({ role: 'app', tokenPath }));
      assert.equal(standIn.reviews.at(-1)?.body.spec?.token, first.jwt);
      assert.equal(session.auth.metadata?.service_account_uid, first.uid);
      assert.equal(session.auth.lease_duration, 1200);

      const rotated = await liveToken();
      await writeFile(tokenPath, rotated.jwt);
      assert.equal(await session.reauthenticate(), true, String(session.lastError));
      assert.equal(standIn.reviews.at(-1)?.body.spec?.token, rotated.jwt);
      assert.equal(session.auth.metadata?.service_account_uid, rotated.uid);
      await assertUsableThenRevoked(client, session);
    });

    it('fails the login, setting no token, when the token file is missing', async () => {
      const client = anonymous();
      await assert.rejects(client.authenticate(kubernetesAuth({ role: 'app', tokenPath: join(dir, 'absent') })), /ENOENT/);
      assert.equal(client.token, undefined);
    });

    it('logs in at another mount in offline mode (jwks_url served by the test; no TokenReview is sent)', async () => {
      const mount = unique('k8s-offline');
      const jwks = await JwksServer.start(issuer.jwks());
      try {
        await root.auth.enable(mount, { type: 'kubernetes' });
        await root.write(`auth/${mount}/config`, { kubernetes_host: standIn.url, token_reviewer_jwt: reviewer, disable_local_ca_jwt: true, jwks_url: jwks.url, issuer: CLUSTER_ISSUER });
        await root.write(`auth/${mount}/role/app`, { bound_service_account_names: ['app'], bound_service_account_namespaces: ['shop'], audience: 'coffer', token_policies: [POLICY] });
        const tokenPath = join(dir, unique('token'));
        await writeFile(tokenPath, await issuer.sign({ namespace: 'shop', name: 'app', audience: 'coffer' }));
        const reviewsBefore = standIn.reviews.length;
        const client = anonymous();
        const session = await client.authenticate(kubernetesAuth({ role: 'app', tokenPath, mount }));
        assert.equal(standIn.reviews.length, reviewsBefore, 'no TokenReview in offline mode');
        assert.ok(jwks.fetches > 0, 'the JWKS was fetched');
        await assertUsableThenRevoked(client, session);
      } finally {
        await jwks.stop();
      }
    });
  });

  describe('jwtAuth, against jwt_validation_pubkeys', () => {
    const issuerUrl = 'https://idp.example.test';
    let key: SigningKey;

    before(async () => {
      key = await newKey('RS256');
      await root.auth.enable('jwt', { type: 'jwt' });
      await root.write('auth/jwt/config', { jwt_validation_pubkeys: [key.publicPem], bound_issuer: issuerUrl });
      await root.write('auth/jwt/role/app', { role_type: 'jwt', bound_audiences: [AUDIENCE], token_policies: [POLICY], token_ttl: '10m' });
    });

    it('asks the function for a fresh JWT at each login', async () => {
      const issued: string[] = [];
      const jwt = async () => {
        const token = await sign(key, claims({ iss: issuerUrl, jti: randomUUID() }));
        issued.push(token);
        return token;
      };
      const client = anonymous();
      const session = await client.authenticate(jwtAuth({ role: 'app', jwt }));
      assert.equal(session.auth.lease_duration, 600);
      const first = session.token;
      assert.equal(await session.reauthenticate(), true, String(session.lastError));
      assert.equal(issued.length, 2, 'one JWT per login');
      assert.notEqual(issued[0], issued[1]);
      assert.notEqual(session.token, first);
      await assertUsableThenRevoked(client, session);
    });

    it("refuses a JWT the mount's keys did not sign, with the server's error, and sets no token", async () => {
      const stranger = await newKey('RS256');
      const client = anonymous();
      await assert.rejects(client.authenticate(jwtAuth({ role: 'app', jwt: await sign(stranger, claims({ iss: issuerUrl })) })), (err: unknown) => err instanceof CofferApiError && err.status === 400);
      assert.equal(client.token, undefined);
    });
  });

  describe('userpassAuth with a TOTP second factor', () => {
    /** A user with the test policy and TOTP on, with a 2 s period so that waiting for the next step is short. */
    async function mfaUser(): Promise<{ username: string; password: string; app: TOTP }> {
      const username = uniqueUser('sdk');
      const password = uniquePassword();
      await writeUser(server.address, server.rootToken, username, { password, token_policies: [POLICY], token_ttl: '15m' });
      return { username, password, app: authenticatorFor(await enableTotp(server.address, server.rootToken, username, { period: 2 })) };
    }

    before(async () => {
      await root.auth.enable('userpass', { type: 'userpass' });
    });

    it('logs in with the password and the current code, and asks for a new code at the next login', async () => {
      const { username, password, app } = await mfaUser();
      const codes: { code: string; at: number }[] = [];
      const totp = () => {
        const at = Date.now();
        const code = app.generate({ timestamp: at });
        codes.push({ code, at });
        return code;
      };
      const client = anonymous();
      const session = await client.authenticate(userpassAuth({ username, password, totp }));
      assert.equal(session.auth.lease_duration, 900);
      // A time step's code is accepted once: the next login needs the next step.
      const step = TOTP.counter({ period: app.period, timestamp: codes[0]!.at });
      await clockReaches((step + 1) * app.period * 1000, 'the next TOTP step');
      assert.equal(await session.reauthenticate(), true, String(session.lastError));
      assert.equal(codes.length, 2, 'one code per login');
      await assertUsableThenRevoked(client, session);
    });

    it("refuses a wrong code with the server's error and sets no token", async () => {
      const { username, password, app } = await mfaUser();
      const client = anonymous();
      await assert.rejects(client.authenticate(userpassAuth({ username, password, totp: () => wrongCode(app) })), CofferApiError);
      assert.equal(client.token, undefined);
    });
  });

  describe('wrappedTokenAuth (secret zero)', () => {
    const wrappedToken = async () => {
      const answer = await root.tokens.create({ policies: [POLICY], ttl: '10m' }, { wrapTTL: '60s' });
      assert.equal(answer?.auth, null, 'a wrapped token create shows no token');
      assert.equal(answer?.wrap_info?.creation_path, 'auth/token/create');
      return answer!.wrap_info!;
    };

    it('logs a client holding only the wrapping token in: the token inside reads what its policy allows', async () => {
      const wrap = await wrappedToken();
      const client = anonymous();
      const session = await client.authenticate(wrappedTokenAuth({ wrappingToken: wrap.token }));
      assert.equal(session.auth.accessor, wrap.wrapped_accessor);
      assert.equal(session.auth.lease_duration, 600);
      assert.equal(await session.reauthenticate(), false, 'a wrapped token cannot log in again');
      assert.ok(session.lastError instanceof LoginNotRepeatable, String(session.lastError));
      await assertUsableThenRevoked(client, session);
    });

    it('is used up by the login: a second client with the same wrapping token is refused (reason invalid)', async () => {
      const wrap = await wrappedToken();
      const first = anonymous();
      const session = await first.authenticate(wrappedTokenAuth({ wrappingToken: wrap.token }));
      const second = anonymous();
      await assert.rejects(second.authenticate(wrappedTokenAuth({ wrappingToken: wrap.token })), invalidWrappingToken);
      assert.equal(second.token, undefined);
      await session.close({ revoke: true });
    });

    it('refuses a wrapping token made by sys/wrapping/wrap (reason creation_path) and leaves it unused', async () => {
      const created = await root.tokens.create({ policies: [POLICY], ttl: '10m' });
      const swapped = await root.wrapping.wrapData({ token: created!.auth!.client_token }, '60s');
      const client = anonymous();
      await assert.rejects(client.authenticate(wrappedTokenAuth({ wrappingToken: swapped.token })), wrongCreationPath('sys/wrapping/wrap'));
      assert.equal(client.token, undefined);
      assert.equal((await root.wrapping.lookup(swapped.token)).creation_path, 'sys/wrapping/wrap');
      await root.tokens.revoke(created!.auth!.client_token);
    });
  });
});
