import { invalidRequest } from '../../core/errors.js';
import { parseCidrList } from '../../core/framework/cidr.js';
import { field, type Parsed } from '../../core/framework/fields.js';
import type { LoginResult } from '../../core/framework/types.js';
import { sanitizePolicies } from '../../core/token/policies.js';

/**
 * The token_* parameters every Vault auth method role/user takes (Vault's tokenutil), plus the
 * pre-1.2 names userpass still accepts (policies, ttl, max_ttl, bound_cidrs).
 */
export const tokenFields = {
  token_policies: field.strings({ description: 'Policies to put on tokens issued at login.' }),
  policies: field.strings({ description: 'Deprecated: use token_policies.' }),
  token_ttl: field.duration({ description: 'Initial lifetime of issued tokens; 0 is the mount default.' }),
  ttl: field.duration({ description: 'Deprecated: use token_ttl.' }),
  token_max_ttl: field.duration({ description: 'Lifetime issued tokens may be renewed up to; 0 is the mount max.' }),
  max_ttl: field.duration({ description: 'Deprecated: use token_max_ttl.' }),
  token_bound_cidrs: field.strings({ description: 'CIDR blocks the user may log in from and issued tokens may be used from.' }),
  bound_cidrs: field.strings({ description: 'Deprecated: use token_bound_cidrs.' }),
  token_explicit_max_ttl: field.duration({ description: 'A hard lifetime limit that renewals cannot pass.' }),
  token_no_default_policy: field.bool({ description: 'Do not add the "default" policy to issued tokens.' }),
  token_num_uses: field.int({ description: 'Uses of an issued token before it is revoked; 0 is unlimited.' }),
  token_period: field.duration({ description: 'Makes issued tokens periodic, renewable by this much forever.' }),
  token_type: field.string({ description: 'Token type: "default" or "service" (batch tokens are not supported).' }),
};
export type TokenFields = typeof tokenFields;

/** What a user's tokens get, as stored. Durations in seconds. */
export interface TokenSettings {
  policies: string[];
  ttl: number;
  maxTtl: number;
  explicitMaxTtl: number;
  period: number;
  numUses: number;
  noDefaultPolicy: boolean;
  boundCidrs: string[];
  type: 'default' | 'service';
  /** Settings last written under their deprecated names: a read answers those names too, as Vault does. */
  legacy: { policies: boolean; ttl: boolean; maxTtl: boolean; boundCidrs: boolean };
}

export const DEFAULT_TOKEN_SETTINGS: TokenSettings = {
  policies: [],
  ttl: 0,
  maxTtl: 0,
  explicitMaxTtl: 0,
  period: 0,
  numUses: 0,
  noDefaultPolicy: false,
  boundCidrs: [],
  type: 'default',
  legacy: { policies: false, ttl: false, maxTtl: false, boundCidrs: false },
};

/** The parsed request as far as policies are concerned (users/:username/policies takes only these). */
export interface PolicyInput {
  fields: { token_policies: string[]; policies: string[] };
  /** Whether the caller sent the field (Req.provided). */
  provided(name: string): boolean;
}

/** The parsed request as far as token settings are concerned. */
export interface TokenInput extends PolicyInput {
  fields: Parsed<TokenFields>;
}

/**
 * Vault's tokenutil.UpgradeValue: the new name wins and clears the legacy marker; the old name alone
 * still works and is remembered; both at once is an error. Undefined when neither was sent.
 */
function pick<T>(input: PolicyInput, current: string, legacy: string, value: (name: string) => T) {
  const sentCurrent = input.provided(current);
  const sentLegacy = input.provided(legacy);
  if (sentCurrent && sentLegacy) throw invalidRequest(`cannot specify both "${current}" and "${legacy}"`);
  if (sentCurrent) return { value: value(current), legacy: false };
  if (sentLegacy) return { value: value(legacy), legacy: true };
  return undefined;
}

/** Applies token_policies (or the legacy policies) if sent. */
export function applyPolicies(base: TokenSettings, input: PolicyInput): TokenSettings {
  const sent = pick(input, 'token_policies', 'policies', (name) => input.fields[name as 'policies']);
  if (!sent) return base;
  return { ...base, policies: sanitizePolicies(sent.value, false), legacy: { ...base.legacy, policies: sent.legacy } };
}

/** Applies the token parameters the caller sent to `base`; 400 (and nothing applied) on bad values. */
export function applyTokenFields(base: TokenSettings, input: TokenInput): TokenSettings {
  const f = input.fields;
  const next: TokenSettings = applyPolicies({ ...base, legacy: { ...base.legacy } }, input);
  const duration = (name: string) => f[name as keyof TokenFields] as number;

  const ttl = pick(input, 'token_ttl', 'ttl', duration);
  if (ttl) [next.ttl, next.legacy.ttl] = [ttl.value, ttl.legacy];
  const maxTtl = pick(input, 'token_max_ttl', 'max_ttl', duration);
  if (maxTtl) [next.maxTtl, next.legacy.maxTtl] = [maxTtl.value, maxTtl.legacy];
  const cidrs = pick(input, 'token_bound_cidrs', 'bound_cidrs', (name) => parseCidrList(f[name as 'bound_cidrs'], name));
  if (cidrs) [next.boundCidrs, next.legacy.boundCidrs] = [cidrs.value, cidrs.legacy];

  if (input.provided('token_explicit_max_ttl')) next.explicitMaxTtl = f.token_explicit_max_ttl;
  if (input.provided('token_period')) next.period = f.token_period;
  if (input.provided('token_no_default_policy')) next.noDefaultPolicy = f.token_no_default_policy;
  if (input.provided('token_num_uses')) {
    if (f.token_num_uses < 0) throw invalidRequest('"token_num_uses" cannot be negative');
    next.numUses = f.token_num_uses;
  }
  if (input.provided('token_type')) next.type = parseTokenType(f.token_type);

  if (next.maxTtl > 0 && next.ttl > next.maxTtl) throw invalidRequest('"token_ttl" cannot be greater than "token_max_ttl"');
  return next;
}

function parseTokenType(written: string): TokenSettings['type'] {
  switch (written) {
    case '':
    case 'default':
    case 'default-service':
      return 'default';
    case 'service':
      return 'service';
    case 'batch':
    case 'default-batch':
      throw invalidRequest('batch tokens are not supported');
    default:
      throw invalidRequest(`invalid "token_type" value "${written}": use "default" or "service"`);
  }
}

/** Vault's PopulateTokenData, plus the deprecated names for settings written under them. */
export function describeTokenSettings(s: TokenSettings): Record<string, unknown> {
  const data: Record<string, unknown> = {
    token_policies: s.policies,
    token_ttl: s.ttl,
    token_max_ttl: s.maxTtl,
    token_explicit_max_ttl: s.explicitMaxTtl,
    token_period: s.period,
    token_num_uses: s.numUses,
    token_no_default_policy: s.noDefaultPolicy,
    token_bound_cidrs: s.boundCidrs,
    token_type: s.type,
  };
  if (s.legacy.policies) data.policies = s.policies;
  if (s.legacy.ttl) data.ttl = s.ttl;
  if (s.legacy.maxTtl) data.max_ttl = s.maxTtl;
  if (s.legacy.boundCidrs) data.bound_cidrs = s.boundCidrs;
  return data;
}

/** The token part of a LoginResult (Vault's PopulateTokenAuth). */
export function tokenLoginFields(s: TokenSettings): Omit<LoginResult, 'alias' | 'metadata' | 'displayName'> {
  return {
    policies: s.policies,
    ttl: s.ttl,
    maxTtl: s.maxTtl,
    explicitMaxTtl: s.explicitMaxTtl,
    period: s.period,
    numUses: s.numUses,
    noDefaultPolicy: s.noDefaultPolicy,
    boundCidrs: s.boundCidrs,
    renewable: true,
  };
}
