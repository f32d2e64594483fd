import type { Core } from './core.js';
import { noHandler, permissionDenied, sealedError } from './errors.js';
import { invokeHandler, resolveOperation, routeRequest, type RoutedRequest } from './framework/dispatch.js';
import { matchPath } from './framework/match.js';
import type { Caller, Operation, Resp } from './framework/types.js';
import type { TokenEntry } from './token-store.js';

/** A request as the HTTP layer hands it to the core. */
export interface IncomingRequest {
  id: string;
  /** read, list, update (POST/PUT: create or update is decided here), delete or patch. */
  operation: Operation;
  /** Full logical path without /v1/, e.g. "secret/data/app". */
  path: string;
  data: Record<string, unknown>;
  token?: string;
  remoteAddress: string;
}

/** What the HTTP layer renders. */
export interface Outcome {
  resp: Resp;
  mountType: string;
}

/** Served by the status backend whether sealed or not (sys/unseal joins with the Shamir seal). */
const STATUS_PATHS = new Set(['sys/health', 'sys/seal-status', 'sys/init', 'sys/leader']);

/**
 * The one pipeline every request goes through (DESIGN.md §1):
 * authenticate → (quotas, CIDR: later) → route → ACL → (audit request) → handler
 * → (leases, wrapping, audit response: later) → outcome. Backends never do any of these themselves.
 */
export async function handleRequest(core: Core, request: IncomingRequest): Promise<Outcome> {
  if (STATUS_PATHS.has(request.path)) return serveStatus(core, request);
  if (core.sealed) throw sealedError();

  const mount = core.mounts.match(request.path);
  const backend = mount && core.backend(mount.key);
  const def = backend && matchPath(backend, mount.relative)?.def;

  // Authenticate before revealing whether a path exists: an anonymous caller learns nothing.
  const token = def?.unauthenticated ? await optionalToken(core, request.token) : await requireToken(core, request.token);
  if (!mount || !backend || !def) throw noHandler(request.path);

  const store = core.mountStorage(mount.entry);
  const routed = routeRequest(backend, {
    id: request.id,
    operation: request.operation,
    path: mount.relative,
    data: request.data,
    mount: mount.entry,
    caller: token && callerOf(token.entry, token.presented),
    remoteAddress: request.remoteAddress,
  });
  routed.req.operation = await resolveOperation(routed, store);

  let revokeAfter = false;
  if (!def.unauthenticated && token) {
    await authorize(core, token.entry, request.path, routed);
    const used = await core.tokens.use(token.entry);
    if (!used) throw permissionDenied();
    revokeAfter = used.revokeAfter;
  }

  try {
    const resp = await invokeHandler(routed, store);
    return { resp, mountType: mount.entry.type };
  } finally {
    // A token whose last use was this request dies after it, as in Vault.
    if (revokeAfter && token) await core.tokens.revokeTree(token.entry);
  }
}

/** ACL check: the operation's capability, sudo where the path needs it. */
async function authorize(core: Core, entry: TokenEntry, path: string, routed: RoutedRequest): Promise<void> {
  const acl = await core.policies.acl(entry.policies);
  const result = acl.allowOperation(path, routed.req.operation, routed.req.raw);
  if (!result.allowed) throw permissionDenied();
  if (routed.match.def.sudo && !result.sudo) throw permissionDenied();
}

async function requireToken(core: Core, presented: string | undefined) {
  const token = await optionalToken(core, presented);
  if (!token) throw permissionDenied();
  return token;
}

async function optionalToken(core: Core, presented: string | undefined) {
  if (!presented) return undefined;
  const entry = await core.tokens.lookup(presented);
  return entry && { entry, presented };
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
  };
}

/** Status paths answer sealed or not, with no token and no storage: they are how an operator finds out. */
async function serveStatus(core: Core, request: IncomingRequest): Promise<Outcome> {
  const path = request.path.slice('sys/'.length);
  const routed = routeRequest(core.statusBackend, {
    id: request.id,
    operation: request.operation,
    path,
    data: request.data,
    mount: STATUS_MOUNT,
    caller: undefined,
    remoteAddress: request.remoteAddress,
  });
  const resp = await invokeHandler(routed, core.rootStorage);
  return { resp, mountType: 'system' };
}

const STATUS_MOUNT = { path: 'sys/', type: 'system', accessor: 'system', uuid: 'system', options: {} };
