import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseAgentConfig } from '../../src/agent/config.js';
import { metricSample } from '../harness/prometheus.js';
import { agentConfigOf, container, loadReview, patchedPod, startInjector, withPod, type AdmissionReview, type RunningInjector } from './fixture.js';

// The webhook over real HTTPS (its own generated CA), fed the AdmissionReviews of
// test/fixtures/injector/ as the API server would send them. No Coffer is needed for
// kubernetes-auth pods: the injector only writes their agents' configuration.

describe('coffer injector: the admission webhook', () => {
  let injector: RunningInjector;
  let nginx: AdmissionReview;
  let app: AdmissionReview;
  let job: AdmissionReview;

  before(async () => {
    injector = await startInjector({ args: ['-agent-address=https://coffer.coffer.svc:8200', '-agent-image=registry.example.com/coffer:9.9.9'] });
    [nginx, app, job] = await Promise.all([loadReview('review-v1-nginx.json'), loadReview('review-v1-vault-k8s-app.json'), loadReview('review-v1-job.json')]);
  });
  after(async () => injector?.stop());

  describe('pods that did not ask', () => {
    it("admits the Kubernetes docs' nginx pod unchanged: allowed, no patch", async () => {
      const response = await injector.respond(nginx);
      assert.deepEqual(response, { uid: nginx.request.uid, allowed: true });
    });

    it('answers a v1beta1 review in v1beta1', async () => {
      const response = await injector.respond({ ...structuredClone(nginx), apiVersion: 'admission.k8s.io/v1beta1' });
      assert.equal(response.allowed, true);
      assert.equal(response.patch, undefined);
    });

    it('admits a pod with agent-inject "false" unchanged, and anything that is not a pod CREATE', async () => {
      assert.equal((await injector.respond(withPod(app, { annotations: { 'vault.hashicorp.com/agent-inject': 'false' } }))).patch, undefined);
      const update = structuredClone(app);
      update.request.operation = 'UPDATE';
      assert.deepEqual(await injector.respond(update), { uid: app.request.uid, allowed: true });
      const secret = structuredClone(app);
      secret.request.kind = { group: '', version: 'v1', kind: 'Secret' };
      assert.deepEqual(await injector.respond(secret), { uid: app.request.uid, allowed: true });
    });

    it("never injects into its own namespace, kube-system, kube-public, a pod labelled coffer.io/injector=skip, or a pod not Pending", async () => {
      for (const namespace of ['coffer', 'kube-system', 'kube-public']) {
        const response = await injector.respond(withPod(app, { namespace }));
        assert.deepEqual(response, { uid: app.request.uid, allowed: true }, namespace);
      }
      assert.equal((await injector.respond(withPod(app, { labels: { 'coffer.io/injector': 'skip' } }))).patch, undefined);
      assert.equal((await injector.respond(withPod(app, { pod: (p) => Object.assign(p, { status: { phase: 'Running' } }) }))).patch, undefined);
    });

    it('answers 400 in the errors shape for a body that is not an AdmissionReview, and for bad JSON', async () => {
      const notReview = await injector.review({ kind: 'Pod' });
      assert.equal(notReview.status, 400);
      assert.match((notReview.body.errors as string[])[0]!, /expected an AdmissionReview/);
      const broken = await injector.review('{"apiVersion":');
      assert.equal(broken.status, 400);
      assert.ok(Array.isArray(broken.body.errors));
    });
  });

  describe("kubernetes-auth mode (vault-k8s's)", () => {
    let pod: Pod;
    before(async () => {
      const response = await injector.respond(app);
      assert.equal(response.allowed, true);
      pod = patchedPod(app.request.object, response);
    });

    it('adds an init container and a sidecar running coffer agent from its configuration variable, with vault-k8s resources and a locked-down security context', () => {
      const init = container(pod, 'coffer-agent-init', 'initContainers');
      const sidecar = container(pod, 'coffer-agent');
      for (const agent of [init, sidecar]) {
        assert.equal(agent.image, 'registry.example.com/coffer:9.9.9');
        assert.deepEqual(agent.command, ['coffer', 'agent', '-config-env=COFFER_AGENT_CONFIG']);
        assert.deepEqual(agent.resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } });
        assert.deepEqual(agent.securityContext, { runAsUser: 100, runAsGroup: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        assert.equal(agent.env?.some((e) => e.name === 'COFFER_WRAPPED_TOKEN'), false, 'no wrapping token in kubernetes-auth mode');
      }
      assert.deepEqual(pod.spec?.containers?.map((c) => c.name), ['orgchart', 'coffer-agent'], 'the sidecar comes after the application');
    });

    it('shares an in-memory volume at /vault/secrets: written by the agents, read-only for the application', () => {
      assert.deepEqual(pod.spec?.volumes?.find((v) => v.name === 'coffer-secrets'), { name: 'coffer-secrets', emptyDir: { medium: 'Memory' } });
      assert.deepEqual(pod.spec?.volumes?.find((v) => v.name === 'coffer-agent-home'), { name: 'coffer-agent-home', emptyDir: { medium: 'Memory' } });
      const appMounts = container(pod, 'orgchart').volumeMounts!;
      assert.deepEqual(appMounts.find((m) => m.name === 'coffer-secrets'), { name: 'coffer-secrets', mountPath: '/vault/secrets', readOnly: true });
      assert.equal(appMounts.some((m) => m.name === 'coffer-agent-home'), false, "the agents' token sink is not the application's");
      const agentMounts = container(pod, 'coffer-agent-init', 'initContainers').volumeMounts!;
      assert.deepEqual(agentMounts.map((m) => m.mountPath).sort(), ['/home/coffer', '/var/run/secrets/kubernetes.io/serviceaccount', '/vault/secrets']);
      assert.equal(agentMounts.find((m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount')?.name, 'kube-api-access-h4k9p', "the pod's own service-account token");
    });

    it('configures Kubernetes auto-auth and one template per secret, in the form coffer agent reads', () => {
      const init = parseAgentConfig('init', agentConfigOf(container(pod, 'coffer-agent-init', 'initContainers')));
      const sidecar = parseAgentConfig('sidecar', agentConfigOf(container(pod, 'coffer-agent')));
      assert.equal(init.exitAfterAuth, true);
      assert.equal(sidecar.exitAfterAuth, false);
      for (const config of [init, sidecar]) {
        assert.equal(config.vault.address, 'https://coffer.coffer.svc:8200');
        assert.equal(config.autoAuth?.method.type, 'kubernetes');
        assert.equal(config.autoAuth?.method.mount, 'kubernetes');
        assert.deepEqual(config.autoAuth?.method.config, { role: 'internal-app', token_path: '/var/run/secrets/kubernetes.io/serviceaccount/token' });
        assert.deepEqual(config.autoAuth?.sinks.map((s) => s.path), ['/home/coffer/.vault-token']);
        assert.deepEqual(config.templates.map((t) => t.destination), ['/vault/secrets/api-key', '/vault/secrets/database-config.txt']);
        assert.equal(config.templateConfig.exitOnRetryFailure, true);
      }
      const [apiKey, database] = init.templates;
      assert.equal(database!.contents, app.request.object.metadata!.annotations!['vault.hashicorp.com/agent-inject-template-database-config.txt']);
      assert.equal(apiKey!.contents, '{{ with secret "internal/data/api" }}{{ range $k, $v := .Data }}{{ $k }}: {{ $v }}\n{{ end }}{{ end }}', "vault-k8s's default template");
    });

    it('marks the pod injected, and a re-invocation on the injected pod changes nothing', async () => {
      assert.equal(pod.metadata?.annotations?.['vault.hashicorp.com/agent-inject-status'], 'injected');
      const again = structuredClone(app);
      again.request.object = pod;
      assert.deepEqual(await injector.respond(again), { uid: app.request.uid, allowed: true });
    });

    it('leaves everything else in the pod as it was', () => {
      const original = app.request.object;
      assert.deepEqual(pod.spec?.tolerations, original.spec?.tolerations);
      assert.deepEqual(pod.metadata?.ownerReferences, original.metadata?.ownerReferences);
      assert.deepEqual(container(pod, 'orgchart').volumeMounts!.slice(0, 1), original.spec!.containers[0]!.volumeMounts);
      assert.equal(pod.spec?.serviceAccountName, 'internal-app');
    });
  });

  describe('annotations', () => {
    const inject = async (review: AdmissionReview) => {
      const response = await injector.respond(review);
      assert.equal(response.allowed, true, response.status?.message);
      return patchedPod(review.request.object, response);
    };

    it('agent-pre-populate-only: an init container and no sidecar; agent-pre-populate "false": a sidecar only', async () => {
      const only = await inject(withPod(app, { annotations: { 'vault.hashicorp.com/agent-pre-populate-only': 'true' } }));
      assert.deepEqual(only.spec?.containers?.map((c) => c.name), ['orgchart']);
      assert.deepEqual(only.spec?.initContainers?.map((c) => c.name), ['coffer-agent-init']);
      const noInit = await inject(withPod(app, { annotations: { 'vault.hashicorp.com/agent-pre-populate': 'false' } }));
      assert.equal(noInit.spec?.initContainers, undefined);
      assert.deepEqual(noInit.spec?.containers?.map((c) => c.name), ['orgchart', 'coffer-agent']);
    });

    it("a Job's pod with agent-native-sidecar: the sidecar is an init container with restartPolicy Always, after the init", async () => {
      const pod = await inject(job);
      assert.deepEqual(pod.spec?.initContainers?.map((c) => [c.name, c.restartPolicy]), [['coffer-agent-init', undefined], ['coffer-agent', 'Always']]);
      assert.deepEqual(pod.spec?.containers?.map((c) => c.name), ['report'], 'the Job completes when its one container does');
    });

    it('agent-inject-file, -perms, -command, secret-volume-path and preserve-secret-case shape each file', async () => {
      const pod = await inject(
        withPod(app, {
          annotations: {
            'vault.hashicorp.com/agent-inject-file-api-key': 'keys/api.env',
            'vault.hashicorp.com/agent-inject-perms-api-key': '0400',
            'vault.hashicorp.com/agent-inject-command-api-key': 'kill -HUP 1',
            'vault.hashicorp.com/secret-volume-path-database-config.txt': '/etc/orgchart',
            'vault.hashicorp.com/agent-inject-secret-TLS': 'pki/issue/web',
            'vault.hashicorp.com/preserve-secret-case-TLS': 'true',
          },
        }),
      );
      const config = parseAgentConfig('init', agentConfigOf(container(pod, 'coffer-agent-init', 'initContainers')));
      const byDestination = Object.fromEntries(config.templates.map((t) => [t.destination, t]));
      assert.deepEqual(Object.keys(byDestination).sort(), ['/etc/orgchart/database-config.txt', '/vault/secrets/TLS', '/vault/secrets/keys/api.env']);
      assert.equal(byDestination['/vault/secrets/keys/api.env']!.perms, 0o400);
      assert.deepEqual(byDestination['/vault/secrets/keys/api.env']!.command, ['/bin/sh', '-c', 'kill -HUP 1']);
      const appMounts = container(pod, 'orgchart').volumeMounts!.filter((m) => m.name === 'coffer-secrets').map((m) => m.mountPath);
      assert.deepEqual(appMounts, ['/vault/secrets', '/etc/orgchart'], 'the volume is mounted at every path a file goes to');
    });

    it('agent-limits-*, agent-requests-*, agent-run-as-user/-group, tls-skip-verify, ca-cert, namespace, service and auth-path reach the agents', async () => {
      const pod = await inject(
        withPod(app, {
          annotations: {
            'vault.hashicorp.com/agent-limits-cpu': '1',
            'vault.hashicorp.com/agent-limits-mem': '256Mi',
            'vault.hashicorp.com/agent-requests-mem': '32Mi',
            'vault.hashicorp.com/agent-limits-ephemeral': '100Mi',
            'vault.hashicorp.com/agent-run-as-user': '2000',
            'vault.hashicorp.com/agent-run-as-group': '3000',
            'vault.hashicorp.com/tls-skip-verify': 'true',
            'vault.hashicorp.com/ca-cert': '/vault/tls/ca.crt',
            'vault.hashicorp.com/tls-secret': 'coffer-ca',
            'vault.hashicorp.com/namespace': 'team-a',
            'vault.hashicorp.com/service': 'https://coffer.team-a.svc:8200',
            'vault.hashicorp.com/auth-path': 'auth/k8s-east',
          },
        }),
      );
      const sidecar = container(pod, 'coffer-agent');
      assert.deepEqual(sidecar.resources, { limits: { cpu: '1', memory: '256Mi', 'ephemeral-storage': '100Mi' }, requests: { cpu: '250m', memory: '32Mi' } });
      assert.equal(sidecar.securityContext?.runAsUser, 2000);
      assert.equal(sidecar.securityContext?.runAsGroup, 3000);
      assert.deepEqual(sidecar.volumeMounts?.find((m) => m.name === 'coffer-tls'), { name: 'coffer-tls', mountPath: '/vault/tls', readOnly: true });
      assert.deepEqual(pod.spec?.volumes?.find((v) => v.name === 'coffer-tls'), { name: 'coffer-tls', secret: { secretName: 'coffer-ca' } });
      const config = parseAgentConfig('sidecar', agentConfigOf(sidecar));
      assert.equal(config.vault.address, 'https://coffer.team-a.svc:8200');
      assert.equal(config.vault.tlsSkipVerify, true);
      assert.equal(config.vault.caCert, '/vault/tls/ca.crt');
      assert.equal(config.vault.namespace, 'team-a');
      assert.equal(config.autoAuth?.method.mount, 'k8s-east');
    });

    it('agent-init-first puts the init container before the pod\'s own, which then see the secrets; agent-inject-containers limits the mounts', async () => {
      const pod = await inject(
        withPod(app, {
          annotations: { 'vault.hashicorp.com/agent-init-first': 'true', 'vault.hashicorp.com/agent-inject-containers': 'orgchart' },
          pod: (p) => {
            p.spec!.initContainers = [{ name: 'migrate', image: 'registry.example.com/migrate:1' }];
            p.spec!.containers.push({ name: 'metrics', image: 'registry.example.com/exporter:1' });
          },
        }),
      );
      assert.deepEqual(pod.spec?.initContainers?.map((c) => c.name), ['coffer-agent-init', 'migrate']);
      assert.ok(container(pod, 'migrate', 'initContainers').volumeMounts?.some((m) => m.name === 'coffer-secrets'));
      assert.ok(container(pod, 'orgchart').volumeMounts?.some((m) => m.name === 'coffer-secrets'));
      assert.equal(container(pod, 'metrics').volumeMounts, undefined);
    });

    it('coffer.io/ annotations work as the vault.hashicorp.com/ ones do, and win when both are set', async () => {
      const review = withPod(app, {
        annotations: { 'vault.hashicorp.com/agent-inject': undefined, 'coffer.io/agent-inject': 'true', 'coffer.io/role': 'from-coffer-io' },
      });
      const pod = await inject(review);
      const config = parseAgentConfig('init', agentConfigOf(container(pod, 'coffer-agent-init', 'initContainers')));
      assert.equal((config.autoAuth?.method.config as { role: string }).role, 'from-coffer-io');
    });

    it('a template with no matching secret annotation is ignored, and the API server is told so in warnings', async () => {
      const response = await injector.respond(withPod(app, { annotations: { 'vault.hashicorp.com/agent-inject-template-orphan': '{{ "x" }}' } }));
      assert.equal(response.allowed, true);
      assert.deepEqual(response.warnings, ['agent-inject-template-orphan has no agent-inject-secret-orphan, so it was ignored']);
    });

    const refusals: [string, Record<string, string | undefined>, RegExp][] = [
      ['no role in kubernetes-auth mode', { 'vault.hashicorp.com/role': undefined }, /annotation role is required/],
      ['a mode that does not exist', { 'coffer.io/inject-mode': 'sideways' }, /inject-mode must be kubernetes-auth or wrapped-token/],
      ['perms that are not a file mode', { 'vault.hashicorp.com/agent-inject-perms-api-key': '999' }, /agent-inject-perms-api-key must be an octal file mode/],
      ['a file name that leaves the volume', { 'vault.hashicorp.com/agent-inject-file-api-key': '../../etc/passwd' }, /must be a file name inside \/vault\/secrets/],
      ['a limit that is not a quantity', { 'vault.hashicorp.com/agent-limits-cpu': 'lots' }, /agent-limits-cpu must be a Kubernetes quantity/],
      ['a user that is not a number', { 'vault.hashicorp.com/agent-run-as-user': 'root' }, /agent-run-as-user must be a whole number/],
      ['a wrap TTL that is not a duration', { 'coffer.io/inject-mode': 'wrapped-token', 'coffer.io/wrap-ttl': 'soon' }, /wrap-ttl must be a duration/],
    ];
    for (const [what, annotations, message] of refusals) {
      it(`refuses a pod with ${what} (400, the reason in the message), patching nothing`, async () => {
        const response = await injector.respond(withPod(app, { annotations }));
        assert.equal(response.allowed, false);
        assert.equal(response.patch, undefined);
        assert.equal(response.status?.code, 400);
        assert.match(response.status!.message, /^coffer injector: /);
        assert.match(response.status!.message, message);
      });
    }

    it("refuses a pod that already has a container or volume with the injector's names", async () => {
      const named = await injector.respond(withPod(app, { pod: (p) => p.spec!.containers.push({ name: 'coffer-agent', image: 'mine' }) }));
      assert.equal(named.allowed, false);
      assert.match(named.status!.message, /already has a container named coffer-agent/);
      const volume = await injector.respond(withPod(app, { pod: (p) => p.spec!.volumes!.push({ name: 'coffer-secrets', emptyDir: {} }) }));
      assert.match(volume.status!.message, /already has a volume named coffer-secrets/);
    });

    it('refuses a kubernetes-auth pod that mounts no service-account token, saying why', async () => {
      const review = withPod(app, {
        pod: (p) => {
          p.spec!.automountServiceAccountToken = false;
          p.spec!.volumes = [];
          p.spec!.containers[0]!.volumeMounts = [];
        },
      });
      const response = await injector.respond(review);
      assert.equal(response.allowed, false);
      assert.match(response.status!.message, /needs the pod's service-account token/);
    });
  });

  it('serves /health/ready, and /metrics counting reviews by outcome and refusals by reason', async () => {
    const ready = await injector.get('/health/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.text), { ready: true });
    const metrics = (await injector.get('/metrics')).text;
    assert.ok((metricSample(metrics, 'coffer_injector_admission_reviews_total', { outcome: 'mutated' }) ?? 0) >= 8);
    assert.ok((metricSample(metrics, 'coffer_injector_admission_reviews_total', { outcome: 'unchanged' }) ?? 0) >= 5);
    assert.ok((metricSample(metrics, 'coffer_injector_failures_total', { reason: 'bad_annotations' }) ?? 0) >= 10);
    assert.equal(metricSample(metrics, 'coffer_injector_failures_total', { reason: 'bad_request' }), 2);
    assert.ok((metricSample(metrics, 'coffer_injector_pods_mutated_total', { mode: 'kubernetes-auth' }) ?? 0) >= 8);
    assert.equal((await injector.get('/nothing')).status, 404);
  });
});
