import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import nodeVault from 'node-vault';
import { assertErrorAnswer } from '../../harness/errors.js';
import { startInProcessServer, type InProcessServer } from '../../harness/in-process.js';
import { assertNoContent, closingApi } from '../../sys/fixture.js';
import { expectWrapped, type Envelope } from '../../wrapping/fixture.js';
import { API_AUDIENCE, TokenIssuer, TokenReviewStandIn, type LoginAuth, type ServiceAccountSpec } from './fixture.js';

// Login through the TokenReview API (Vault: POST /auth/kubernetes/login), against a TokenReview
// STAND-IN (see fixture.ts): no real Kubernetes API server can run here.

const MOUNT = 'auth/kubernetes';
const REVIEWER = `reviewer-${randomBytes(8).toString('hex')}`;

describe('kubernetes auth: login through TokenReview (TokenReview stand-in)', () => {
  let server: InProcessServer;
  let root: string;
  let standIn: TokenReviewStandIn;
  let issuer: TokenIssuer;

  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, extra: { token?: string; headers?: Record<string, string>; localAddress?: string } = {}) =>
    closingApi<T>(server.address, method, path, { ...(body === undefined ? {} : { body }), ...extra });
  const admin = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => call<T>(method, path, body, { token: root });
  const login = (role: string, jwt: string, extra: { headers?: Record<string, string>; localAddress?: string } = {}) =>
    call<{ auth: LoginAuth; errors?: string[] }>('POST', `${MOUNT}/login`, { role, jwt }, extra);

  async function configure(overrides: Record<string, unknown> = {}): Promise<void> {
    assertNoContent(
      await admin('POST', `${MOUNT}/config`, { kubernetes_host: standIn.url, token_reviewer_jwt: REVIEWER, disable_local_ca_jwt: true, ...overrides }),
      'config write',
    );
  }
  async function writeRole(name: string, role: Record<string, unknown>): Promise<void> {
    const res = await admin('POST', `${MOUNT}/role/${name}`, { audience: 'coffer', ...role });
    assert.ok(res.status === 204 || res.status === 200, `role ${name}: ${res.status} ${res.text}`);
  }
  /** A token the stand-in knows as a live service-account token. */
  async function liveToken(sa: ServiceAccountSpec): Promise<{ jwt: string; uid: string }> {
    const uid = sa.uid ?? randomUUID();
    const audiences = sa.audience === undefined ? ['coffer'] : [sa.audience].flat();
    const jwt = await issuer.sign({ audience: audiences, ...sa, uid });
    standIn.knows(jwt, { namespace: sa.namespace, name: sa.name, uid, audiences });
    return { jwt, uid };
  }

  before(async () => {
    server = await startInProcessServer(`root-${randomUUID()}`);
    root = server.rootToken!;
    standIn = await TokenReviewStandIn.start({ reviewerToken: REVIEWER });
    issuer = await TokenIssuer.create();
    assertNoContent(await admin('POST', 'sys/auth/kubernetes', { type: 'kubernetes' }), 'enable kubernetes auth');
    await writeRole('app', { bound_service_account_names: ['app'], bound_service_account_namespaces: ['shop'], token_policies: ['shop-read', 'shop-write'], token_ttl: '20m' });
  });
  beforeEach(async () => {
    standIn.behaviour = 'review';
    await configure();
  });
  after(async () => {
    await standIn?.stop();
    await server?.destroy();
  });

  describe('an allowed service account', () => {
    it("logs in and gets a token with the role's policies, TTL and service-account metadata", async () => {
      const { jwt, uid } = await liveToken({ namespace: 'shop', name: 'app' });
      const res = await login('app', jwt);
      assert.equal(res.status, 200, res.text);
      const auth = res.body.auth;
      assert.deepEqual(auth.token_policies, ['default', 'shop-read', 'shop-write']);
      assert.equal(auth.lease_duration, 1200);
      assert.deepEqual(auth.metadata, { role: 'app', service_account_name: 'app', service_account_namespace: 'shop', service_account_uid: uid });
      const self = await call<{ data: { policies: string[]; display_name: string } }>('GET', 'auth/token/lookup-self', undefined, { token: auth.client_token });
      assert.equal(self.status, 200, self.text);
      assert.deepEqual(self.body.data.policies, ['default', 'shop-read', 'shop-write']);
      assert.equal(self.body.data.display_name, 'kubernetes-shop-app');
    });

    it('is known to identity by an alias named after its UID, carrying its metadata', async () => {
      const { jwt, uid } = await liveToken({ namespace: 'shop', name: 'app' });
      const res = await login('app', jwt);
      assert.equal(res.status, 200, res.text);
      const aliases = server.core.identity.aliasesOf(res.body.auth.entity_id);
      assert.equal(aliases.length, 1);
      assert.equal(aliases[0]!.name, uid);
      assert.deepEqual(aliases[0]!.metadata, { service_account_name: 'app', service_account_namespace: 'shop', service_account_uid: uid });
    });

    it('gets the same entity on its next login with a new token (same UID)', async () => {
      const uid = randomUUID();
      const first = await login('app', (await liveToken({ namespace: 'shop', name: 'app', uid })).jwt);
      const second = await login('app', (await liveToken({ namespace: 'shop', name: 'app', uid, pod: 'app-other-pod' })).jwt);
      assert.equal(first.status, 200, first.text);
      assert.equal(second.status, 200, second.text);
      assert.equal(second.body.auth.entity_id, first.body.auth.entity_id);
    });

    it('with alias_name_source serviceaccount_name, is known as "<namespace>/<name>"', async () => {
      await writeRole('by-name', { bound_service_account_names: 'app', bound_service_account_namespaces: 'shop', alias_name_source: 'serviceaccount_name' });
      const res = await login('by-name', (await liveToken({ namespace: 'shop', name: 'app' })).jwt);
      assert.equal(res.status, 200, res.text);
      assert.equal(server.core.identity.aliasesOf(res.body.auth.entity_id)[0]!.name, 'shop/app');
    });

    it('is reviewed with a TokenReview for its JWT, the reviewer bearer token and the role audience', async () => {
      const { jwt } = await liveToken({ namespace: 'shop', name: 'app' });
      const before = standIn.reviews.length;
      assert.equal((await login('app', jwt)).status, 200);
      assert.equal(standIn.reviews.length, before + 1);
      const review = standIn.reviews.at(-1)!;
      assert.equal(review.authorization, `Bearer ${REVIEWER}`);
      assert.deepEqual(review.body, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: jwt, audiences: ['coffer'] } });
    });

    it('without a configured token_reviewer_jwt, its own JWT is the bearer token of the review', async () => {
      await configure({ token_reviewer_jwt: '' });
      const { jwt } = await liveToken({ namespace: 'shop', name: 'app' });
      const res = await login('app', jwt);
      assert.equal(res.status, 200, res.text);
      assert.equal(standIn.reviews.at(-1)!.authorization, `Bearer ${jwt}`);
    });

    it('logs in through node-vault (kubernetesLogin), which then uses the token it got', async () => {
      const { jwt } = await liveToken({ namespace: 'shop', name: 'app' });
      const client = nodeVault({ apiVersion: 'v1', endpoint: server.address });
      // node-vault 0.12 renders its default kubernetesPath from the call's arguments, not the client's, so name the mount.
      const answer = (await client.kubernetesLogin({ role: 'app', jwt, mount_point: 'kubernetes' })) as { auth: LoginAuth };
      assert.deepEqual(answer.auth.token_policies, ['default', 'shop-read', 'shop-write']);
      assert.equal(client.token, answer.auth.client_token);
      const self = (await client.tokenLookupSelf()) as { data: { meta: Record<string, string> } };
      assert.equal(self.data.meta.service_account_name, 'app');
    });

    it('logs in wrapped with X-Vault-Wrap-TTL; unwrapping gives the auth block once', async () => {
      const { jwt } = await liveToken({ namespace: 'shop', name: 'app' });
      const wrapped = await call<Envelope>('POST', `${MOUNT}/login`, { role: 'app', jwt }, { headers: { 'X-Vault-Wrap-TTL': '2m' } });
      const wrap = expectWrapped(wrapped, 'wrapped login');
      assert.equal(wrap.ttl, 120);
      assert.equal(wrap.creation_path, `${MOUNT}/login`);
      assert.ok(wrap.wrapped_accessor !== '', `a wrapped login names the token's accessor: ${wrapped.text}`);
      const unwrapped = await call<Envelope & { auth: LoginAuth }>('POST', 'sys/wrapping/unwrap', undefined, { token: wrap.token });
      assert.equal(unwrapped.status, 200, unwrapped.text);
      assert.equal(unwrapped.body.auth.accessor, wrap.wrapped_accessor);
      assert.deepEqual(unwrapped.body.auth.token_policies, ['default', 'shop-read', 'shop-write']);
      const self = await call('GET', 'auth/token/lookup-self', undefined, { token: unwrapped.body.auth.client_token });
      assert.equal(self.status, 200, self.text);
      assert.equal((await call('POST', 'sys/wrapping/unwrap', undefined, { token: wrap.token })).status, 400, 'a second unwrap fails');
    });
  });

  describe('role bindings with globs', () => {
    before(async () => {
      await writeRole('globbed', { bound_service_account_names: ['worker-*', 'api'], bound_service_account_namespaces: ['prod-*', '*-staging'], token_policies: 'jobs' });
      await writeRole('anyone', { bound_service_account_names: '*', bound_service_account_namespaces: '*', token_policies: 'any' });
    });

    for (const [namespace, name] of [['prod-eu', 'worker-7'], ['prod-us', 'api'], ['eu-staging', 'worker-batch']] as const) {
      it(`accept ${namespace}/${name} for names [worker-*, api] in namespaces [prod-*, *-staging]`, async () => {
        const res = await login('globbed', (await liveToken({ namespace, name })).jwt);
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.body.auth.token_policies, ['default', 'jobs']);
      });
    }

    it('refuse a name no glob matches with 403 "service account name not authorized", without asking the API server', async () => {
      const { jwt } = await liveToken({ namespace: 'prod-eu', name: 'payments' });
      const before = standIn.reviews.length;
      assertErrorAnswer(await login('globbed', jwt), 403, /^service account name not authorized$/);
      assert.equal(standIn.reviews.length, before);
    });

    it('refuse a glob matching only part of the name ("worker-*" against "my-worker-1") with 403', async () => {
      assertErrorAnswer(await login('globbed', (await liveToken({ namespace: 'prod-eu', name: 'my-worker-1' })).jwt), 403, /service account name not authorized/);
    });

    it('refuse a namespace no glob matches with 403 "namespace not authorized"', async () => {
      assertErrorAnswer(await login('globbed', (await liveToken({ namespace: 'dev', name: 'api' })).jwt), 403, /^namespace not authorized$/);
    });

    it('"*" accepts any service account in any namespace', async () => {
      const res = await login('anyone', (await liveToken({ namespace: `ns-${randomUUID()}`, name: 'whoever' })).jwt);
      assert.equal(res.status, 200, res.text);
    });
  });

  describe('refusals', () => {
    it('a token the API server says is not authenticated (deleted service account) gets 403', async () => {
      const { jwt } = await liveToken({ namespace: 'shop', name: 'app' });
      standIn.revoke(jwt);
      assertErrorAnswer(await login('app', jwt), 403, /token review: .*invalidated/);
    });

    it('a token signed by a key the cluster does not know gets 403', async () => {
      const stranger = await TokenIssuer.create();
      const jwt = await stranger.sign({ namespace: 'shop', name: 'app', audience: 'coffer' });
      assertErrorAnswer(await login('app', jwt), 403, /token review/);
    });

    it('a reviewer token the API server refuses (401) gets 403 naming the reviewer credentials', async () => {
      await configure({ token_reviewer_jwt: 'not-the-reviewer' });
      assertErrorAnswer(await login('app', (await liveToken({ namespace: 'shop', name: 'app' })).jwt), 403, /reviewer credentials \(HTTP 401\)/);
    });

    it('a review that vouches for another service account than the JWT claims gets 403', async () => {
      const jwt = await issuer.sign({ namespace: 'shop', name: 'app', audience: 'coffer' });
      standIn.knows(jwt, { namespace: 'shop', name: 'intruder', uid: randomUUID(), audiences: ['coffer'] });
      assertErrorAnswer(await login('app', jwt), 403, /names did not match/);
    });

    it('a review that tells another UID than the JWT claims gets 403', async () => {
      const jwt = await issuer.sign({ namespace: 'shop', name: 'app', audience: 'coffer', uid: randomUUID() });
      standIn.knows(jwt, { namespace: 'shop', name: 'app', uid: randomUUID(), audiences: ['coffer'] });
      assertErrorAnswer(await login('app', jwt), 403, /UIDs did not match/);
    });

    it('an expired JWT gets 403 without a review', async () => {
      const { jwt } = await liveToken({ namespace: 'shop', name: 'app', expiresIn: -600 });
      const before = standIn.reviews.length;
      assertErrorAnswer(await login('app', jwt), 403, /expired/);
      assert.equal(standIn.reviews.length, before);
    });

    it("a JWT without the role's audience gets 403 without a review", async () => {
      const { jwt } = await liveToken({ namespace: 'shop', name: 'app', audience: API_AUDIENCE });
      const before = standIn.reviews.length;
      assertErrorAnswer(await login('app', jwt), 403, /audience/);
      assert.equal(standIn.reviews.length, before);
    });

    it('with issuer validation on, a JWT from another issuer gets 403', async () => {
      await configure({ disable_iss_validation: false, issuer: 'https://issuer.other.example' });
      assertErrorAnswer(await login('app', (await liveToken({ namespace: 'shop', name: 'app' })).jwt), 403, /issuer/);
    });

    it('an unsigned ("alg": "none") JWT gets 403', async () => {
      const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ 'kubernetes.io': { namespace: 'shop', serviceaccount: { name: 'app', uid: 'u' } } })).toString('base64url')}.`;
      assertErrorAnswer(await login('app', none), 403, /algorithm/);
    });

    it('a login from outside the role token_bound_cidrs gets 403; from inside it succeeds', async () => {
      await writeRole('bound', { bound_service_account_names: 'app', bound_service_account_namespaces: 'shop', token_bound_cidrs: ['127.0.0.2/32'] });
      assertErrorAnswer(await login('bound', (await liveToken({ namespace: 'shop', name: 'app' })).jwt, { localAddress: '127.0.0.1' }), 403);
      const res = await login('bound', (await liveToken({ namespace: 'shop', name: 'app' })).jwt, { localAddress: '127.0.0.2' });
      assert.equal(res.status, 200, res.text);
    });

    it('a login without role or jwt gets 400, and an unknown role 400 "invalid role name"', async () => {
      const { jwt } = await liveToken({ namespace: 'shop', name: 'app' });
      assertErrorAnswer(await call('POST', `${MOUNT}/login`, { jwt }), 400, /missing role/);
      assertErrorAnswer(await call('POST', `${MOUNT}/login`, { role: 'app' }), 400, /missing jwt/);
      assertErrorAnswer(await login('no-such-role', jwt), 400, /invalid role name "no-such-role"/);
      assertErrorAnswer(await login('../config', jwt), 400, /invalid role name/);
    });

    it('a garbage JWT gets 403', async () => {
      assertErrorAnswer(await login('app', 'not.a.jwt'), 403, /could not parse the JWT/);
    });
  });

  describe('when the API server misbehaves', () => {
    it('a stand-in that is down gives 502, naming neither its address nor the socket error', async () => {
      const down = await TokenReviewStandIn.start({ reviewerToken: REVIEWER });
      const url = down.url;
      await down.stop();
      await configure({ kubernetes_host: url });
      const res = await login('app', (await liveToken({ namespace: 'shop', name: 'app' })).jwt);
      assertErrorAnswer(res, 502, /^an upstream service failed$/);
      assert.ok(!res.text.includes('127.0.0.1') && !res.text.includes('ECONNREFUSED'), res.text);
    });

    it('a stand-in answering HTTP 500 gives 502 without its answer', async () => {
      standIn.behaviour = 'error-500';
      const res = await login('app', (await liveToken({ namespace: 'shop', name: 'app' })).jwt);
      assertErrorAnswer(res, 502, /^an upstream service failed$/);
      assert.ok(!res.text.includes('etcdserver') && !res.text.includes('HTTP 500'), res.text);
    });

    it('a stand-in that never answers gives 502 after the timeout (COFFER_KUBERNETES_HTTP_TIMEOUT_MS)', async () => {
      process.env.COFFER_KUBERNETES_HTTP_TIMEOUT_MS = '300';
      try {
        standIn.behaviour = 'hang';
        const started = Date.now();
        assertErrorAnswer(await login('app', (await liveToken({ namespace: 'shop', name: 'app' })).jwt), 502, /^an upstream service failed$/);
        assert.ok(Date.now() - started < 5_000, 'the login must not wait for the default timeout');
      } finally {
        delete process.env.COFFER_KUBERNETES_HTTP_TIMEOUT_MS;
      }
    });

    it('the server keeps serving logins after those failures', async () => {
      const res = await login('app', (await liveToken({ namespace: 'shop', name: 'app' })).jwt);
      assert.equal(res.status, 200, res.text);
    });

    it('a mount without config answers 500 "could not load backend configuration"', async () => {
      assertNoContent(await admin('POST', 'sys/auth/k8s-unconfigured', { type: 'kubernetes' }), 'enable');
      assertNoContent(await admin('POST', 'auth/k8s-unconfigured/role/app', { bound_service_account_names: '*', bound_service_account_namespaces: '*', audience: 'coffer' }), 'role');
      const res = await call('POST', 'auth/k8s-unconfigured/login', { role: 'app', jwt: (await liveToken({ namespace: 'shop', name: 'app' })).jwt });
      assertErrorAnswer(res, 500, /could not load backend configuration/);
    });
  });

  describe('over https with kubernetes_ca_cert (TokenReview stand-in with a test CA)', () => {
    let tlsStandIn: TokenReviewStandIn;
    let caCert: string;
    let dir: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'coffer-k8s-ca-'));
      const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=coffer-test-cluster-ca');
      run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
      writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
      run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'san.ext');
      caCert = readFileSync(join(dir, 'ca.crt'), 'utf8');
      tlsStandIn = await TokenReviewStandIn.start({
        reviewerToken: REVIEWER,
        tls: { key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.crt'), 'utf8') },
      });
    });
    after(async () => {
      await tlsStandIn?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('trusts the API server certificate signed by kubernetes_ca_cert', async () => {
      await configure({ kubernetes_host: tlsStandIn.url, kubernetes_ca_cert: caCert });
      const jwt = await issuer.sign({ namespace: 'shop', name: 'app', audience: 'coffer', uid: 'tls-uid' });
      tlsStandIn.knows(jwt, { namespace: 'shop', name: 'app', uid: 'tls-uid', audiences: ['coffer'] });
      const res = await login('app', jwt);
      assert.equal(res.status, 200, res.text);
      assert.equal(tlsStandIn.reviews.length, 1);
    });

    it('refuses an API server certificate it cannot verify (no kubernetes_ca_cert) with 502', async () => {
      await configure({ kubernetes_host: tlsStandIn.url });
      const jwt = await issuer.sign({ namespace: 'shop', name: 'app', audience: 'coffer', uid: 'tls-uid-2' });
      tlsStandIn.knows(jwt, { namespace: 'shop', name: 'app', uid: 'tls-uid-2', audiences: ['coffer'] });
      const before = tlsStandIn.reviews.length;
      assertErrorAnswer(await login('app', jwt), 502, /^an upstream service failed$/);
      assert.equal(tlsStandIn.reviews.length, before, 'no review may be sent over an unverified connection');
    });
  });
});
