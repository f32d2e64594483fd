import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { CofferClient } from '../../src/client/index.js';
import { poll } from '../harness/poll.js';
import { freePort } from '../harness/process.js';
import { metricSample } from '../harness/prometheus.js';
import { startServer, type TestServer } from '../harness/server.js';
import { container, loadReview, patchedPod, runContainer, startContainer, startInjector, withPod, type AdmissionReview, type RunningInjector } from './fixture.js';

// The seeds' flow, end to end against a real Coffer: the webhook, holding only a narrow token of
// its own, mints per pod a wrapping token for a token of the pod's role and patches it into the
// init container; that container, run here as a local process with the pod's command and
// environment (its memory volume a temp dir), unwraps it once into the real token and the
// rendered secret. Running the same pod spec again fails: the wrapping token is spent.

describe('coffer injector: wrapped-token mode against a real Coffer', () => {
  let server: TestServer;
  let root: CofferClient;
  let injector: RunningInjector;
  let injectorToken: string;
  let review: AdmissionReview;
  let dir: string;

  const serverMetric = async (name: string, labels: Record<string, string> = {}) => {
    const res = await fetch(`${server.address}/v1/sys/metrics?format=prometheus`, { headers: { 'X-Vault-Token': server.rootToken } });
    return metricSample(await res.text(), name, labels) ?? 0;
  };

  before(async () => {
    server = await startServer();
    root = new CofferClient({ address: server.address, token: server.rootToken, env: {} });
    dir = await mkdtemp(join(tmpdir(), 'coffer-injector-wrapped-'));
    await root.kv.put('secret/payments/config', { db_url: 'postgres://payments@db/payments', api_key: 'pk-51a7' });
    await root.policy.write('payments-read', 'path "secret/data/payments/*" { capabilities = ["read"] }');
    await root.write('auth/token/roles/payments-token', { allowed_policies: ['payments-read'], orphan: true, token_ttl: '1h' });
    // The injector may create tokens of this one role, and nothing else.
    await root.policy.write('coffer-injector', 'path "auth/token/create/payments-token" { capabilities = ["update"] }');
    injectorToken = (await root.tokens.create({ policies: ['coffer-injector'], ttl: '1h' }))!.auth!.client_token;
    injector = await startInjector({ args: [`-agent-address=${server.address}`], env: { VAULT_ADDR: server.address, VAULT_TOKEN: injectorToken } });
    review = await loadReview('review-v1beta1-wrapped-token.json');
  });
  after(async () => {
    await injector?.stop();
    await server?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('one pod', () => {
    let pod: Pod;
    let wrappingToken: string;

    before(async () => {
      const response = await injector.respond(review);
      assert.equal(response.allowed, true, response.status?.message);
      pod = patchedPod(review.request.object, response);
      wrappingToken = container(pod, 'coffer-agent-init', 'initContainers').env!.find((e) => e.name === 'COFFER_WRAPPED_TOKEN')!.value!;
    });

    it('patches a wrapping token for a token of the pod\'s role into the init container, and no sidecar (pre-populate-only)', async () => {
      assert.ok(wrappingToken);
      assert.deepEqual(pod.spec?.containers?.map((c) => c.name), ['payments']);
      const lookup = await root.wrapping.lookup(wrappingToken);
      assert.equal(lookup.creation_path, 'auth/token/create/payments-token');
      assert.equal(lookup.creation_ttl, 60, 'coffer.io/wrap-ttl: 60s');
      const accessor = pod.metadata?.annotations?.['coffer.io/wrapping-accessor'];
      assert.ok(accessor);
      const wrapping = (await root.tokens.lookupAccessor(accessor))!.data!;
      assert.deepEqual(wrapping.policies, ['response-wrapping'], 'the annotation names the wrapping token, not the pod token');
    });

    it('the init container, run with the pod\'s command and environment, unwraps once and writes the real token and the secret into the memory volume', async () => {
      const run = await runContainer(container(pod, 'coffer-agent-init', 'initContainers'), join(dir, 'first'));
      assert.equal(run.code, 0, run.stderr);
      const token = (await readFile(join(dir, 'first/coffer-secrets/token'), 'utf8')).trim();
      const config = JSON.parse(await readFile(join(dir, 'first/coffer-secrets/config.json'), 'utf8')) as Record<string, string>;
      assert.deepEqual(config, { db_url: 'postgres://payments@db/payments', api_key: 'pk-51a7' });
      const looked = (await root.tokens.lookup(token))!.data!;
      assert.deepEqual(looked.policies, ['default', 'payments-read']);
      assert.equal(looked.orphan, true);
      const meta = looked.meta as Record<string, string>;
      assert.deepEqual(meta, { pod: 'payments-6c8d9f7b5-*', namespace: 'payments', service_account: 'payments', issued_by: 'coffer-injector' });
      assert.equal((await stat(join(dir, 'first/coffer-secrets/token'))).mode & 0o777, 0o644);
      // The token is the one the agents' home volume holds too (the sink a sidecar would take over).
      assert.equal((await readFile(join(dir, 'first/coffer-agent-home/.vault-token'), 'utf8')).trim(), token);
    });

    it("replaying the same pod spec fails with 'already used', exit 1, and Coffer's metrics count it", async () => {
      const before = await serverMetric('coffer_wrapping_unwraps_failed_total', { reason: 'already_used' });
      const replay = await runContainer(container(pod, 'coffer-agent-init', 'initContainers'), join(dir, 'replay'));
      assert.equal(replay.code, 1);
      assert.match(replay.stderr, /coffer agent: unwrap failed: already used/);
      assert.equal(await serverMetric('coffer_wrapping_unwraps_failed_total', { reason: 'already_used' }), before + 1);
      await assert.rejects(readFile(join(dir, 'replay/coffer-secrets/token')), { code: 'ENOENT' });
    });

    it('a pod created again (a new pod) gets a fresh wrapping token', async () => {
      const again = await injector.respond(review);
      const next = container(patchedPod(review.request.object, again), 'coffer-agent-init', 'initContainers').env!.find((e) => e.name === 'COFFER_WRAPPED_TOKEN')!.value!;
      assert.notEqual(next, wrappingToken);
      assert.equal((await root.wrapping.lookup(next)).creation_path, 'auth/token/create/payments-token');
    });

    it("the injector's log names the wrapping accessor but never a token", () => {
      const log = injector.output();
      assert.match(log, /"injected"/);
      for (const secret of [wrappingToken, injectorToken]) assert.equal(log.includes(secret), false);
    });
  });

  it('with a sidecar: it takes over the token the init container unwrapped (from the agents\' home volume) and keeps the files there', async () => {
    const response = await injector.respond(withPod(review, { annotations: { 'coffer.io/agent-pre-populate-only': undefined } }));
    const pod = patchedPod(review.request.object, response);
    const sidecarAgent = container(pod, 'coffer-agent');
    assert.equal(sidecarAgent.env?.some((e) => e.name === 'COFFER_WRAPPED_TOKEN'), false, 'only the init container holds the wrapping token');
    const podDir = join(dir, 'with-sidecar');
    const init = await runContainer(container(pod, 'coffer-agent-init', 'initContainers'), podDir);
    assert.equal(init.code, 0, init.stderr);
    await rm(join(podDir, 'coffer-secrets/config.json'));
    const sidecar = await startContainer(sidecarAgent, podDir);
    try {
      const text = await poll('the sidecar renders the file again', () => readFile(join(podDir, 'coffer-secrets/config.json'), 'utf8').catch(() => undefined), { timeoutMs: 15_000 });
      assert.deepEqual(JSON.parse(text), { db_url: 'postgres://payments@db/payments', api_key: 'pk-51a7' });
    } finally {
      await sidecar.stop();
    }
    assert.equal(sidecar.child.exitCode, 0, sidecar.output());
  });

  it('coffer.io/wrap-ttl sets the wrapping token\'s TTL', async () => {
    const response = await injector.respond(withPod(review, { annotations: { 'coffer.io/wrap-ttl': '5m' } }));
    const token = container(patchedPod(review.request.object, response), 'coffer-agent-init', 'initContainers').env!.find((e) => e.name === 'COFFER_WRAPPED_TOKEN')!.value!;
    assert.equal((await root.wrapping.lookup(token)).creation_ttl, 300);
  });

  it('a dry run is answered with the same patch but mints nothing', async () => {
    const wrapsBefore = await serverMetric('coffer_wrapping_tokens_created_total');
    const response = await injector.respond(withPod(review, { dryRun: true }));
    assert.equal(response.allowed, true);
    const init = container(patchedPod(review.request.object, response), 'coffer-agent-init', 'initContainers');
    assert.equal(init.env!.find((e) => e.name === 'COFFER_WRAPPED_TOKEN')!.value, '');
    assert.equal(await serverMetric('coffer_wrapping_tokens_created_total'), wrapsBefore);
  });

  it('a pod the patch must refuse gets no wrapping token minted for it', async () => {
    const wrapsBefore = await serverMetric('coffer_wrapping_tokens_created_total');
    const response = await injector.respond(withPod(review, { pod: (p) => p.spec!.containers.push({ name: 'coffer-agent-init', image: 'mine' }) }));
    assert.equal(response.allowed, false);
    assert.equal(response.status?.code, 400);
    assert.equal(await serverMetric('coffer_wrapping_tokens_created_total'), wrapsBefore);
  });

  it("refuses a pod whose policies the injector's narrow token may not grant, with Coffer's reason", async () => {
    const response = await injector.respond(withPod(review, { annotations: { 'coffer.io/role': undefined, 'coffer.io/policies': 'payments-read' } }));
    assert.equal(response.allowed, false);
    assert.equal(response.status?.code, 500);
    assert.match(response.status!.message, /could not create a wrapping token for this pod \(Coffer answered 403: permission denied\)/);
    assert.match(response.status!.message, /refused rather than started without its secrets/);
    const metrics = (await injector.get('/metrics')).text;
    assert.equal(metricSample(metrics, 'coffer_injector_failures_total', { reason: 'coffer_refused' }), 1);
    assert.ok((metricSample(metrics, 'coffer_injector_wraps_issued_total') ?? 0) >= 3);
  });

  it('-wrapped-token-allow: a pod gets only the token roles listed for its namespace (403 otherwise), and coffer.io/policies alone is refused', async () => {
    const strict = await startInjector({ args: ['-wrapped-token-allow=payments=payments-token', '-wrapped-token-allow=*=shared-token'], env: { VAULT_ADDR: server.address, VAULT_TOKEN: injectorToken } });
    try {
      assert.equal((await strict.respond(review)).allowed, true, 'payments may have payments-token');
      const elsewhere = await strict.respond(withPod(review, { namespace: 'shop' }));
      assert.equal(elsewhere.allowed, false);
      assert.equal(elsewhere.status?.code, 403);
      assert.equal(elsewhere.status?.message, 'coffer injector: token role "payments-token" is not allowed for pods of namespace shop (-wrapped-token-allow)');
      const policies = await strict.respond(withPod(review, { annotations: { 'coffer.io/role': undefined, 'coffer.io/policies': 'payments-read' } }));
      assert.equal(policies.allowed, false);
      assert.match(policies.status!.message, /coffer\.io\/policies alone cannot be used/);
      assert.equal(metricSample((await strict.get('/metrics')).text, 'coffer_injector_failures_total', { reason: 'not_allowed' }), 2);
      assert.equal(metricSample((await strict.get('/metrics')).text, 'coffer_injector_wraps_issued_total'), 1, 'nothing was minted for the refused pods');
    } finally {
      await strict.stop();
    }
  });

  it('with Coffer down: a pod asking for a wrapped token is refused with a clear message; others are admitted (unchanged or injected)', async () => {
    const port = await freePort();
    const down = await startInjector({ env: { VAULT_ADDR: `http://127.0.0.1:${port}`, VAULT_TOKEN: injectorToken, VAULT_MAX_RETRIES: '0' } });
    try {
      const refused = await down.respond(review);
      assert.equal(refused.allowed, false);
      assert.equal(refused.status?.code, 500);
      assert.match(refused.status!.message, /could not create a wrapping token for this pod \(Coffer is unreachable: .*ECONNREFUSED/);
      const plain = await loadReview('review-v1-nginx.json');
      assert.deepEqual(await down.respond(plain), { uid: plain.request.uid, allowed: true });
      const app = await loadReview('review-v1-vault-k8s-app.json');
      const injected = await down.respond(app);
      assert.equal(injected.allowed, true);
      assert.ok(injected.patch, 'a kubernetes-auth pod needs no Coffer call to be injected');
      assert.equal(metricSample((await down.get('/metrics')).text, 'coffer_injector_failures_total', { reason: 'coffer_unavailable' }), 1);
    } finally {
      await down.stop();
    }
  });
});
