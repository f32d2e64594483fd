import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { MutatingWebhookConfiguration } from 'kubernetes-types/admissionregistration/v1.js';
import type { ConfigMap, Container, PodSpec, Service } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import type { ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import { ACL } from '../../src/core/policy/acl.js';
import { parsePolicy } from '../../src/core/policy/parse.js';
import { parseConfig, type ServerConfig } from '../../src/server/config.js';
import { REPO_ROOT, startServer } from '../harness/server.js';
import {
  describeManifest,
  isNamespaced,
  loadManifests,
  parseManifests,
  selects,
  unknownFieldProblems,
  validateSchema,
  type KubernetesObject,
  type Manifest,
} from './kubernetes-manifests.js';

const DEPLOY = 'deploy/kubernetes';
const manifests = loadManifests(DEPLOY);
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const ofKind = <T>(kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => ({ m, doc: m.doc as T }));
const dirOf = (m: Manifest) => m.file.slice(0, m.file.lastIndexOf('/'));
const named = (kind: string, namespace: string | undefined, name: string | undefined) =>
  manifests.filter((m) => m.doc.kind === kind && m.doc.metadata?.namespace === namespace && m.doc.metadata?.name === name);

/** The pod template of every Deployment and StatefulSet. */
const workloads = [...ofKind<Deployment>('Deployment'), ...ofKind<StatefulSet>('StatefulSet')].map(({ m, doc }) => ({
  m,
  name: doc.metadata!.name!,
  namespace: doc.metadata!.namespace!,
  spec: doc.spec!,
  podLabels: doc.spec!.template.metadata?.labels ?? {},
  pod: doc.spec!.template.spec!,
}));
const workload = (name: string, dir: string) => {
  const found = workloads.find((w) => w.name === name && dirOf(w.m) === dir);
  assert.ok(found, `no workload ${name} in ${dir}`);
  return found;
};
const containerOf = (pod: PodSpec, image: RegExp): Container => {
  const found = pod.containers.find((c) => image.test(c.image ?? ''));
  assert.ok(found, `no container with image ${image}`);
  return found;
};
const isCoffer = (c: Container) => c.image?.startsWith('coffer:') ?? false;

/** A container port, by number or by name. */
const containerPort = (pod: PodSpec, port: number | string | undefined) =>
  pod.containers.flatMap((c) => c.ports ?? []).find((p) => p.containerPort === port || (p.name !== undefined && p.name === port));

const sample = (yaml: string) => parseManifests('sample.yaml', yaml);
const SAMPLE_DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sample
spec:
  selector:
    matchLabels: { app: sample }
  template:
    metadata:
      labels: { app: sample }
    spec:
      containers:
        - name: app
          image: busybox:1.36
          ports:
            - containerPort: 80
`;

function schemaProblems(docs: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const m of docs) {
    try {
      validateSchema(m);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return problems;
}

describe('the Kubernetes manifests under deploy/kubernetes', () => {
  it('are there: namespace, HA server on etcd, SQLite server, injector, examples', () => {
    const files = new Set(manifests.map(dirOf));
    assert.deepEqual([...files].sort(), [DEPLOY, `${DEPLOY}/examples`, `${DEPLOY}/injector`, `${DEPLOY}/server`, `${DEPLOY}/server-sqlite`]);
    assert.ok(manifests.length > 20, `only ${manifests.length} documents`);
  });

  it("each validate against their kind's Kubernetes schema (kubernetes-models)", () => {
    assert.deepEqual(schemaProblems(manifests), []);
  });

  it('have no field their kind does not have, and no value of the wrong type (kubernetes-types, strict tsc)', () => {
    assert.deepEqual(unknownFieldProblems(manifests), []);
  });

  it('label every object and pod with app.kubernetes.io/name and component, and put Coffer in namespace coffer', () => {
    const namespaces = new Set(ofKind<KubernetesObject>('Namespace').map(({ doc }) => doc.metadata!.name));
    for (const m of manifests) {
      const labels = m.doc.metadata?.labels ?? {};
      assert.ok(labels['app.kubernetes.io/name'] && labels['app.kubernetes.io/component'], `${describeManifest(m)} lacks the app.kubernetes.io labels`);
      if (!isNamespaced(m.doc)) {
        assert.equal(m.doc.metadata?.namespace, undefined, `${describeManifest(m)} is cluster-scoped`);
        continue;
      }
      const namespace = m.doc.metadata?.namespace;
      assert.ok(namespace && namespaces.has(namespace), `${describeManifest(m)}: namespace ${namespace} is not among the manifests`);
      if (!m.file.startsWith(`${DEPLOY}/examples/`)) assert.equal(namespace, 'coffer', describeManifest(m));
    }
    for (const w of workloads) {
      assert.ok(w.podLabels['app.kubernetes.io/name'] && w.podLabels['app.kubernetes.io/component'], `${describeManifest(w.m)}: pod labels`);
    }
  });

  it('define no object twice within one directory (one kubectl apply -f)', () => {
    const seen = new Map<string, Manifest>();
    for (const m of manifests) {
      const key = `${dirOf(m)} ${m.doc.apiVersion} ${m.doc.kind} ${m.doc.metadata?.namespace} ${m.doc.metadata?.name}`;
      const first = seen.get(key);
      assert.equal(first, undefined, `${describeManifest(m)} repeats ${first && describeManifest(first)}`);
      seen.set(key, m);
    }
  });

  it('run every pod as non-root, every container without privilege escalation, capabilities or a writable root, and with resources', () => {
    for (const w of workloads) {
      assert.equal(w.pod.securityContext?.runAsNonRoot, true, `${describeManifest(w.m)}: runAsNonRoot`);
      assert.equal(typeof w.pod.securityContext?.runAsUser, 'number', `${describeManifest(w.m)}: a numeric user, which runAsNonRoot can check`);
      for (const c of w.pod.containers) {
        const where = `${describeManifest(w.m)} container ${c.name}`;
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false, where);
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, where);
        assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], where);
        assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory && c.resources.limits?.memory, `${where}: resources`);
      }
    }
  });

  it('run every Coffer container as coffer:<package version>', () => {
    const images = workloads.flatMap((w) => w.pod.containers).filter(isCoffer).map((c) => c.image);
    assert.ok(images.length >= 3);
    for (const image of images) assert.equal(image, `coffer:${VERSION}`);
  });
});

describe('the schema checks can fail', () => {
  it('both refuse a misspelled required field (contianers)', () => {
    const bad = sample(SAMPLE_DEPLOYMENT.replace('containers:', 'contianers:'));
    assert.match(schemaProblems(bad).join('\n'), /must have required property containers/);
    assert.match(unknownFieldProblems(bad).join('\n'), /'"contianers"' does not exist in type 'PodSpec'/);
  });

  it('both refuse a port given as a string (containerPort: "80")', () => {
    const bad = sample(SAMPLE_DEPLOYMENT.replace('containerPort: 80', 'containerPort: "80"'));
    assert.match(schemaProblems(bad).join('\n'), /containerPort must be integer/);
    assert.match(unknownFieldProblems(bad).join('\n'), /Type 'string' is not assignable to type 'number'/);
  });

  it('need the type check for a misspelled optional field (serviceAcountName), which the schema lets through', () => {
    const bad = sample(SAMPLE_DEPLOYMENT.replace('containers:', 'serviceAcountName: app\n      containers:'));
    assert.deepEqual(schemaProblems(bad), []);
    assert.match(unknownFieldProblems(bad).join('\n'), /sample\.yaml document 1 \(Deployment sample\): .*'"serviceAcountName"' does not exist in type 'PodSpec'/);
  });

  it('accept the sample as written, and refuse a kind they have no schema for', () => {
    assert.deepEqual(schemaProblems(sample(SAMPLE_DEPLOYMENT)), []);
    assert.deepEqual(unknownFieldProblems(sample(SAMPLE_DEPLOYMENT)), []);
    const cronJob = sample('apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: x\n');
    assert.match(schemaProblems(cronJob).join('\n'), /no schema for apiVersion batch\/v1 kind CronJob/);
    assert.throws(() => unknownFieldProblems(cronJob), /no schema for apiVersion batch\/v1 kind CronJob/);
  });
});

describe('the manifests fit together', () => {
  it("select each workload's own pod template with its selector", () => {
    for (const w of workloads) assert.ok(selects(w.spec.selector, w.podLabels), `${describeManifest(w.m)}: selector does not match its pods`);
  });

  it('give every Service pods to route to, on ports those pods expose', () => {
    for (const { m, doc } of ofKind<Service>('Service')) {
      const backends = workloads.filter((w) => w.namespace === doc.metadata!.namespace && dirOf(w.m) === dirOf(m) && selects({ matchLabels: doc.spec!.selector }, w.podLabels));
      assert.equal(backends.length, 1, `${describeManifest(m)} selects ${backends.length} workloads`);
      for (const port of doc.spec!.ports!) {
        assert.ok(containerPort(backends[0]!.pod, port.targetPort ?? port.port), `${describeManifest(m)}: port ${port.port} → ${port.targetPort} is not a port of ${backends[0]!.name}`);
      }
    }
  });

  it('name, for each StatefulSet, a headless Service of its directory that selects its pods', () => {
    for (const { m, doc } of ofKind<StatefulSet>('StatefulSet')) {
      const services = named('Service', doc.metadata!.namespace, doc.spec!.serviceName).filter((s) => dirOf(s) === dirOf(m));
      assert.equal(services.length, 1, `${describeManifest(m)}: serviceName ${doc.spec!.serviceName}`);
      const service = services[0]!.doc as Service;
      assert.equal(service.spec!.clusterIP, 'None', `${describeManifest(services[0]!)} is not headless`);
      assert.ok(selects({ matchLabels: service.spec!.selector }, doc.spec!.template.metadata?.labels));
    }
  });

  it('create the ServiceAccounts that pods run as and bindings name, and bind only ClusterRoles that exist', () => {
    for (const w of workloads) {
      if (w.pod.serviceAccountName === undefined) continue;
      assert.ok(named('ServiceAccount', w.namespace, w.pod.serviceAccountName).length > 0, `${describeManifest(w.m)}: no ServiceAccount ${w.pod.serviceAccountName}`);
    }
    for (const { m, doc } of ofKind<ClusterRoleBinding>('ClusterRoleBinding')) {
      for (const subject of doc.subjects ?? []) {
        assert.equal(subject.kind, 'ServiceAccount', describeManifest(m));
        assert.ok(named('ServiceAccount', subject.namespace, subject.name).length > 0, `${describeManifest(m)}: no ServiceAccount ${subject.namespace}/${subject.name}`);
      }
      const builtIn = doc.roleRef.name.startsWith('system:');
      assert.ok(builtIn || named('ClusterRole', undefined, doc.roleRef.name).length > 0, `${describeManifest(m)}: no ClusterRole ${doc.roleRef.name}`);
    }
    const delegator = ofKind<ClusterRoleBinding>('ClusterRoleBinding').find(({ doc }) => doc.roleRef.name === 'system:auth-delegator');
    assert.deepEqual(delegator?.doc.subjects, [{ kind: 'ServiceAccount', name: 'coffer', namespace: 'coffer' }]);
    for (const dir of [`${DEPLOY}/server`, `${DEPLOY}/server-sqlite`]) assert.equal(workload('coffer', dir).pod.serviceAccountName, 'coffer');
  });
});

describe('the etcd cluster of the HA server', () => {
  const found = workload('etcd', `${DEPLOY}/server`);
  const etcd = { ...found, spec: (found.m.doc as StatefulSet).spec! };
  const args = containerOf(etcd.pod, /\/etcd:/).args ?? [];
  const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const peer = (pod: string) => `http://${pod}.${etcd.spec.serviceName}.${etcd.namespace}.svc:${containerPort(etcd.pod, 'peer')!.containerPort}`;

  it('lists every replica, at its own DNS name, in --initial-cluster, and has each member advertise that name', () => {
    const members = Array.from({ length: etcd.spec.replicas! }, (_, i) => `${etcd.name}-${i}`);
    assert.equal(flag('initial-cluster'), members.map((pod) => `${pod}=${peer(pod)}`).join(','));
    assert.equal(flag('name'), '$(POD_NAME)');
    assert.equal(flag('initial-advertise-peer-urls'), peer('$(POD_NAME)'));
    assert.equal(flag('advertise-client-urls'), `http://$(POD_NAME).${etcd.spec.serviceName}.${etcd.namespace}.svc:${containerPort(etcd.pod, 'client')!.containerPort}`);
    assert.equal(etcd.spec.podManagementPolicy, 'Parallel', 'a lone first member never becomes ready');
  });

  it("lets Coffer's server pods reach the client port and the members reach each other, through its NetworkPolicy", () => {
    const [policy] = ofKind<NetworkPolicy>('NetworkPolicy').filter(({ m }) => dirOf(m) === dirOf(etcd.m));
    assert.ok(policy && selects(policy.doc.spec!.podSelector, etcd.podLabels));
    const coffer = workload('coffer', `${DEPLOY}/server`);
    const admits = (labels: Record<string, string>, port: number) =>
      (policy.doc.spec!.ingress ?? []).some((rule) => (rule.from ?? []).some((peer) => selects(peer.podSelector, labels)) && (rule.ports ?? []).some((p) => p.port === port));
    assert.ok(admits(coffer.podLabels, 2379), 'coffer → etcd client port');
    assert.ok(!admits(coffer.podLabels, 2380), 'coffer → etcd peer port');
    assert.ok(admits(etcd.podLabels, 2380), 'etcd → etcd peer port');
    assert.ok(!admits({ app: 'other' }, 2379), 'another pod → etcd client port');
  });
});

describe('the injector webhook', () => {
  const injector = workload('coffer-injector', `${DEPLOY}/injector`);
  const [config, ...others] = ofKind<MutatingWebhookConfiguration>('MutatingWebhookConfiguration');
  const webhooks = config!.doc.webhooks!;

  it('is one MutatingWebhookConfiguration, named as -webhook-config says, with the two webhooks', () => {
    assert.equal(others.length, 0);
    assert.equal(config!.doc.metadata!.name, 'coffer-injector');
    assert.ok(injector.pod.containers[0]!.args!.includes(`-webhook-config=${config!.doc.metadata!.name}`));
    assert.deepEqual(webhooks.map((w) => [w.name, w.failurePolicy]), [['strict.injector.coffer.io', 'Fail'], ['injector.coffer.io', 'Ignore']]);
  });

  it('calls a Service of the manifests, in its namespace, on one of its ports, and leaves caBundle for -tls-auto to fill', () => {
    for (const webhook of webhooks) {
      const target = webhook.clientConfig.service!;
      assert.equal(webhook.clientConfig.caBundle, undefined, `${webhook.name}: caBundle is the injector's to write`);
      const services = named('Service', target.namespace, target.name);
      assert.equal(services.length, 1, `${webhook.name}: no Service ${target.namespace}/${target.name}`);
      const service = services[0]!.doc as Service;
      assert.ok(service.spec!.ports!.some((p) => p.port === (target.port ?? 443)), `${webhook.name}: Service ${target.name} has no port ${target.port}`);
      assert.ok(selects({ matchLabels: service.spec!.selector }, injector.podLabels), `${webhook.name}: Service ${target.name} does not route to the injector`);
      // The name the API server connects to must be one the serving certificate is made for.
      const hosts = injector.pod.containers[0]!.args!.find((a) => a.startsWith('-tls-hosts='))!.slice('-tls-hosts='.length).split(',');
      assert.ok(hosts.includes(`${target.name}.${target.namespace}.svc`), `${webhook.name}: -tls-hosts lacks ${target.name}.${target.namespace}.svc`);
    }
  });

  it("runs the injector's pods labelled coffer.io/injector: skip", () => {
    assert.equal(injector.podLabels['coffer.io/injector'], 'skip');
  });

  it('sends a pod labelled coffer.io/inject=true to the fail-closed webhook only, any other pod to the fail-open one only, and never its own pods', () => {
    const namespaceLabels = (name: string) => {
      const ns = named('Namespace', undefined, name)[0]?.doc;
      // The API server labels every namespace with its name.
      return { ...(ns?.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': name };
    };
    const route = (namespace: string, labels: Record<string, string>) =>
      webhooks.filter((w) => selects(w.namespaceSelector, namespaceLabels(namespace)) && selects(w.objectSelector, labels)).map((w) => w.failurePolicy);
    for (const w of workloads) {
      const routed = route(w.namespace, w.podLabels);
      if (w.namespace === 'coffer') assert.deepEqual(routed, [], `${describeManifest(w.m)} would be sent to the injector`);
      else assert.deepEqual(routed, [w.podLabels['coffer.io/inject'] === 'true' ? 'Fail' : 'Ignore'], describeManifest(w.m));
    }
    assert.deepEqual(route('app', {}), ['Ignore'], 'a pod without labels must never be blocked by an injector outage');
    assert.deepEqual(route('app', { 'coffer.io/inject': 'true' }), ['Fail']);
    assert.deepEqual(route('app', { 'coffer.io/inject': 'false' }), ['Ignore']);
    assert.deepEqual(route('app', { 'coffer.io/injector': 'skip' }), []);
    for (const namespace of ['kube-system', 'kube-public', 'coffer']) assert.deepEqual(route(namespace, { 'coffer.io/inject': 'true' }), [], namespace);
    assert.equal(workload('app-wrapped-token', `${DEPLOY}/examples`).podLabels['coffer.io/inject'], 'true');
  });

  it("talks to Coffer through the coffer Service's address and port", () => {
    const env = injector.pod.containers[0]!.env!;
    const address = new URL(env.find((e) => e.name === 'VAULT_ADDR')!.value!);
    const [name, namespace, svc] = address.hostname.split('.');
    assert.equal(svc, 'svc');
    const services = named('Service', namespace, name);
    assert.ok(services.length > 0, `no Service ${namespace}/${name}`);
    for (const s of services) assert.ok((s.doc as Service).spec!.ports!.some((p) => p.port === Number(address.port)), `${describeManifest(s)} has no port ${address.port}`);
    assert.deepEqual(env.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom, { fieldRef: { fieldPath: 'metadata.namespace' } });
  });

  it("passes `coffer injector` only flags it takes (INJECTOR_FLAGS of src/cli/commands/injector.ts)", async () => {
    // Written against the injector command's flag table, expected to hold at least: listen, tls-auto,
    // tls-hosts, webhook-config, auth-path, auth-role, address, agent-address, agent-image,
    // tls-cert-file, tls-key-file, tls-ca-out, namespace, log-level. Imported by a computed path so
    // that this file compiles before the command exists.
    const modulePath = new URL('../../src/cli/commands/injector.js', import.meta.url).href;
    const { INJECTOR_FLAGS } = (await import(modulePath)) as { INJECTOR_FLAGS: Record<string, unknown> };
    const container = injector.pod.containers[0]!;
    assert.deepEqual(container.command, ['coffer']);
    const [subcommand, ...flags] = container.args!;
    assert.equal(subcommand, 'injector');
    for (const flag of flags) {
      const [, name, value] = /^-([a-z0-9-]+)(?:=(.*))?$/.exec(flag) ?? [];
      assert.ok(name, `${flag} is not a -name or -name=value flag`);
      assert.ok(Object.hasOwn(INJECTOR_FLAGS, name), `coffer injector has no flag -${name}`);
      const type = (INJECTOR_FLAGS[name] as { type?: unknown } | undefined)?.type;
      if (type === 'boolean') assert.equal(value, undefined, `-${name} takes no value`);
      if (type === 'string') assert.notEqual(value, undefined, `-${name} needs a value`);
    }
  });
});

describe('the Coffer configuration in the manifests', () => {
  const configMaps = ofKind<ConfigMap>('ConfigMap').filter(({ doc }) => doc.metadata!.name === 'coffer-config');
  const serverConfigs = configMaps.flatMap(({ m, doc }) => Object.entries(doc.data ?? {}).map(([key, text]) => ({ m, key, text })));

  it("is accepted, every server HCL of every ConfigMap, by Coffer's own config parser", async () => {
    assert.equal(configMaps.length, 2);
    for (const { m, key, text } of serverConfigs) {
      assert.match(key, /\.hcl$/, describeManifest(m));
      await parseConfig(`${m.file}:${key}`, text);
    }
  });

  it('gives each pod of a Coffer StatefulSet its own file, whose listener is the pod port and, in HA, whose api_addr is the pod', async () => {
    for (const { m, doc } of ofKind<StatefulSet>('StatefulSet').filter(({ doc }) => doc.spec!.template.spec!.containers.some(isCoffer))) {
      const pod = doc.spec!.template.spec!;
      const container = containerOf(pod, /^coffer:/);
      const argv = [...(container.command ?? []), ...(container.args ?? [])];
      assert.deepEqual(argv.slice(0, 2), ['coffer', 'server'], describeManifest(m));
      const configFlag = argv.find((a) => a.startsWith('-config='));
      assert.ok(configFlag, `${describeManifest(m)}: no -config=`);
      const env = new Map((container.env ?? []).map((e) => [e.name, e]));
      for (let ordinal = 0; ordinal < (doc.spec!.replicas ?? 1); ordinal++) {
        const podName = `${doc.metadata!.name}-${ordinal}`;
        // Kubernetes expands $(VAR) in command and args from the container's env.
        const path = configFlag.slice('-config='.length).replace(/\$\(([A-Z_]+)\)/g, (_, name: string) => {
          assert.deepEqual(env.get(name)?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } }, `${describeManifest(m)}: $(${name})`);
          return podName;
        });
        const config = await mountedConfig(m, pod, container, path);
        const listenerPort = Number(config.listeners[0]!.address.split(':').at(-1));
        assert.ok(containerPort(pod, listenerPort), `${describeManifest(m)}: the listener's port ${listenerPort} is not a container port`);
        if (config.storage.type !== 'etcd') continue;
        assert.equal(config.storage.haEnabled, true, `${describeManifest(m)}: etcd without HA`);
        assert.equal(config.apiAddr, `http://${podName}.${doc.spec!.serviceName}.${doc.metadata!.namespace}.svc:${listenerPort}`, `${podName}: api_addr`);
        assert.deepEqual(config.storage.endpoints, etcdMembers(m), `${podName}: etcd endpoints`);
      }
    }
  });

  it("probes Coffer as the comments say, in both StatefulSets: a node not yet initialized, or sealed, is alive but not ready; unsealed, both", async () => {
    const probes = ofKind<StatefulSet>('StatefulSet')
      .filter(({ doc }) => doc.spec!.template.spec!.containers.some(isCoffer))
      .map(({ m, doc }) => {
        const { readinessProbe, livenessProbe } = containerOf(doc.spec!.template.spec!, /^coffer:/);
        return { where: describeManifest(m), ready: readinessProbe!.httpGet!.path!, alive: livenessProbe!.httpGet!.path! };
      });
    assert.equal(probes.length, 2);
    // A standby answers sys/health 429 unless asked with standbyok; it serves (forwards) requests, so it is ready.
    for (const { where, ready } of probes) assert.equal(new URL(ready, 'http://pod').searchParams.get('standbyok'), 'true', where);
    const sqlite = configMaps.find(({ m }) => m.file.includes('/server-sqlite/'))!.doc.data!['server.hcl']!;
    const server = await startServer({
      config: (dir) => sqlite.replace('/coffer/data/coffer.db', join(dir, 'coffer.db')).replace('0.0.0.0:8200', '127.0.0.1:0'),
      initialize: false,
      masterKey: null,
    });
    try {
      // The kubelet counts 200-399 as success.
      const passes = async (path: string) => {
        const { status } = await fetch(`${server.address}${path}`);
        return status >= 200 && status < 400;
      };
      const expect = async (state: string, want: { ready: boolean; alive: boolean }) => {
        for (const { where, ready, alive } of probes) assert.deepEqual({ ready: await passes(ready), alive: await passes(alive) }, want, `${where}, ${state}`);
      };
      await expect('not initialized', { ready: false, alive: true });
      const init = await fetch(`${server.address}/v1/sys/init`, { method: 'PUT', body: JSON.stringify({ secret_shares: 1, secret_threshold: 1 }) });
      const { keys } = (await init.json()) as { keys: string[] };
      await expect('sealed', { ready: false, alive: true });
      const unseal = await fetch(`${server.address}/v1/sys/unseal`, { method: 'PUT', body: JSON.stringify({ key: keys[0] }) });
      assert.equal(unseal.status, 200);
      await expect('unsealed', { ready: true, alive: true });
    } finally {
      await server.destroy();
    }
  });
});

describe("the Coffer policies next to the manifests", () => {
  const policy = async (file: string) => {
    const text = readFileSync(join(REPO_ROOT, DEPLOY, file), 'utf8');
    return new ACL([await parsePolicy(file.split('/').at(-1)!.replace(/-policy\.hcl$/, ''), text)]);
  };
  const wrapped = workload('app-wrapped-token', `${DEPLOY}/examples`).m.doc as Deployment;
  const annotations = wrapped.spec!.template.metadata!.annotations!;

  it("let the injector mint, always wrapped, the wrapped-token example's token and read its own token, nothing else", async () => {
    const acl = await policy('injector/coffer-injector-policy.hcl');
    const role = annotations['coffer.io/role']!;
    const wrapTtl = Number.parseInt(annotations['coffer.io/wrap-ttl']!, 10);
    assert.equal(annotations['coffer.io/wrap-ttl'], `${wrapTtl}s`);
    assert.equal(acl.allowOperation(`auth/token/create/${role}`, 'update', {}, { wrapTtl }).allowed, true);
    assert.equal(acl.allowOperation(`auth/token/create/${role}`, 'update', {}, { wrapTtl: undefined }).deniedReason, 'this path requires the response to be wrapped');
    assert.equal(acl.allowOperation('auth/token/lookup-self', 'read').allowed, true);
    for (const [path, operation] of [['auth/token/create', 'update'], ['auth/token/create/other', 'update'], ['secret/data/app/config', 'read'], ['sys/policy/app-read', 'update']] as const) {
      assert.equal(acl.allowOperation(path, operation).allowed, false, `${operation} ${path}`);
    }
  });

  it("let the wrapped-token example's namespace ask for its token role through the injector's -wrapped-token-allow", () => {
    const injectorDeployment = workload('coffer-injector', `${DEPLOY}/injector`).m.doc as Deployment;
    const allowed = injectorDeployment.spec!.template.spec!.containers[0]!.args!.filter((a) => a.startsWith('-wrapped-token-allow=')).map((a) => a.slice('-wrapped-token-allow='.length));
    assert.ok(allowed.includes(`${wrapped.metadata!.namespace}=${annotations['coffer.io/role']}`), `allowed: ${allowed.join(', ')}`);
  });

  it('let the example apps read the secrets their annotations name, and nothing else', async () => {
    const acl = await policy('examples/app-read-policy.hcl');
    const paths = workloads
      .filter((w) => w.m.file.startsWith(`${DEPLOY}/examples/`))
      .flatMap((w) => Object.entries((w.m.doc as Deployment).spec!.template.metadata!.annotations ?? {}))
      .filter(([key]) => /\/agent-inject-secret-/.test(key))
      .map(([, path]) => path);
    assert.deepEqual(paths.sort(), ['secret/data/app/config', 'secret/data/app/db']);
    for (const path of paths) assert.equal(acl.allowOperation(path, 'read').allowed, true, path);
    assert.equal(acl.allowOperation('secret/data/app/db', 'update').allowed, false);
    assert.equal(acl.allowOperation('secret/data/other', 'read').allowed, false);
  });
});

/** The config file `path` as the pod sees it: the ConfigMap key behind the volume mounted at its directory, parsed by Coffer. */
async function mountedConfig(m: Manifest, pod: PodSpec, container: Container, path: string): Promise<ServerConfig> {
  const dir = path.slice(0, path.lastIndexOf('/'));
  const mount = container.volumeMounts?.find((v) => v.mountPath === dir);
  assert.ok(mount, `${describeManifest(m)}: nothing mounted at ${dir}`);
  const configMapName = pod.volumes?.find((v) => v.name === mount.name)?.configMap?.name;
  const configMap = named('ConfigMap', m.doc.metadata!.namespace, configMapName).find((c) => dirOf(c) === dirOf(m));
  assert.ok(configMap, `${describeManifest(m)}: no ConfigMap ${configMapName} in its directory`);
  const key = path.slice(dir.length + 1);
  const text = (configMap.doc as ConfigMap).data?.[key];
  assert.ok(text, `${describeManifest(configMap)} has no ${key}`);
  return parseConfig(`${configMap.file}:${key}`, text);
}

/** The client URLs of the etcd StatefulSet next to `m`: each member through its headless Service. */
function etcdMembers(m: Manifest): string[] {
  const etcd = ofKind<StatefulSet>('StatefulSet').find(({ m: e, doc }) => dirOf(e) === dirOf(m) && doc.spec!.template.spec!.containers.some((c) => c.image?.includes('/etcd:')));
  assert.ok(etcd, `${describeManifest(m)}: no etcd StatefulSet next to it`);
  const { spec, metadata } = etcd.doc;
  const client = containerPort(spec!.template.spec!, 'client');
  assert.ok(client, 'etcd has no client port');
  return Array.from({ length: spec!.replicas ?? 1 }, (_, i) => `http://${metadata!.name}-${i}.${spec!.serviceName}.${metadata!.namespace}.svc:${client.containerPort}`);
}
