import type { Core } from '../core.js';
import { matchPath } from '../../framework/match.js';
import { RateLimitExceeded } from './exceeded.js';
import type { RateLimitDecision } from './rate-limiter.js';

/** The parts of a request the quota check looks at. */
export interface QuotaSubject {
  path: string;
  data: Record<string, unknown>;
  remoteAddress: string;
}

/**
 * Vault's rate-limit check, run before authentication and the handler: finds the quota that applies
 * (resolving the login role only when the mount has role quotas), charges the client address, and
 * throws RateLimitExceeded (429) when it is over. Answers the X-Ratelimit-* headers for the response
 * when sys/quotas/config enables them. Call only when `core.quotas.active`.
 */
export async function admitRequest(core: Core, request: QuotaSubject): Promise<Record<string, string> | undefined> {
  const quotas = core.quotas;
  if (quotas.isExempt(request.path)) return undefined;
  const mount = core.mounts.match(request.path);
  const mountPath = mount?.key ?? '';
  const role = mount && quotas.hasRoleQuotas(mountPath) ? await loginRole(core, mount, request.data) : undefined;
  const decision = quotas.take({ path: request.path, mountPath, namespacePath: mount?.entry.namespace?.path ?? core.namespaces.resolve(request.path).path, role, clientAddress: request.remoteAddress });
  if (!decision) return undefined;
  const config = quotas.currentConfig();
  const headers = config.enableRateLimitResponseHeaders ? rateLimitHeaders(decision) : undefined;
  if (!decision.allowed) {
    // Retry-After goes with every 429 (a client needs it to back off); the X-Ratelimit-* set only when enabled.
    throw new RateLimitExceeded(request.path, { ...headers, 'Retry-After': String(decision.resetSeconds) }, config.enableRateLimitAuditLogging);
  }
  return headers;
}

/** The role a login names, as its auth method resolves it; undefined for other paths or when it cannot tell. */
async function loginRole(core: Core, mount: NonNullable<ReturnType<Core['mounts']['match']>>, data: Record<string, unknown>): Promise<string | undefined> {
  const backend = core.backend(mount.key);
  if (!backend?.resolveRole || !matchPath(backend, mount.relative)?.def.unauthenticated) return undefined;
  try {
    return await backend.resolveRole(data, core.mountStorage(mount.entry), mount.entry);
  } catch {
    // As Vault: a role that cannot be resolved leaves the request to the mount's other quotas.
    return undefined;
  }
}

function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'X-Ratelimit-Limit': String(decision.limit),
    'X-Ratelimit-Remaining': String(decision.remaining),
    'X-Ratelimit-Reset': String(decision.resetSeconds),
  };
}
