import type { AuditAuth, AuditFacts } from './audit/entry.js';
import type { Core } from './core.js';
import { CofferError, noHandler, permissionDenied, sealedError } from '../framework/errors.js';
import { addressAllowed } from '../framework/cidr.js';
import { invokeHandler, resolveOperation, routeRequest, type RoutedRequest } from '../framework/dispatch.js';
import { helpAnswer } from '../framework/help.js';
import { matchPath, type PathMatch } from '../framework/match.js';
import { isSecretRead, secretReadAllowed, secretReadRefused } from './secret-reads.js';
import type { Backend, Caller, MountInfo, Operation, Resp, WrapInfo } from '../framework/types.js';
import { CUBBYHOLE_MOUNT, SYSTEM_MOUNT, servedInNamespaces } from './builtin-mounts.js';
import type { MountEntry } from './mounts.js';
import { completeLogin } from './login.js';
import { admitRequest } from './quotas/admit.js';
import { RateLimitExceeded } from './quotas/exceeded.js';
import type { TokenEntry } from './token/index.js';
import type { TokenIdentity } from './identity/store.js';
import { isWrappable, parseWrapTtl } from './wrapping.js';
import { namespacePath } from './namespaces/index.js';
import { publicLeaseId } from './leases/index.js';
import { COFFER_VERSION } from './version.js';

/** A request as the HTTP layer hands it to the core. */
export interface IncomingRequest {
  id: string;
  /** read, list, update (POST/PUT: create or update is decided here), delete or patch. */
  operation: Operation;
  /** Full logical path without /v1/, e.g. "secret/data/app". */
  path: string;
  data: Record<string, unknown>;
  token?: string;
  /** X-Vault-Wrap-TTL as sent. */
  wrapTtl?: string;
  remoteAddress: string;
  /** The client's source port (audit's remote_port). */
  remotePort?: number;
  /** The listener's secret_read_allowed_cidrs, when it has one (see secret-reads.ts); absent: no restriction. */
  secretReadAllowedCidrs?: readonly string[];
  /** A GET with `?help=` (Vault's help operation): answered with the path's help, never by its handler. */
  help?: boolean;
  /** X-Vault-Namespace as sent: the namespace the path is relative to (a path may name deeper ones itself). */
  namespace?: string;
}

/** What the HTTP layer renders. */
export interface Outcome {
  resp: Resp;
  mountType: string;
  /** Set when the response was wrapped: the client gets only this. */
  wrapInfo?: WrapInfo;
  /** The request id to answer with when it is not this request's own (an unwrapped response). */
  requestId?: string;
  /** Extra response headers (X-Ratelimit-* when sys/quotas/config enables them). */
  headers?: Record<string, string>;
}

/**
 * The initContainer pattern: a wrapping token sent as X-Vault-Token, with no token in the body, is
 * the token to unwrap (or look up), not a caller. It authorizes its own unwrap.
 */
const SELF_SERVED = new Set(['sys/wrapping/unwrap', 'sys/wrapping/lookup']);

/** Served by the status backend whether sealed or not: the sys endpoints Vault allows while sealed. */
const STATUS_PATHS = new Set(['sys/health', 'sys/seal-status', 'sys/init', 'sys/unseal', 'sys/leader']);

/**
 * The one pipeline every request goes through (DESIGN.md §1):
 * rate-limit quotas → authenticate (bound CIDRs) → route → ACL (with wrapping TTL bounds) and the
 * listener's secret-read allowlist → audit request → token use → handler (a login becomes a token)
 * → lease registration (a response declaring a secret) → response wrapping → audit response → outcome, counted in the metrics.
 * Backends never do any of these themselves.
 */
export async function handleRequest(core: Core, incoming: IncomingRequest): Promise<Outcome> {
  // Counted and timed once, around everything; the labels come from what the request learned.
  const started = performance.now();
  const learned: { facts?: AuditFacts } = {};
  let status = 500;
  try {
    const outcome = await handleAudited(core, incoming, learned);
    // After the response is audited (sys/seal: sealing first would leave nothing to audit it with).
    await outcome.resp.afterResponse?.();
    status = outcome.resp.status ?? 200;
    return outcome;
  } catch (err) {
    status = err instanceof CofferError ? err.status : 500;
    throw err;
  } finally {
    const request = learned.facts?.request;
    const mountType = request ? request.mountType : STATUS_PATHS.has(incoming.path) ? core.statusBackend.type : '';
    const operation = request?.operation ?? incoming.operation;
    const seconds = (performance.now() - started) / 1000;
    core.metrics.recordRequest(mountType, operation, status, seconds, request?.namespace?.path);
    // No path, data or token: a log line carries nothing a request brought (the audit log does that).
    if (core.logger.isLevelEnabled('debug')) {
      core.logger.debug({ request_id: incoming.id, mount_type: mountType, operation, status, duration_ms: Math.round(seconds * 1e6) / 1e3 }, 'request handled');
    }
  }
}

async function handleAudited(core: Core, sent: IncomingRequest, learned: { facts?: AuditFacts }): Promise<Outcome> {
  // The status paths are Vault's own HTTP handlers, which never list: ?list=true is a read there.
  if (STATUS_PATHS.has(sent.path)) return serveStatus(core, sent);
  if (core.sealed) throw sealedError();
  // X-Vault-Namespace and a namespace at the start of the path combine: from here on every path
  // is the full one ("team-a/prod/secret/data/x"), and the mount it routes to says its namespace.
  const header = sent.namespace ? namespacePath(sent.namespace) : '';
  const incoming = listedAsDirectory(header ? { ...sent, path: `${header}${sent.path}`, namespace: header } : sent);
  const facts: AuditFacts = {
    request: {
      id: incoming.id,
      operation: incoming.operation,
      path: incoming.path,
      mountType: '',
      mountAccessor: '',
      data: incoming.data,
      remoteAddress: incoming.remoteAddress,
      remotePort: incoming.remotePort,
      clientToken: incoming.token,
    },
  };
  learned.facts = facts;
  // An object, not a variable: the closure below changes it, and TypeScript narrows variables.
  const progress: { stage: 'before-handler' | 'request-refused' | 'handled' } = { stage: 'before-handler' };
  const recordRequest = async () => {
    try {
      await core.audit.logRequest(facts);
    } catch (err) {
      progress.stage = 'request-refused';
      throw err;
    }
    progress.stage = 'handled';
  };
  try {
    // Rate-limit quotas come first, before the token is even looked up, as in Vault.
    const quotaHeaders = core.quotas.active ? await admitRequest(core, incoming) : undefined;
    const outcome = await serve(core, incoming, facts, recordRequest);
    await core.audit.logResponse(facts);
    return quotaHeaders ? { ...outcome, headers: quotaHeaders } : outcome;
  } catch (err) {
    if (progress.stage === 'request-refused') throw err;
    // A 429 is recorded only when sys/quotas/config enables rate-limit audit logging, as in Vault.
    if (err instanceof RateLimitExceeded && !err.audited) throw err;
    facts.error = err instanceof CofferError ? err.message : 'internal error';
    // A request refused before its handler (403, 400...) is recorded with its error, as Vault does.
    if (progress.stage === 'before-handler') await core.audit.logRequest(facts);
    await core.audit.logResponse(facts);
    throw err;
  }
}

/**
 * Everything between authentication and the outcome. Fills `facts` for audit as it learns them and
 * calls `recordRequest` once the request is authorized, before anything (token use, handler) runs.
 */
async function serve(core: Core, incoming: IncomingRequest, facts: AuditFacts, recordRequest: () => Promise<void>): Promise<Outcome> {
  const wrapTtl = parseWrapTtl(incoming.wrapTtl);
  facts.request.wrapTtl = wrapTtl;
  const mount = core.mounts.match(incoming.path);
  const namespace = mount?.entry.namespace;
  // X-Vault-Namespace naming no namespace (or one being deleted): nothing exists there for anyone.
  // Asked of the namespaces, not the mount: a path with no mount in a namespace is not refused here.
  const named = incoming.namespace ? core.namespaces.get(incoming.namespace) : undefined;
  if (incoming.namespace && (!named || named.tainted)) throw permissionDenied();
  // A namespace being deleted serves nothing (its children are gone first: none can be below it).
  if (namespace && core.namespaces.get(namespace.path)?.tainted) throw permissionDenied();
  // The path inside its namespace: what the namespace's own paths (sys/wrapping/unwrap...) are named by.
  const local = namespace ? incoming.path.slice(namespace.path.length) : incoming.path;
  if (namespace) [facts.request.path, facts.request.namespace] = [local, namespace];
  const selfServed = SELF_SERVED.has(local) && !!incoming.token && !incoming.data.token;
  const request = selfServed ? { ...incoming, data: { ...incoming.data, token: incoming.token }, token: undefined } : incoming;

  const backend = mount && core.backend(mount.key);
  const match = backend && matchListed(backend, mount.relative, request.operation);

  // Authenticate before revealing whether a path exists: an anonymous caller learns nothing.
  const anonymous = match?.def.unauthenticated || selfServed;
  const token = anonymous
    ? await optionalToken(core, request.token, request.remoteAddress)
    : await requireToken(core, request.token, request.remoteAddress);
  // A token works in its own namespace and those below it; elsewhere nothing exists for it.
  const homePath = token && !anonymous ? tokenHome(core, token.entry, request.path) : '';
  // Only an enabled audit device reads these; without one, the request pays nothing for them.
  // The token's identity (entity and group policies) is derived once, for audit and the ACL alike.
  const identity = token && (core.audit.enabled || !anonymous) ? core.identityOf(token.entry) : undefined;
  if (token && core.audit.enabled) {
    facts.auth = auditAuth(token.entry, token.presented, identity);
    facts.request.clientTokenAccessor = token.entry.accessor;
  }
  const subject = request.data.token;
  if (SELF_SERVED.has(local) && typeof subject === 'string' && subject !== '' && core.audit.enabled) {
    // "Who unwrapped what": the wrapping token (sent as X-Vault-Token or in the body) is the
    // subject, so its accessor goes on record; the caller, when there is one, is in `auth`.
    facts.request.clientTokenAccessor = (await core.tokens.lookup(subject))?.accessor;
  }
  if (mount) [facts.request.mountType, facts.request.mountAccessor, facts.request.mountPoint] = [mount.entry.type, mount.entry.accessor, mount.entry.path];
  // Audit needs it to find the values a client stored in the answer (entry.ts storedNumbersAsText).
  facts.request.storedData = match?.def.storedData;
  if (incoming.help && mount && backend) {
    // Vault's help operation: any valid token may ask, whatever its policies; nothing is read or run.
    await recordRequest();
    // `local` less the mount-relative rest: the mount as the request named it, for OpenAPI's paths.
    const mountPrefix = local.slice(0, local.length - mount.relative.length);
    return { resp: { bare: helpAnswer(backend, mountPrefix, mount.relative, COFFER_VERSION) }, mountType: mount.entry.type };
  }
  if (!mount || !backend || !match) {
    // Vault checks the ACL before it routes: a path the ACL refuses is 403 whether or not anything
    // serves it, so a token cannot learn which mounts and namespaces exist where it has no grant.
    if (token && !anonymous) {
      const acl = await core.aclFor(token.entry, identity);
      if (!acl.allowOperation(request.path.slice(homePath.length), request.operation, request.data, { wrapTtl }).allowed) throw permissionDenied();
    }
    throw noHandler(local);
  }
  if (namespace && mount.entry.type === SYSTEM_MOUNT.type && !servedInNamespaces(match.relative)) throw noHandler(local);
  const secretReadCidrs = incoming.secretReadAllowedCidrs;
  if (secretReadCidrs && isSecretRead(match.def, request.operation) && !secretReadAllowed(request.remoteAddress, secretReadCidrs)) {
    throw secretReadRefused();
  }

  const store = core.mountStorage(mount.entry);
  const routed = routeRequest(backend, {
    id: request.id,
    operation: request.operation,
    path: match.relative,
    data: request.data,
    mount: mount.entry,
    caller: token && callerOf(token.entry, token.presented),
    remoteAddress: request.remoteAddress,
    wrapTtl,
  }, match);
  routed.req.operation = await resolveOperation(routed, store);
  facts.request.operation = routed.req.operation;

  if (!anonymous && token) await authorize(core, token.entry, identity, request.path.slice(homePath.length), routed, wrapTtl);
  await recordRequest();

  let revokeAfter = false;
  if (!anonymous && token) {
    const used = await core.tokens.use(token.entry);
    if (!used) throw permissionDenied();
    revokeAfter = used.revokeAfter;
  }

  try {
    let resp = await invokeHandler(routed, store);
    if (resp.login) resp = await loginResponse(core, mount.entry, request.path, resp);
    if (resp.secret) resp = await leasedResponse(core, mount.entry, backend, request.path, resp, token?.entry);
    const mountType = resp.origin?.mountType ?? mount.entry.type;
    facts.response = { status: resp.status ?? 200, data: resp.data, auth: resp.auth, wrapInfo: resp.wrapInfo, warnings: resp.warnings };
    if (resp.wrapInfo) return { resp: {}, mountType: '', wrapInfo: resp.wrapInfo };
    if (wrapTtl === undefined || !isWrappable(resp)) return { resp, mountType, requestId: resp.origin?.requestId };
    const { data, auth, warnings, lease, wrappedAccessor } = resp;
    const wrapped = { requestId: request.id, mountType, resp: { data, auth, warnings, lease, wrappedAccessor } };
    const wrapInfo = await core.wrapping.wrap(wrapped, wrapTtl, local, namespace);
    facts.response.wrapInfo = wrapInfo;
    return { resp: {}, mountType: '', wrapInfo };
  } finally {
    // A token whose last use was this request dies after it, as in Vault.
    if (revokeAfter && token) await core.tokens.revokeTree(token.entry);
  }
}

/**
 * ACL check: the operation's capability, sudo where the path needs it, and the path's wrapping
 * bounds (a min/max_wrapping_ttl refuses an unwrapped request or a TTL outside them, with 403 as in Vault).
 * `path` is relative to the token's namespace, as its policies are: a parent's "team-a/secret/*"
 * grants a child's secret/ mount.
 */
async function authorize(core: Core, entry: TokenEntry, identity: TokenIdentity | undefined, path: string, routed: RoutedRequest, wrapTtl: number | undefined): Promise<void> {
  // A cubbyhole is the token's own, in its own namespace: a parent's token has none in a child.
  const mountNamespace = routed.req.mount.namespace?.id;
  if (routed.req.mount.type === CUBBYHOLE_MOUNT.type && mountNamespace !== entry.namespaceId) throw permissionDenied();
  const acl = await core.aclFor(entry, identity);
  const result = acl.allowOperation(path, routed.req.operation, routed.req.raw, { wrapTtl });
  if (!result.allowed) throw permissionDenied();
  if (routed.match.def.sudo && !result.sudo) throw permissionDenied();
}

/**
 * The path of a token's namespace, where it works (and in the namespaces below); 403 for a path
 * outside it, or when its namespace was deleted.
 */
function tokenHome(core: Core, entry: TokenEntry, path: string): string {
  const home = core.namespaceOf(entry);
  if (entry.namespaceId && !home) throw permissionDenied();
  const homePath = home?.path ?? '';
  if (!path.startsWith(homePath)) throw permissionDenied();
  return homePath;
}

/** The caller's token; 403 when it is missing, unknown, or used from outside its bound CIDRs. */
async function requireToken(core: Core, presented: string | undefined, remoteAddress: string) {
  const token = await optionalToken(core, presented, remoteAddress);
  if (!token) throw permissionDenied();
  return token;
}

/** On unauthenticated paths (logins) a token that may not be used from here counts as none. */
async function optionalToken(core: Core, presented: string | undefined, remoteAddress: string) {
  if (!presented) return undefined;
  const entry = await core.tokens.lookup(presented);
  if (!entry || !addressAllowed(remoteAddress, entry.boundCidrs ?? [])) return undefined;
  return { entry, presented };
}

/** A login's answer: the token the core created in place of the method's LoginResult. */
async function loginResponse(core: Core, mount: MountEntry, path: string, resp: Resp): Promise<Resp> {
  const { login, ...rest } = resp;
  const created = await completeLogin(core, mount, path, login!);
  const warnings = [...(rest.warnings ?? []), ...(created.warnings ?? [])];
  return { ...rest, auth: created.auth, ...(warnings.length > 0 ? { warnings } : {}) };
}

/**
 * A response that declares a secret gets its lease here, owned by the caller's token. Should the
 * lease not be stored, the secret is revoked at once: nothing is handed out that no lease tracks.
 */
async function leasedResponse(core: Core, mount: MountEntry, backend: Backend, path: string, resp: Resp, token: TokenEntry | undefined): Promise<Resp> {
  const { secret, ...rest } = resp;
  if (!secret) return resp;
  try {
    if (!token) throw new CofferError('internal', undefined, { detail: `an unauthenticated path answered a leased secret: ${path}` });
    const { lease, warnings } = await core.leases.register({ mount, path, secret, tokenId: token.id });
    const allWarnings = [...(rest.warnings ?? []), ...warnings];
    return { ...rest, lease: { ...lease, id: publicLeaseId(lease, mount.namespace) }, ...(allWarnings.length > 0 ? { warnings: allWarnings } : {}) };
  } catch (err) {
    const now = new Date();
    const state = { leaseId: '', internal: secret.internal, issueTime: now, expireTime: now };
    await backend.secrets?.[secret.type]
      ?.revoke(state, core.mountStorage(mount), mount)
      .catch((revokeErr: unknown) => core.logger.error({ path, error: (revokeErr as Error).message }, 'lease: could not revoke a secret whose lease failed'));
    throw err;
  }
}

/** The token's part of an audit entry. */
function auditAuth(entry: TokenEntry, presented: string, identity: TokenIdentity | undefined): AuditAuth {
  const identityPolicies = identity?.policies ?? [];
  return {
    clientToken: presented,
    accessor: entry.accessor,
    displayName: entry.displayName,
    policies: identityPolicies.length > 0 ? [...new Set([...entry.policies, ...identityPolicies])].sort() : entry.policies,
    tokenPolicies: entry.policies,
    identityPolicies,
    metadata: entry.meta,
    entityId: entry.entityId,
    tokenType: entry.type,
    tokenTtl: entry.ttl,
    tokenIssueTime: new Date(entry.issueTime).toISOString(),
  };
}

/** The Caller a handler sees for a presented token and its entry. */
export function callerOf(entry: TokenEntry, presented: string): Caller {
  return {
    token: presented,
    tokenId: entry.id,
    accessor: entry.accessor,
    policies: entry.policies,
    displayName: entry.displayName,
    entityId: entry.entityId,
    meta: entry.meta,
    isRoot: entry.policies.includes('root'),
    ...(entry.namespaceId ? { namespaceId: entry.namespaceId } : {}),
  };
}

/** Vault lists a path as a directory: LIST secret/app is LIST secret/app/, for routing and ACL alike. */
function listedAsDirectory(incoming: IncomingRequest): IncomingRequest {
  if (incoming.operation !== 'list' || incoming.path === '' || incoming.path.endsWith('/')) return incoming;
  return { ...incoming, path: `${incoming.path}/` };
}

/**
 * The backend path a request is for. A list arrives with a trailing slash (the HTTP layer appends
 * it, as Vault's does); a path table entry written without one ("users", "role") serves it too.
 */
function matchListed(backend: Backend, relative: string, operation: Operation): (PathMatch & { relative: string }) | undefined {
  const exact = matchPath(backend, relative);
  if (exact) return { ...exact, relative };
  if (operation !== 'list' || !relative.endsWith('/')) return undefined;
  const bare = relative.slice(0, -1);
  const match = matchPath(backend, bare);
  return match && { ...match, relative: bare };
}

/** Status paths answer sealed or not, with no token and no storage: they are how an operator finds out. */
async function serveStatus(core: Core, request: IncomingRequest): Promise<Outcome> {
  const path = request.path.slice(SYSTEM_MOUNT.path.length);
  const routed = routeRequest(core.statusBackend, {
    id: request.id,
    operation: request.operation,
    path,
    data: request.data,
    mount: statusMount(core.statusBackend),
    caller: undefined,
    remoteAddress: request.remoteAddress,
  });
  const resp = await invokeHandler(routed, core.rootStorage);
  return { resp, mountType: core.statusBackend.type };
}

/** What the status backend's handlers see as their mount: sealed, there is no mount table to take it from. */
function statusMount(backend: Backend): MountInfo {
  return { path: SYSTEM_MOUNT.path, type: backend.type, accessor: backend.type, uuid: backend.type, options: {} };
}
