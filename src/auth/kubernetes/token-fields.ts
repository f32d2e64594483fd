import { invalidRequest } from '../../core/errors.js';
import { parseCidrList } from '../../core/framework/cidr.js';
import { field } from '../../core/framework/fields.js';
import type { LoginResult, Req } from '../../core/framework/types.js';
import { sanitizePolicies } from '../../core/token/policies.js';

/** The token settings a role stores (Vault's tokenutil.TokenParams). Durations in seconds. */
export interface TokenSettings {
  token_policies: string[];
  token_ttl: number;
  token_max_ttl: number;
  token_explicit_max_ttl: number;
  token_period: number;
  token_num_uses: number;
  token_bound_cidrs: string[];
  token_no_default_policy: boolean;
}

export const emptyTokenSettings = (): TokenSettings => ({
  token_policies: [],
  token_ttl: 0,
  token_max_ttl: 0,
  token_explicit_max_ttl: 0,
  token_period: 0,
  token_num_uses: 0,
  token_bound_cidrs: [],
  token_no_default_policy: false,
});

/** The token_* fields of a role, and the pre-tokenutil names Vault still accepts for them. */
export const tokenFields = {
  token_policies: field.strings({ description: 'Policies of tokens issued through this role.' }),
  policies: field.strings({ description: 'Deprecated: use token_policies.' }),
  token_ttl: field.duration({ description: 'Initial TTL of issued tokens.' }),
  ttl: field.duration({ description: 'Deprecated: use token_ttl.' }),
  token_max_ttl: field.duration({ description: 'Maximum lifetime of issued tokens, renewals included.' }),
  max_ttl: field.duration({ description: 'Deprecated: use token_max_ttl.' }),
  token_explicit_max_ttl: field.duration({ description: 'Hard lifetime limit that also overrides the mount and system max.' }),
  token_period: field.duration({ description: 'Makes issued tokens periodic with this renewal period.' }),
  period: field.duration({ description: 'Deprecated: use token_period.' }),
  token_num_uses: field.int({ description: 'Uses allowed per issued token; 0 is unlimited.' }),
  num_uses: field.int({ description: 'Deprecated: use token_num_uses.' }),
  token_bound_cidrs: field.strings({ description: 'CIDR blocks allowed to log in with this role and use its tokens.' }),
  bound_cidrs: field.strings({ description: 'Deprecated: use token_bound_cidrs.' }),
  token_no_default_policy: field.bool({ description: 'Do not add the default policy to issued tokens.' }),
  token_type: field.string({ description: 'Only "default" and "service" are supported.' }),
};
type TokenFieldsReq = Req<typeof tokenFields>;

/** Deprecated names and the field each one became (Vault's tokenutil.UpgradeValue pairs). */
const DEPRECATED = [
  ['policies', 'token_policies'],
  ['ttl', 'token_ttl'],
  ['max_ttl', 'token_max_ttl'],
  ['period', 'token_period'],
  ['num_uses', 'token_num_uses'],
  ['bound_cidrs', 'token_bound_cidrs'],
] as const;

/**
 * Applies the token_* fields the caller sent onto `current` (fields not sent keep their value, as in
 * a Vault role update) and validates the result; 400 on anything invalid, before anything is stored.
 */
export function applyTokenFields(req: TokenFieldsReq, current: TokenSettings): TokenSettings {
  const f = req.fields;
  for (const [old, renamed] of DEPRECATED) {
    if (req.provided(old) && req.provided(renamed)) throw invalidRequest(`cannot specify both "${renamed}" and deprecated "${old}"`);
  }
  const pick = <K extends keyof TokenSettings>(name: K, deprecated: string | undefined, value: TokenSettings[K], oldValue: TokenSettings[K]) => {
    if (req.provided(name)) return value;
    if (deprecated && req.provided(deprecated as keyof typeof tokenFields)) return oldValue;
    return current[name];
  };
  if (req.provided('token_type') && !['', 'default', 'service', 'default-service'].includes(f.token_type)) {
    throw invalidRequest(f.token_type === 'batch' || f.token_type === 'default-batch' ? 'batch tokens are not supported' : `invalid 'token_type' value "${f.token_type}"`);
  }
  const next: TokenSettings = {
    token_policies: pick('token_policies', 'policies', f.token_policies, f.policies),
    token_ttl: pick('token_ttl', 'ttl', f.token_ttl, f.ttl),
    token_max_ttl: pick('token_max_ttl', 'max_ttl', f.token_max_ttl, f.max_ttl),
    token_explicit_max_ttl: pick('token_explicit_max_ttl', undefined, f.token_explicit_max_ttl, 0),
    token_period: pick('token_period', 'period', f.token_period, f.period),
    token_num_uses: pick('token_num_uses', 'num_uses', f.token_num_uses, f.num_uses),
    token_bound_cidrs: pick('token_bound_cidrs', 'bound_cidrs', f.token_bound_cidrs, f.bound_cidrs),
    token_no_default_policy: pick('token_no_default_policy', undefined, f.token_no_default_policy, false),
  };
  next.token_policies = sanitizePolicies(next.token_policies, false);
  next.token_bound_cidrs = parseCidrList(next.token_bound_cidrs, 'token_bound_cidrs');
  if (next.token_num_uses < 0) throw invalidRequest('token_num_uses cannot be negative');
  if (next.token_max_ttl > 0 && next.token_ttl > next.token_max_ttl) {
    throw invalidRequest('token ttl should not be greater than token max ttl');
  }
  return next;
}

/** The token_* keys of a role read, as Vault answers them (durations in seconds). */
export function describeTokenSettings(s: TokenSettings): Record<string, unknown> {
  return {
    token_policies: s.token_policies,
    token_ttl: s.token_ttl,
    token_max_ttl: s.token_max_ttl,
    token_explicit_max_ttl: s.token_explicit_max_ttl,
    token_period: s.token_period,
    token_num_uses: s.token_num_uses,
    token_bound_cidrs: s.token_bound_cidrs,
    token_no_default_policy: s.token_no_default_policy,
    token_type: 'default',
    // Vault still answers the deprecated name for the policies of roles that have them.
    ...(s.token_policies.length > 0 ? { policies: s.token_policies } : {}),
  };
}

/** The token part of a LoginResult (Vault's PopulateTokenAuth). */
export function loginTokenSettings(s: TokenSettings): Omit<LoginResult, 'alias'> {
  return {
    policies: s.token_policies,
    ttl: s.token_ttl,
    maxTtl: s.token_max_ttl,
    explicitMaxTtl: s.token_explicit_max_ttl,
    period: s.token_period,
    numUses: s.token_num_uses,
    noDefaultPolicy: s.token_no_default_policy,
    boundCidrs: s.token_bound_cidrs,
  };
}
