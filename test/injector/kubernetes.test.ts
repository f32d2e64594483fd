import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { CofferClient } from '../../src/client/index.js';
import { TokenIssuer, TokenReviewStandIn } from '../auth/kubernetes/fixture.js';
import { runCli } from '../harness/cli.js';
import { poll } from '../harness/poll.js';
import { startServer, type TestServer } from '../harness/server.js';
import { TestCa } from '../tls/fixture.js';
import { container, https, loadReview, patchedPod, runContainer, startContainer, startInjector, type RunningInjector } from './fixture.js';
import { WebhookConfigStandIn } from './kube-api-stand-in.js';

// What needs the Kubernetes API: Coffer's Kubernetes auth (through the harness's TokenReview
// STAND-IN, as in the auth tests) for the injected agents and for the injector's own login, and
// the MutatingWebhookConfiguration whose caBundle the injector sets (a Kubernetes API STAND-IN for
// that one resource). Everything else is real: Coffer, the injector, the agents run as processes.

describe('coffer injector with Kubernetes auth (TokenReview and webhook-configuration stand-ins for the Kubernetes API)', () => {
  let server: TestServer;
  let root: CofferClient;
  let tokenReview: TokenReviewStandIn;
  let issuer: TokenIssuer;
  let dir: string;

  /** A service-account token the TokenReview stand-in considers live. */
  const serviceAccountToken = async (namespace: string, name: string) => {
    const uid = randomUUID();
    const jwt = await issuer.sign({ namespace, name, uid, audience: 'coffer' });
    tokenReview.knows(jwt, { namespace, name, uid, audiences: ['coffer'] });
    return jwt;
  };

  before(async () => {
    server = await startServer();
    root = new CofferClient({ address: server.address, token: server.rootToken, env: {} });
    dir = await mkdtemp(join(tmpdir(), 'coffer-injector-k8s-'));
    const reviewer = `reviewer-${randomUUID()}`;
    tokenReview = await TokenReviewStandIn.start({ reviewerToken: reviewer });
    issuer = await TokenIssuer.create();
    await root.auth.enable('kubernetes', { type: 'kubernetes' });
    await root.write('auth/kubernetes/config', { kubernetes_host: tokenReview.url, token_reviewer_jwt: reviewer, disable_local_ca_jwt: true });
    await root.write('sys/mounts/internal', { type: 'kv', options: { version: '2' } });
    await root.kv.put('internal/database/config', { username: 'orgchart', password: 'w1zard-s3cret' });
    await root.kv.put('internal/api', { key: 'ak-93f1' });
    await root.policy.write('internal-app', 'path "internal/data/*" { capabilities = ["read"] }');
    await root.write('auth/kubernetes/role/internal-app', {
      bound_service_account_names: ['internal-app'],
      bound_service_account_namespaces: ['shop'],
      audience: 'coffer',
      token_policies: ['internal-app'],
      token_ttl: '10m',
    });
  });
  after(async () => {
    await tokenReview?.stop();
    await server?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe("a vault-k8s-annotated pod's agents, run as processes", () => {
    let injector: RunningInjector;
    let pod: Pod;
    const podDir = () => join(dir, 'orgchart');

    before(async () => {
      injector = await startInjector({ args: [`-agent-address=${server.address}`] });
      const review = await loadReview('review-v1-vault-k8s-app.json');
      pod = patchedPod(review.request.object, await injector.respond(review));
      // The pod's projected service-account volume, as the kubelet fills it.
      await mkdir(join(podDir(), 'kube-api-access-h4k9p'), { recursive: true });
      await writeFile(join(podDir(), 'kube-api-access-h4k9p/token'), await serviceAccountToken('shop', 'internal-app'));
    });
    after(async () => injector?.stop());

    it('the init container logs in with the pod\'s service-account token and renders each file before the application starts', async () => {
      const run = await runContainer(container(pod, 'coffer-agent-init', 'initContainers'), podDir());
      assert.equal(run.code, 0, run.stderr);
      assert.equal(await readFile(join(podDir(), 'coffer-secrets/database-config.txt'), 'utf8'), 'postgresql://orgchart:w1zard-s3cret@postgres:5432/wizard');
      // vault-k8s's default template prints a KV v2 secret's data and metadata maps as Go prints maps.
      const [data, metadata, end] = (await readFile(join(podDir(), 'coffer-secrets/api-key'), 'utf8')).split('\n');
      assert.equal(data, 'data: map[key:ak-93f1]');
      assert.match(metadata!, /^metadata: map\[created_time:\S+ custom_metadata:<nil> deletion_time: destroyed:false version:1\]$/);
      assert.equal(end, '');
      const token = (await readFile(join(podDir(), 'coffer-agent-home/.vault-token'), 'utf8')).trim();
      const meta = (await root.tokens.lookup(token))!.data!.meta as Record<string, string>;
      assert.equal(meta.service_account_name, 'internal-app');
      await assert.rejects(readFile(join(podDir(), 'coffer-secrets/token')), { code: 'ENOENT' }, 'vault-k8s does not hand the token to the app unless asked');
    });

    it('the sidecar logs in on its own and keeps the files there', async () => {
      await rm(join(podDir(), 'coffer-secrets/database-config.txt'));
      const sidecar = await startContainer(container(pod, 'coffer-agent'), podDir());
      try {
        const text = await poll('the sidecar renders the file again', async () => readFile(join(podDir(), 'coffer-secrets/database-config.txt'), 'utf8').catch(() => undefined), { timeoutMs: 15_000 });
        assert.equal(text, 'postgresql://orgchart:w1zard-s3cret@postgres:5432/wizard');
      } finally {
        await sidecar.stop();
      }
      assert.equal(sidecar.child.exitCode, 0, sidecar.output());
    });
  });

  it('the injector logs in with its own service account (-auth-role) to mint wrapping tokens', async () => {
    await root.policy.write('payments-read', 'path "secret/data/payments/*" { capabilities = ["read"] }');
    await root.write('auth/token/roles/payments-token', { allowed_policies: ['payments-read'], orphan: true });
    await root.policy.write('coffer-injector', 'path "auth/token/create/payments-token" { capabilities = ["update"] }');
    await root.write('auth/kubernetes/role/coffer-injector', { bound_service_account_names: ['coffer-injector'], bound_service_account_namespaces: ['coffer'], audience: 'coffer', token_policies: ['coffer-injector'], token_ttl: '10m' });
    const ownToken = await serviceAccountToken('coffer', 'coffer-injector');
    const injector = await startInjector({
      args: ['-auth-path=auth/kubernetes', '-auth-role=coffer-injector'],
      env: { VAULT_ADDR: server.address },
      serviceAccount: { token: ownToken },
    });
    try {
      const review = await loadReview('review-v1beta1-wrapped-token.json');
      const response = await injector.respond(review);
      assert.equal(response.allowed, true, response.status?.message);
      const token = container(patchedPod(review.request.object, response), 'coffer-agent-init', 'initContainers').env!.find((e) => e.name === 'COFFER_WRAPPED_TOKEN')!.value!;
      assert.equal((await root.wrapping.lookup(token)).creation_path, 'auth/token/create/payments-token');
      assert.ok(tokenReview.reviews.some((r) => r.body.spec?.token === ownToken), 'the login went through TokenReview with its own token');
    } finally {
      await injector.stop();
    }
  });

  describe('TLS', () => {
    let ca: TestCa;
    before(() => {
      ca = new TestCa(dir, 'cluster-ca');
    });

    it('-tls-auto with -webhook-config: publishes its CA as every webhook\'s caBundle (retrying while the API fails), ready only after', async () => {
      const serving = ca.server('kube-apiserver');
      const bearer = `sa-${randomUUID()}`;
      const api = await WebhookConfigStandIn.start(serving, 'coffer-injector', ['strict.injector.coffer.io', 'injector.coffer.io'], bearer);
      api.failNext = 2;
      const injector = await startInjector({
        args: ['-webhook-config=coffer-injector'],
        env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port) },
        serviceAccount: { token: bearer, 'ca.crt': await readFile(ca.cert, 'utf8') },
      });
      try {
        const ready = await poll('ready once the caBundle is published', async () => ((await injector.get('/health/ready')).status === 200 ? true : undefined), { timeoutMs: 20_000 });
        assert.equal(ready, true);
        const bundle = Buffer.from(injector.ca).toString('base64');
        assert.deepEqual(api.config.webhooks.map((w) => w.clientConfig.caBundle), [bundle, bundle]);
        const patches = api.calls.filter((c) => c.method === 'PATCH');
        assert.equal(patches.at(-1)!.contentType, 'application/json-patch+json');
        assert.deepEqual((patches.at(-1)!.body as { op: string }[]).map((op) => op.op), ['test', 'add', 'test', 'add']);
        assert.ok(api.calls.length >= 4, 'two failed calls were retried');
        assert.match(injector.output(), /could not publish the caBundle; retrying/);
      } finally {
        await injector.stop();
        await api.stop();
      }
    });

    it('the generated certificate is a serverAuth certificate for -tls-hosts, signed by the published CA (checked with openssl)', async () => {
      const injector = await startInjector();
      try {
        const url = new URL(injector.url);
        const pem = await new Promise<string>((resolve, reject) => {
          const socket = connect({ host: url.hostname, port: Number(url.port), ca: injector.ca, servername: 'localhost' }, () => {
            const der = socket.getPeerCertificate().raw;
            socket.end();
            resolve(`-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`);
          });
          socket.on('error', reject);
        });
        await writeFile(join(dir, 'served.pem'), pem);
        await writeFile(join(dir, 'generated-ca.pem'), injector.ca);
        assert.match(execFileSync('openssl', ['verify', '-CAfile', join(dir, 'generated-ca.pem'), '-purpose', 'sslserver', join(dir, 'served.pem')], { encoding: 'utf8' }), /served\.pem: OK/);
        const text = execFileSync('openssl', ['x509', '-in', join(dir, 'served.pem'), '-noout', '-ext', 'subjectAltName,extendedKeyUsage'], { encoding: 'utf8' });
        assert.match(text, /DNS:localhost, IP Address:127\.0\.0\.1/);
        assert.match(text, /TLS Web Server Authentication/);
      } finally {
        await injector.stop();
      }
    });

    it('serves a given certificate (-tls-cert-file, -tls-key-file)', async () => {
      const files = ca.server('coffer-injector');
      const injector = await startInjector({ tls: { ...files, ca: ca.cert } });
      try {
        const ready = await https('GET', `${injector.url}/health/ready`, await readFile(ca.cert, 'utf8'));
        assert.equal(ready.status, 200);
      } finally {
        await injector.stop();
      }
    });

    it('-tls-client-ca: /mutate answers only a caller with a client certificate that CA signed; the probes stay open', async () => {
      const files = ca.client('kube-apiserver-webhook-client');
      const other = new TestCa(dir, 'someone-else');
      const stranger = other.client('stranger');
      const injector = await startInjector({ args: [`-tls-client-ca=${ca.cert}`] });
      try {
        const review = await loadReview('review-v1-nginx.json');
        const pem = async (f: { cert: string; key: string }) => ({ cert: await readFile(f.cert, 'utf8'), key: await readFile(f.key, 'utf8') });
        const anonymous = await https('POST', `${injector.url}/mutate`, injector.ca, review);
        assert.equal(anonymous.status, 403);
        assert.deepEqual(JSON.parse(anonymous.text), { errors: ['a client certificate signed by the -tls-client-ca is required'] });
        assert.equal((await https('POST', `${injector.url}/mutate`, injector.ca, review, await pem(stranger))).status, 403);
        const apiServer = await https('POST', `${injector.url}/mutate`, injector.ca, review, await pem(files));
        assert.equal(apiServer.status, 200);
        assert.equal((JSON.parse(apiServer.text) as { response: { allowed: boolean } }).response.allowed, true);
        assert.equal((await injector.get('/health/ready')).status, 200);
      } finally {
        await injector.stop();
      }
    });

    it('refuses flags that make no configuration, exit 1', async () => {
      const cases: [string[], RegExp][] = [
        [[], /needs either -tls-auto or both -tls-cert-file and -tls-key-file/],
        [['-tls-cert-file=/x'], /-tls-cert-file and -tls-key-file go together/],
        [['-webhook-config=coffer-injector', '-tls-cert-file=/x', '-tls-key-file=/y'], /needs either -tls-auto|needs -tls-auto/],
        [['-tls-auto', '-listen=8443'], /-listen must be host:port/],
        [['-tls-auto', '-log-level=loud'], /-log-level must be/],
        [['-tls-auto', '-wrapped-token-allow=payments'], /-wrapped-token-allow must be NAMESPACE=ROLE/],
      ];
      for (const [args, message] of cases) {
        const run = await runCli(['injector', ...args], { timeoutMs: 10_000 });
        assert.equal(run.code, 1, `${args.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, message);
      }
    });
  });
});
