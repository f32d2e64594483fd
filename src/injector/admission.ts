import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import { NotInjectable, SKIP_LABEL, alreadyInjected, readInjectionRequest, wantsInjection } from './annotations.js';
import type { InjectorMetrics } from './metrics.js';
import { injectionPatch } from './pod-patch.js';
import { MintFailed, type WrappedTokenMinter } from './wrapped-tokens.js';

const API_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
/** Namespaces never injected into, whatever their pods ask: the cluster's own (as vault-k8s refuses them). */
const SYSTEM_NAMESPACES = ['kube-system', 'kube-public'];

/** The parts of an AdmissionReview request the injector reads. */
interface AdmissionRequest {
  uid: string;
  kind?: { group?: string; version?: string; kind?: string };
  namespace?: string;
  operation?: string;
  dryRun?: boolean;
  object?: Pod;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  /** The JSON Patch, base64-encoded. */
  patch?: string;
  status?: { code: number; message: string };
  warnings?: string[];
}

/** An HTTP answer: the AdmissionReview (200), or an error for a body that is not one (400). */
export interface ReviewAnswer {
  status: number;
  body: { apiVersion: string; kind: 'AdmissionReview'; response: AdmissionResponse } | { errors: string[] };
}

export interface AdmissionOptions {
  /** The injector's own namespace: never injected into. */
  ownNamespace?: string;
  image: string;
  address: string;
  /** Mints wrapping tokens for wrapped-token pods; without it such pods are refused. */
  minter?: WrappedTokenMinter;
  /**
   * Which token roles the pods of which namespace may ask for in wrapped-token mode ("*": any
   * namespace). Empty: any role the injector's own token may create.
   */
  wrappedTokenAllow: readonly { namespace: string; role: string }[];
  metrics: InjectorMetrics;
  log: Logger;
}

type Outcome = { allowed: true; patch?: object[]; warnings?: string[]; mode?: string } | { allowed: false; code: number; message: string; reason: string };

/**
 * Answers one AdmissionReview (v1 or v1beta1, in the version asked). A pod that did not ask for
 * injection — or is in a system namespace or the injector's own, is labelled to be skipped, is not
 * Pending, or was injected already (a re-invocation) — is admitted unchanged, whatever state Coffer
 * is in. A pod that asked is either injected or refused with the reason: never started without the
 * secrets it asked for.
 */
export async function reviewAdmission(body: unknown, options: AdmissionOptions): Promise<ReviewAnswer> {
  const review = body as { apiVersion?: unknown; kind?: unknown; request?: AdmissionRequest } | null;
  const apiVersion = API_VERSIONS.find((v) => v === review?.apiVersion);
  const request = review?.request;
  if (!apiVersion || review?.kind !== 'AdmissionReview' || typeof request?.uid !== 'string' || request.uid === '') {
    options.metrics.failures.inc({ reason: 'bad_request' });
    return { status: 400, body: { errors: [`expected an AdmissionReview (${API_VERSIONS.join(' or ')}) with a request uid`] } };
  }
  const outcome = await decide(request, options);
  const response: AdmissionResponse = { uid: request.uid, allowed: outcome.allowed };
  if (outcome.allowed) {
    if (outcome.patch?.length) Object.assign(response, { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(outcome.patch)).toString('base64') });
    if (outcome.warnings?.length) response.warnings = outcome.warnings;
    options.metrics.reviews.inc({ outcome: outcome.patch?.length ? 'mutated' : 'unchanged' });
    if (outcome.patch?.length) options.metrics.mutated.inc({ mode: outcome.mode });
  } else {
    response.status = { code: outcome.code, message: outcome.message };
    options.metrics.reviews.inc({ outcome: 'refused' });
    options.metrics.failures.inc({ reason: outcome.reason });
  }
  return { status: 200, body: { apiVersion, kind: 'AdmissionReview', response } };
}

async function decide(request: AdmissionRequest, options: AdmissionOptions): Promise<Outcome> {
  const pod = request.object;
  const isPod = request.kind?.kind === 'Pod' && (request.kind.group ?? '') === '';
  if (!isPod || !pod || request.operation !== 'CREATE') return { allowed: true };
  const annotations = pod.metadata?.annotations ?? {};
  const namespace = request.namespace || pod.metadata?.namespace || 'default';
  const podName = pod.metadata?.name || `${pod.metadata?.generateName ?? ''}*`;
  const log = options.log.child({ uid: request.uid, namespace, pod: podName });
  if (!wantsInjection(annotations)) return { allowed: true };
  const skipped = skipReason(pod, namespace, options.ownNamespace);
  if (skipped) {
    log.info({ skipped }, 'not injected');
    return { allowed: true };
  }
  try {
    const injection = readInjectionRequest(annotations);
    let wrapping: { token: string; accessor: string } | undefined;
    if (injection.mode === 'wrapped-token') {
      const refusal = notAllowed(options.wrappedTokenAllow, namespace, injection.role);
      if (refusal) {
        log.warn({ role: injection.role, problem: refusal }, 'refused: not allowed for this namespace');
        return { allowed: false, code: 403, reason: 'not_allowed', message: `coffer injector: ${refusal}` };
      }
      // A pod the patch would refuse gets no token minted for nothing: the patch is tried first.
      // A dry run must have no side effects (sideEffects: NoneOnDryRun), so that is all it gets.
      wrapping = { token: '', accessor: '' };
      injectionPatch(pod, injection, { image: options.image, address: options.address, wrapping });
      if (!request.dryRun) {
        if (!options.minter) throw new MintFailed('coffer_refused', 'this injector has no Coffer identity to mint wrapping tokens with');
        wrapping = await options.minter.mint({ namespace, name: podName, serviceAccount: pod.spec?.serviceAccountName ?? 'default' }, injection);
        options.metrics.wraps.inc();
      }
    }
    const patch = injectionPatch(pod, injection, { image: options.image, address: options.address, wrapping });
    log.info({ mode: injection.mode, accessor: wrapping?.accessor || undefined, dryRun: request.dryRun || undefined }, 'injected');
    return { allowed: true, patch, warnings: injection.warnings, mode: injection.mode };
  } catch (err) {
    if (err instanceof NotInjectable) {
      log.warn({ problem: err.message }, 'refused: the pod cannot be injected as asked');
      return { allowed: false, code: 400, reason: 'bad_annotations', message: `coffer injector: ${err.message}` };
    }
    if (err instanceof MintFailed) {
      log.error({ reason: err.reason, problem: err.message }, 'refused: no wrapping token for the pod');
      return {
        allowed: false,
        code: 500,
        reason: err.reason,
        message: `coffer injector: could not create a wrapping token for this pod (${err.message}); it asked for injection, so it is refused rather than started without its secrets`,
      };
    }
    throw err;
  }
}

/** Why -wrapped-token-allow does not let a pod of `namespace` have a token of `role`, if it does not. */
function notAllowed(allow: AdmissionOptions['wrappedTokenAllow'], namespace: string, role: string | undefined): string | undefined {
  if (allow.length === 0) return undefined;
  if (!role) return 'this injector mints wrapped tokens only for the token roles its -wrapped-token-allow lists, so coffer.io/policies alone cannot be used';
  if (allow.some((entry) => entry.role === role && (entry.namespace === '*' || entry.namespace === namespace))) return undefined;
  return `token role "${role}" is not allowed for pods of namespace ${namespace} (-wrapped-token-allow)`;
}

function skipReason(pod: Pod, namespace: string, ownNamespace: string | undefined): string | undefined {
  if (SYSTEM_NAMESPACES.includes(namespace)) return `system namespace ${namespace}`;
  if (namespace === ownNamespace) return "the injector's own namespace";
  if (pod.metadata?.labels?.[SKIP_LABEL] === 'skip') return `label ${SKIP_LABEL}=skip`;
  if (alreadyInjected(pod.metadata?.annotations ?? {})) return 'already injected';
  const phase = pod.status?.phase;
  if (phase && phase !== 'Pending') return `phase ${phase}`;
  return undefined;
}
