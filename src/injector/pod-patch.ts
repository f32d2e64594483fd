import fastJsonPatch, { type Operation } from 'fast-json-patch';
import type { Container, EnvVar, Pod, Volume, VolumeMount } from 'kubernetes-types/core/v1.js';
import { AGENT_HOME, CONFIG_ENV, SERVICE_ACCOUNT_DIR, TLS_DIR, WRAPPED_TOKEN_ENV, agentConfig, type AgentStage } from './agent-config.js';
import { NotInjectable, type InjectionRequest } from './annotations.js';

export const INIT_CONTAINER = 'coffer-agent-init';
export const SIDECAR_CONTAINER = 'coffer-agent';
export const SECRETS_VOLUME = 'coffer-secrets';
export const HOME_VOLUME = 'coffer-agent-home';
export const TLS_VOLUME = 'coffer-tls';
/** Set on every pod the injector changed; a pod carrying it is never changed again. */
export const STATUS_ANNOTATION = 'vault.hashicorp.com/agent-inject-status';
/** The accessor of a wrapped-token pod's wrapping token: lets an operator trace or revoke it. */
export const ACCESSOR_ANNOTATION = 'coffer.io/wrapping-accessor';

/** What the injector decided beyond the annotations: which image, which server, which wrapping token. */
export interface InjectionContext {
  image: string;
  /** The address the agents reach Coffer at (unless the pod's `service` annotation says otherwise). */
  address: string;
  /** wrapped-token mode: the pod's wrapping token and its accessor ("" for a dry run). */
  wrapping?: { token: string; accessor: string };
}

/**
 * The RFC 6902 patch that turns `pod` into the injected pod: a memory volume for the secrets (and
 * one for the agents' home), an init container that logs in and renders before the application
 * starts, unless pre-populate-only a sidecar that keeps them fresh, the volume mounted into the
 * application's containers, and the status annotation. The patch is computed as the difference
 * from the pod as received, so it holds exactly what changed.
 */
export function injectionPatch(pod: Pod, request: InjectionRequest, context: InjectionContext): Operation[] {
  const injected = structuredClone(pod);
  const spec = injected.spec ?? fail('the pod has no spec');
  const appContainers = spec.containers ?? [];
  const serviceAccountMount = findServiceAccountMount(appContainers);
  if (request.mode === 'kubernetes-auth' && !serviceAccountMount) {
    fail('kubernetes-auth mode needs the pod\'s service-account token, and no container mounts one (automountServiceAccountToken is off?)');
  }
  for (const name of request.containers ?? []) {
    if (!appContainers.some((c) => c.name === name)) fail(`agent-inject-containers names "${name}", which is not a container of this pod`);
  }

  const user = request.runAsSameUser ? (appContainers[0]?.securityContext?.runAsUser ?? spec.securityContext?.runAsUser) : request.runAsUser;
  if (user === undefined) fail('agent-run-as-same-user needs a runAsUser on the first container or the pod');
  const agentMounts: VolumeMount[] = [
    { name: HOME_VOLUME, mountPath: AGENT_HOME },
    ...request.volumePaths.map((mountPath) => ({ name: SECRETS_VOLUME, mountPath })),
    ...(serviceAccountMount && request.mode === 'kubernetes-auth' ? [{ name: serviceAccountMount.name, mountPath: SERVICE_ACCOUNT_DIR, readOnly: true }] : []),
    ...(request.tlsSecret ? [{ name: TLS_VOLUME, mountPath: TLS_DIR, readOnly: true }] : []),
  ];
  const agent = (name: string, stage: AgentStage): Container => {
    const env: EnvVar[] = [{ name: CONFIG_ENV, value: JSON.stringify(agentConfig(request, stage, context.address)) }];
    if (stage === 'init' && context.wrapping) env.push({ name: WRAPPED_TOKEN_ENV, value: context.wrapping.token });
    return {
      name,
      image: request.image ?? context.image,
      command: ['coffer', 'agent', `-config-env=${CONFIG_ENV}`],
      env,
      resources: { limits: { ...request.limits }, requests: { ...request.requests } },
      securityContext: {
        runAsUser: user,
        runAsGroup: request.runAsGroup,
        runAsNonRoot: user !== 0,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      },
      volumeMounts: agentMounts.map((m) => ({ ...m })),
    };
  };

  const volumes: Volume[] = [
    { name: SECRETS_VOLUME, emptyDir: { medium: 'Memory' } },
    { name: HOME_VOLUME, emptyDir: { medium: 'Memory' } },
    ...(request.tlsSecret ? [{ name: TLS_VOLUME, secret: { secretName: request.tlsSecret } }] : []),
  ];
  for (const name of [INIT_CONTAINER, SIDECAR_CONTAINER]) {
    if ([...appContainers, ...(spec.initContainers ?? [])].some((c) => c.name === name)) fail(`the pod already has a container named ${name}`);
  }
  for (const volume of volumes) {
    if (spec.volumes?.some((v) => v.name === volume.name)) fail(`the pod already has a volume named ${volume.name}`);
  }
  spec.volumes = [...(spec.volumes ?? []), ...volumes];

  // The application sees the secrets read-only: only the agents write them.
  const mountInto = (container: Container) => {
    const mounts = container.volumeMounts ?? [];
    for (const mountPath of request.volumePaths) {
      if (mounts.some((m) => m.mountPath === mountPath)) fail(`container ${container.name} already mounts something at ${mountPath}`);
    }
    container.volumeMounts = [...mounts, ...request.volumePaths.map((mountPath) => ({ name: SECRETS_VOLUME, mountPath, readOnly: true }))];
  };
  for (const container of appContainers) if (!request.containers || request.containers.includes(container.name)) mountInto(container);
  // Init containers of the application run before ours unless ours goes first; then they may read.
  if (request.initFirst) for (const container of spec.initContainers ?? []) mountInto(container);

  const initContainers = [...(spec.initContainers ?? [])];
  const ours: Container[] = [];
  if (request.prePopulate) ours.push(agent(INIT_CONTAINER, 'init'));
  if (!request.prePopulateOnly && request.nativeSidecar) ours.push({ ...agent(SIDECAR_CONTAINER, 'sidecar'), restartPolicy: 'Always' });
  if (ours.length) spec.initContainers = request.initFirst ? [...ours, ...initContainers] : [...initContainers, ...ours];
  if (!request.prePopulateOnly && !request.nativeSidecar) spec.containers = [...appContainers, agent(SIDECAR_CONTAINER, 'sidecar')];

  const metadata = (injected.metadata ??= {});
  metadata.annotations = { ...metadata.annotations, [STATUS_ANNOTATION]: 'injected' };
  if (context.wrapping?.accessor) metadata.annotations[ACCESSOR_ANNOTATION] = context.wrapping.accessor;
  return fastJsonPatch.compare(pod, injected);
}

/** The mount of the pod's projected service-account token (added by Kubernetes before webhooks run). */
function findServiceAccountMount(containers: readonly Container[]): VolumeMount | undefined {
  for (const container of containers) {
    const mount = container.volumeMounts?.find((m) => m.mountPath === SERVICE_ACCOUNT_DIR);
    if (mount) return mount;
  }
  return undefined;
}

function fail(problem: string): never {
  throw new NotInjectable(problem);
}
