import { invalidRequest } from '../../core/errors.js';
import { parseCidrList } from '../../core/framework/cidr.js';
import { field } from '../../core/framework/fields.js';
import type { LoginResult, Req } from '../../core/framework/types.js';

/** Vault's common token fields (tokenutil), plus the deprecated names the jwt method still accepts. */
export const tokenFields = {
  token_policies: field.strings({ description: 'Policies of the tokens issued.' }),
  token_ttl: field.duration({ description: 'Initial TTL of the tokens issued.' }),
  token_max_ttl: field.duration({ description: 'Maximum lifetime of the tokens issued.' }),
  token_explicit_max_ttl: field.duration({ description: 'Hard cap on the lifetime, renewals included.' }),
  token_period: field.duration({ description: 'Makes the tokens periodic with this period.' }),
  token_num_uses: field.int({ description: 'Uses allowed per token; 0 is unlimited.' }),
  token_no_default_policy: field.bool({ description: 'Leave the "default" policy out.' }),
  token_bound_cidrs: field.strings({ description: 'Blocks the tokens (and logins to this role) may be used from.' }),
  token_type: field.string({ description: '"default" or "service" (batch tokens are not supported).' }),
  policies: field.strings({ description: 'Deprecated: token_policies.' }),
  ttl: field.duration({ description: 'Deprecated: token_ttl.' }),
  max_ttl: field.duration({ description: 'Deprecated: token_max_ttl.' }),
  period: field.duration({ description: 'Deprecated: token_period.' }),
  num_uses: field.int({ description: 'Deprecated: token_num_uses.' }),
  bound_cidrs: field.strings({ description: 'Deprecated: token_bound_cidrs.' }),
};
type TokenReq = Req<typeof tokenFields>;

/** The token settings of a role, as stored. */
export interface TokenSettings {
  token_policies: string[];
  token_ttl: number;
  token_max_ttl: number;
  token_explicit_max_ttl: number;
  token_period: number;
  token_num_uses: number;
  token_no_default_policy: boolean;
  token_bound_cidrs: string[];
  token_type: string;
  /** Deprecated names the role was written with; a read shows them again, as Vault does. */
  legacy: string[];
}

export const defaultTokenSettings = (): TokenSettings => ({
  token_policies: [],
  token_ttl: 0,
  token_max_ttl: 0,
  token_explicit_max_ttl: 0,
  token_period: 0,
  token_num_uses: 0,
  token_no_default_policy: false,
  token_bound_cidrs: [],
  token_type: 'default',
  legacy: [],
});

/** Deprecated field name → the token_* field it stands for. */
const LEGACY: Record<string, TokenFieldName> = {
  policies: 'token_policies',
  ttl: 'token_ttl',
  max_ttl: 'token_max_ttl',
  period: 'token_period',
  num_uses: 'token_num_uses',
  bound_cidrs: 'token_bound_cidrs',
};

/** Vault's policy sanitising: trimmed, lower-cased, without duplicates or blanks. */
function sanitizePolicies(policies: string[]): string[] {
  return [...new Set(policies.map((p) => p.trim().toLowerCase()).filter(Boolean))];
}

type TokenFieldName = keyof typeof tokenFields & string;

/**
 * Applies the token fields the request sent onto `current` (a field not sent keeps its value). A
 * token_* field wins over its deprecated name when both are sent. 400 on an invalid combination.
 */
export function applyTokenFields(req: TokenReq, current: TokenSettings): TokenSettings {
  const chosen = <T>(modern: TokenFieldName, old: TokenFieldName | undefined, now: T): T => {
    if (req.provided(modern)) return req.fields[modern] as T;
    if (old && req.provided(old)) return req.fields[old] as T;
    return now;
  };
  const legacy = current.legacy.filter((old) => !req.provided(LEGACY[old]!));
  for (const [old, modern] of Object.entries(LEGACY)) {
    if (req.provided(old as TokenFieldName) && !req.provided(modern) && !legacy.includes(old)) legacy.push(old);
  }
  const next: TokenSettings = {
    token_policies: sanitizePolicies(chosen('token_policies', 'policies', current.token_policies)),
    token_ttl: chosen('token_ttl', 'ttl', current.token_ttl),
    token_max_ttl: chosen('token_max_ttl', 'max_ttl', current.token_max_ttl),
    token_explicit_max_ttl: chosen('token_explicit_max_ttl', undefined, current.token_explicit_max_ttl),
    token_period: chosen('token_period', 'period', current.token_period),
    token_num_uses: chosen('token_num_uses', 'num_uses', current.token_num_uses),
    token_no_default_policy: chosen('token_no_default_policy', undefined, current.token_no_default_policy),
    token_bound_cidrs: parseCidrList(chosen('token_bound_cidrs', 'bound_cidrs', current.token_bound_cidrs), 'token_bound_cidrs'),
    token_type: chosen('token_type', undefined, current.token_type) || 'default',
    legacy,
  };
  if (next.token_num_uses < 0) throw invalidRequest('token_num_uses cannot be negative');
  if (next.token_max_ttl > 0 && next.token_ttl > next.token_max_ttl) {
    throw invalidRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
  if (next.token_type !== 'default' && next.token_type !== 'service') {
    throw invalidRequest(`invalid token_type "${next.token_type}": Coffer issues service tokens only ("default" or "service")`);
  }
  return next;
}

/** The token fields of a role read, with the deprecated names it was written with. */
export function describeTokenSettings(t: TokenSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {
    token_policies: t.token_policies,
    token_ttl: t.token_ttl,
    token_max_ttl: t.token_max_ttl,
    token_explicit_max_ttl: t.token_explicit_max_ttl,
    token_period: t.token_period,
    token_num_uses: t.token_num_uses,
    token_no_default_policy: t.token_no_default_policy,
    token_bound_cidrs: t.token_bound_cidrs,
    token_type: t.token_type,
  };
  for (const old of t.legacy) out[old] = out[LEGACY[old]!];
  return out;
}

/** The LoginResult fields that come from a role's token settings. */
export function tokenLoginFields(t: TokenSettings): Pick<
  LoginResult,
  'policies' | 'ttl' | 'maxTtl' | 'explicitMaxTtl' | 'period' | 'numUses' | 'noDefaultPolicy' | 'boundCidrs'
> {
  return {
    policies: t.token_policies,
    ttl: t.token_ttl,
    maxTtl: t.token_max_ttl,
    explicitMaxTtl: t.token_explicit_max_ttl,
    period: t.token_period,
    numUses: t.token_num_uses,
    noDefaultPolicy: t.token_no_default_policy,
    boundCidrs: t.token_bound_cidrs,
  };
}
