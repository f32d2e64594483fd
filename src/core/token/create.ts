import { invalidRequest } from '../../framework/errors.js';
import { DEFAULT_POLICY, ROOT_POLICY, sanitizePolicies } from '../../framework/policy-names.js';
import type { LoginOrigin, TokenEntry } from './entry.js';
import { newAccessor, newServiceToken } from './ids.js';
import type { TokenRecords, TokenWrites } from './records.js';
import { calculateTtl, effectiveMaxTtl } from './ttl.js';

export interface CreateTokenParams {
  policies: string[];
  /** The creating token; the new token becomes its child unless `noParent`. */
  parent?: TokenEntry;
  noParent?: boolean;
  /** Seconds. */
  ttl?: number;
  explicitMaxTtl?: number;
  period?: number;
  numUses?: number;
  /** Default true; forced false for tokens that never expire. */
  renewable?: boolean;
  meta?: Record<string, string>;
  /** Stored verbatim (the token backend adds Vault's "token-" prefix); default "token". */
  displayName?: string;
  noDefaultPolicy?: boolean;
  /** Default "auth/token/create". */
  path?: string;
  /** Default: the parent's entity when not an orphan, else "". */
  entityId?: string;
  /** token_bound_cidrs, already validated. */
  boundCidrs?: string[];
  /** Seconds; lowers the system max TTL for this token (creation and renewals). */
  maxTtl?: number;
  /** The token role it is created against. */
  role?: string;
  /** The login that made it (set by the core's login handling only). */
  login?: LoginOrigin;
  /** The namespace it is made in (absent: the root). */
  namespaceId?: string;
  /**
   * A chosen token (auth/token/create's `id`, -dev-root-token-id); default a fresh 256-bit "hvs."
   * token. Not validated here: auth/token/create applies Vault's rules to client-chosen ids.
   */
  id?: string;
}

export interface CreatedToken {
  /** The plaintext token: returned once, never stored. */
  token: string;
  entry: TokenEntry;
  warnings: string[];
}

/** What creation needs of the store: its records, clock and system TTLs (seconds). */
export interface CreationContext {
  records: TokenRecords;
  now: () => number;
  defaultTtl: number;
  maxTtl: number;
}

/**
 * A new token and the writes (keys under the store's view) that create it. Applies Vault's
 * mechanics: policy sanitizing, TTL calculation, root tokens never expiring.
 */
export function prepareToken(context: CreationContext, params: CreateTokenParams): CreatedToken & TokenWrites {
  const numUses = params.numUses ?? 0;
  if (!Number.isSafeInteger(numUses) || numUses < 0) throw invalidRequest('number of uses cannot be negative');
  for (const [name, value] of [['ttl', params.ttl], ['explicit_max_ttl', params.explicitMaxTtl], ['period', params.period], ['max_ttl', params.maxTtl]] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw invalidRequest(`${name} must be positive`);
  }
  // Which ids a client may choose is the token backend's rule; the store only needs one.
  if (params.id === '') throw invalidRequest('token id cannot be empty');

  let policies = sanitizePolicies(params.policies, !params.noDefaultPolicy);
  if (params.noDefaultPolicy) policies = policies.filter((p) => p !== DEFAULT_POLICY);

  const nowMs = context.now();
  const creationTime = Math.floor(nowMs / 1000);
  const explicitMaxTtl = params.explicitMaxTtl ?? 0;
  const period = params.period ?? 0;
  let ttl = params.ttl ?? 0;
  const warnings: string[] = [];
  // Only root tokens may be without TTL; everything else gets one (Vault's handleCreateCommon).
  if (period > 0 || ttl > 0 || !policies.includes(ROOT_POLICY)) {
    const calculated = calculateTtl({
      increment: 0,
      ttl,
      period,
      explicitMaxTtl,
      defaultTtl: context.defaultTtl,
      maxTtl: effectiveMaxTtl(context.maxTtl, params),
      start: creationTime,
      now: creationTime,
    });
    ttl = calculated.ttl;
    warnings.push(...calculated.warnings);
  }
  // Root tokens are still bound by an explicit max TTL.
  if (ttl === 0 && explicitMaxTtl > 0) ttl = explicitMaxTtl;
  let renewable = params.renewable ?? true;
  if (ttl === 0) {
    if (params.parent && params.parent.ttl !== 0) {
      throw invalidRequest('expiring root tokens cannot create non-expiring root tokens');
    }
    // Vault does not advertise never-expiring tokens as renewable: renewing them is refused.
    renewable = false;
  }

  const parent = params.noParent ? undefined : params.parent;
  const token = params.id ?? newServiceToken();
  const entry: TokenEntry = {
    id: context.records.hashToken(token),
    accessor: newAccessor(),
    ...(parent ? { parentId: parent.id } : {}),
    policies,
    meta: { ...(params.meta ?? {}) },
    displayName: params.displayName ?? 'token',
    numUses,
    creationTime,
    issueTime: nowMs,
    ttl,
    explicitMaxTtl,
    period,
    renewable,
    path: params.path ?? 'auth/token/create',
    entityId: params.entityId ?? parent?.entityId ?? '',
    orphan: !parent,
    type: 'service',
    expireTime: ttl > 0 ? nowMs + ttl * 1000 : 0,
    lastRenewalTime: 0,
    ...(params.boundCidrs?.length ? { boundCidrs: params.boundCidrs } : {}),
    ...(params.maxTtl ? { maxTtl: params.maxTtl } : {}),
    ...(params.role ? { role: params.role } : {}),
    ...(params.login ? { login: params.login } : {}),
    ...(params.namespaceId ? { namespaceId: params.namespaceId } : {}),
  };
  return { token, entry, warnings, ...context.records.creation(entry) };
}
