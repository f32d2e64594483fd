import { posix } from 'node:path';
import { parseBoolText, parseDurationMs } from '../wire/index.js';

// A pod asks for injection with vault-k8s's annotations (vault.hashicorp.com/...), so existing
// manifests work unchanged, or with the same names under coffer.io/ (which win when both are set).
export const PREFIXES = ['coffer.io/', 'vault.hashicorp.com/'] as const;

/** The label that keeps the injector away from a pod (the injector's own pods carry it). */
export const SKIP_LABEL = 'coffer.io/injector';

export type InjectMode = 'kubernetes-auth' | 'wrapped-token';

/** A pod that asked for injection in a way that cannot be honoured: it is refused with this message (400). */
export class NotInjectable extends Error {
  override readonly name = 'NotInjectable';
}

/** One file the agent renders into the shared volume. */
export interface SecretFile {
  /** The name in the annotations (`agent-inject-secret-<name>`). */
  name: string;
  /** The secret's path (`secret/data/app/db`). */
  path: string;
  /** A Go template (`agent-inject-template-<name>`), else the default template of `path`. */
  template: string;
  /** Where the file lands, absolute (`/vault/secrets/db-creds`). */
  destination: string;
  /** The volume path it lands under. */
  volumePath: string;
  perms?: string;
  /** A shell command run after each render (`agent-inject-command-<name>`). */
  command?: string;
}

export interface Quantities {
  cpu?: string;
  memory?: string;
  'ephemeral-storage'?: string;
}

/** What a pod's annotations ask the injector to do. */
export interface InjectionRequest {
  mode: InjectMode;
  /** kubernetes-auth: the Kubernetes auth role; wrapped-token: the token role (`auth/token/create/<role>`). */
  role?: string;
  /** wrapped-token: the policies of the pod's token. */
  policies?: string[];
  /** wrapped-token: the TTL of the wrapping token (default 60s). */
  wrapTtl: string;
  /** wrapped-token: the TTL of the pod's token itself (else the role's or the server's default). */
  tokenTtl?: string;
  authPath: string;
  secrets: SecretFile[];
  /** Every volume path the shared volume is mounted at (the default one first). */
  volumePaths: string[];
  prePopulate: boolean;
  prePopulateOnly: boolean;
  /** Put the sidecar among the init containers with restartPolicy Always (Kubernetes ≥ 1.29). */
  nativeSidecar: boolean;
  initFirst: boolean;
  /** Write the token to `<secret-volume-path>/token` for the application. */
  injectToken: boolean;
  /** App containers that get the volume; undefined: all. */
  containers?: string[];
  limits: Quantities;
  requests: Quantities;
  runAsUser: number;
  runAsGroup: number;
  runAsSameUser: boolean;
  address?: string;
  namespace?: string;
  tlsSkipVerify: boolean;
  caCert?: string;
  /** A Kubernetes Secret mounted at /vault/tls in the agent containers (`tls-secret`). */
  tlsSecret?: string;
  tlsServerName?: string;
  clientCert?: string;
  clientKey?: string;
  image?: string;
  logLevel: string;
  revokeOnShutdown: boolean;
  /** Annotations that were ignored, told to whoever created the pod (AdmissionResponse warnings). */
  warnings: string[];
}

/** The value of an annotation under either prefix; coffer.io/ first. */
export function annotation(annotations: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const prefix of PREFIXES) {
    const value = annotations[prefix + name];
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Whether the pod asks for injection (`agent-inject: "true"`). */
export function wantsInjection(annotations: Readonly<Record<string, string>>): boolean {
  const value = annotation(annotations, 'agent-inject');
  return value !== undefined && parseBoolText(value) === true;
}

/** Whether an earlier call already injected into this pod (`agent-inject-status: injected`). */
export function alreadyInjected(annotations: Readonly<Record<string, string>>): boolean {
  return annotation(annotations, 'agent-inject-status') === 'injected';
}

export const DEFAULT_VOLUME_PATH = '/vault/secrets';
// vault-k8s's defaults, kept so that a pod moved from it behaves the same.
const DEFAULT_LIMITS: Quantities = { cpu: '500m', memory: '128Mi' };
const DEFAULT_REQUESTS: Quantities = { cpu: '250m', memory: '64Mi' };
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;
const RESOURCE_NAMES = { cpu: 'cpu', mem: 'memory', ephemeral: 'ephemeral-storage' } as const;

/** Reads what the pod asks for; throws NotInjectable for an annotation that cannot be honoured. */
export function readInjectionRequest(annotations: Readonly<Record<string, string>>): InjectionRequest {
  const get = (name: string) => annotation(annotations, name);
  const flag = (name: string, fallback: boolean): boolean => {
    const value = get(name);
    if (value === undefined) return fallback;
    return parseBoolText(value) ?? fail(name, `must be true or false, not "${value}"`);
  };
  const whole = (name: string, fallback: number): number => {
    const value = get(name);
    if (value === undefined) return fallback;
    return /^\d+$/.test(value) ? Number(value) : fail(name, `must be a whole number, not "${value}"`);
  };
  const ttl = (name: string): string | undefined => {
    const value = get(name);
    if (value === undefined) return undefined;
    const ms = parseDurationMs(value);
    return ms !== undefined && ms > 0 ? value : fail(name, `must be a duration such as 60s or 5m, not "${value}"`);
  };

  const modeText = get('inject-mode') ?? 'kubernetes-auth';
  if (modeText !== 'kubernetes-auth' && modeText !== 'wrapped-token') fail('inject-mode', `must be kubernetes-auth or wrapped-token, not "${modeText}"`);
  const mode: InjectMode = modeText;
  const role = nonEmpty(get('role'));
  const policies = get('policies')
    ?.split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (mode === 'kubernetes-auth' && !role) fail('role', 'is required: it names the Kubernetes auth role the agent logs in with');
  if (mode === 'wrapped-token' && !role && !policies?.length) fail('policies', 'or a role is required in wrapped-token mode: they say what the pod\'s token may do');

  const defaultVolumePath = absolute('secret-volume-path', get('secret-volume-path') ?? DEFAULT_VOLUME_PATH);
  const warnings: string[] = [];
  const secrets = secretFiles(annotations, defaultVolumePath, get('agent-inject-default-template') ?? 'map', warnings);
  const volumePaths = [...new Set([defaultVolumePath, ...secrets.map((s) => s.volumePath)])];

  const prePopulateOnly = flag('agent-pre-populate-only', false);
  const request: InjectionRequest = {
    mode,
    role,
    policies: policies?.length ? policies : undefined,
    wrapTtl: ttl('wrap-ttl') ?? '60s',
    tokenTtl: ttl('token-ttl'),
    authPath: (get('auth-path') ?? 'auth/kubernetes').replace(/^\/+|\/+$/g, ''),
    secrets,
    volumePaths,
    prePopulate: prePopulateOnly || flag('agent-pre-populate', true),
    prePopulateOnly,
    nativeSidecar: flag('agent-native-sidecar', false),
    initFirst: flag('agent-init-first', false),
    // The seeds' flow hands the token itself to the application; vault-k8s's default is not to.
    injectToken: flag('agent-inject-token', mode === 'wrapped-token'),
    containers: get('agent-inject-containers')
      ?.split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    limits: quantities(get, 'agent-limits', DEFAULT_LIMITS),
    requests: quantities(get, 'agent-requests', DEFAULT_REQUESTS),
    runAsUser: whole('agent-run-as-user', 100),
    runAsGroup: whole('agent-run-as-group', 1000),
    runAsSameUser: flag('agent-run-as-same-user', false),
    address: nonEmpty(get('service')),
    namespace: nonEmpty(get('namespace')),
    tlsSkipVerify: flag('tls-skip-verify', false),
    caCert: nonEmpty(get('ca-cert')),
    tlsSecret: nonEmpty(get('tls-secret')),
    tlsServerName: nonEmpty(get('tls-server-name')),
    clientCert: nonEmpty(get('client-cert')),
    clientKey: nonEmpty(get('client-key')),
    image: nonEmpty(get('agent-image')),
    logLevel: get('log-level') ?? 'info',
    revokeOnShutdown: flag('agent-revoke-on-shutdown', false),
    warnings,
  };
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(request.logLevel)) fail('log-level', `must be trace, debug, info, warn or error, not "${request.logLevel}"`);
  if (mode === 'wrapped-token' && !request.prePopulate) {
    // Only the init container holds the wrapping token; without it nothing could ever unwrap.
    fail('agent-pre-populate', 'cannot be false in wrapped-token mode: the init container is what unwraps the token');
  }
  return request;
}

/** The files asked for with agent-inject-secret-<name> (and their template, file, perms, command). */
function secretFiles(annotations: Readonly<Record<string, string>>, defaultVolumePath: string, defaultTemplate: string, warnings: string[]): SecretFile[] {
  if (defaultTemplate !== 'map' && defaultTemplate !== 'json') fail('agent-inject-default-template', `must be map or json, not "${defaultTemplate}"`);
  const perName = (kind: string, name: string) => annotation(annotations, `${kind}-${name}`);
  const names = new Set<string>();
  const templatesSeen = new Set<string>();
  for (const key of Object.keys(annotations)) {
    for (const prefix of PREFIXES) {
      if (key.startsWith(`${prefix}agent-inject-secret-`)) names.add(key.slice(`${prefix}agent-inject-secret-`.length));
      if (key.startsWith(`${prefix}agent-inject-template-`)) templatesSeen.add(key.slice(`${prefix}agent-inject-template-`.length));
    }
  }
  for (const name of templatesSeen) {
    if (!names.has(name)) warnings.push(`agent-inject-template-${name} has no agent-inject-secret-${name}, so it was ignored`);
  }
  return [...names].sort().map((name) => {
    const path = nonEmpty(perName('agent-inject-secret', name)) ?? fail(`agent-inject-secret-${name}`, 'needs the path of a secret');
    const keepCase = parseBoolText(perName('preserve-secret-case', name) ?? 'false') === true;
    const fileName = perName('agent-inject-file', name) ?? (keepCase ? name : name.toLowerCase());
    const volumePath = absolute(`secret-volume-path-${name}`, perName('secret-volume-path', name) ?? defaultVolumePath);
    const destination = posix.join(volumePath, fileName);
    // A file name may hold folders, but may not leave the volume.
    if (fileName === '' || posix.isAbsolute(fileName) || !destination.startsWith(`${volumePath}/`)) fail(`agent-inject-file-${name}`, `must be a file name inside ${volumePath}, not "${fileName}"`);
    const perms = perName('agent-inject-perms', name);
    if (perms !== undefined && !/^0?[0-7]{3}$/.test(perms)) fail(`agent-inject-perms-${name}`, `must be an octal file mode such as 0400, not "${perms}"`);
    return {
      name,
      path,
      template: perName('agent-inject-template', name) ?? defaultTemplateFor(path, defaultTemplate),
      destination,
      volumePath,
      perms,
      command: nonEmpty(perName('agent-inject-command', name)),
    };
  });
}

/**
 * vault-k8s's default templates: `map` prints each key of the secret's data as `key: value` (a KV
 * v2 secret prints its `data` and `metadata` maps as Go prints maps); `json` prints the data as JSON.
 */
function defaultTemplateFor(path: string, kind: 'map' | 'json'): string {
  const quoted = JSON.stringify(path);
  return kind === 'json'
    ? `{{ with secret ${quoted} }}{{ .Data | toJSON }}\n{{ end }}`
    : `{{ with secret ${quoted} }}{{ range $k, $v := .Data }}{{ $k }}: {{ $v }}\n{{ end }}{{ end }}`;
}

function quantities(get: (name: string) => string | undefined, prefix: string, defaults: Quantities): Quantities {
  const out: Quantities = { ...defaults };
  for (const [suffix, resource] of Object.entries(RESOURCE_NAMES)) {
    const value = get(`${prefix}-${suffix}`);
    if (value === undefined) continue;
    if (!QUANTITY.test(value)) fail(`${prefix}-${suffix}`, `must be a Kubernetes quantity such as 250m or 64Mi, not "${value}"`);
    out[resource] = value;
  }
  return out;
}

function absolute(name: string, path: string): string {
  const clean = posix.normalize(path).replace(/\/+$/, '');
  if (!posix.isAbsolute(path) || clean === '' || clean.split('/').includes('..')) fail(name, `must be an absolute path, not "${path}"`);
  return clean;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function fail(name: string, problem: string): never {
  throw new NotInjectable(`annotation ${name} ${problem}`);
}
