import { invalidRequest } from './errors.js';
import { ROOT_POLICY, sanitizePolicies } from './policy-names.js';
import { parseCidrList } from './cidr.js';
import { field, type Parsed } from './fields.js';
import type { LoginResult } from './types.js';

/**
 * The token parameters every auth method's roles (or users) take — Vault's sdk/helper/tokenutil —
 * so that approle, jwt, kubernetes and userpass parse, store, answer and log in with them alike.
 */

/** Vault's tokenutil.TokenFields. */
const TOKEN_FIELDS = {
  token_policies: field.strings({ description: 'Policies to put on the tokens issued.' }),
  token_ttl: field.duration({ description: 'Initial TTL of the tokens issued; 0 is the mount default.' }),
  token_max_ttl: field.duration({ description: 'Lifetime the tokens issued may be renewed up to; 0 is the mount max.' }),
  token_explicit_max_ttl: field.duration({ description: 'A hard lifetime limit that renewals cannot pass.' }),
  token_period: field.duration({ description: 'Makes the tokens issued periodic, renewable by this much forever.' }),
  token_num_uses: field.int({ description: 'Uses of an issued token before it is revoked; 0 is unlimited.' }),
  token_no_default_policy: field.bool({ description: 'Do not add the "default" policy to the tokens issued.' }),
  token_bound_cidrs: field.strings({ description: 'CIDR blocks the login and the tokens issued may be used from.' }),
  token_type: field.string({ description: '"default", "default-service" or "service" (batch tokens are not supported).' }),
};
type TokenField = keyof typeof TOKEN_FIELDS;

/** The names the token parameters had before tokenutil; each method still takes its own few of them. */
const DEPRECATED_FIELDS = {
  policies: field.strings({ description: 'Deprecated: use token_policies.' }),
  ttl: field.duration({ description: 'Deprecated: use token_ttl.' }),
  max_ttl: field.duration({ description: 'Deprecated: use token_max_ttl.' }),
  period: field.duration({ description: 'Deprecated: use token_period.' }),
  num_uses: field.int({ description: 'Deprecated: use token_num_uses.' }),
  bound_cidrs: field.strings({ description: 'Deprecated: use token_bound_cidrs.' }),
};
export type DeprecatedTokenField = keyof typeof DEPRECATED_FIELDS;

/** Deprecated name → the token_* field it became (the pairs Vault's methods pass to UpgradeValue). */
const RENAMED: Record<DeprecatedTokenField, TokenField> = {
  policies: 'token_policies',
  ttl: 'token_ttl',
  max_ttl: 'token_max_ttl',
  period: 'token_period',
  num_uses: 'token_num_uses',
  bound_cidrs: 'token_bound_cidrs',
};
const DEPRECATED_NAME = Object.fromEntries(Object.entries(RENAMED).map(([old, renamed]) => [renamed, old])) as Partial<
  Record<TokenField, DeprecatedTokenField>
>;

/**
 * The field table of a method's token parameters: every token_* field, plus the deprecated names
 * that method still accepts (each Vault method declares its own few; a name it does not declare is
 * an unknown field, ignored like any other).
 */
export function tokenParamFields<D extends DeprecatedTokenField = never>(...deprecated: D[]): typeof TOKEN_FIELDS & Pick<typeof DEPRECATED_FIELDS, D> {
  const picked = Object.fromEntries(deprecated.map((name) => [name, DEPRECATED_FIELDS[name]])) as Pick<typeof DEPRECATED_FIELDS, D>;
  return { ...TOKEN_FIELDS, ...picked };
}

/** Token types as Vault names them; Coffer issues service tokens for all three. */
export type TokenType = 'default' | 'default-service' | 'service';

/** A method's token parameters as stored (Vault's tokenutil.TokenParams). Durations in seconds. */
export interface TokenParams {
  policies: string[];
  ttl: number;
  maxTtl: number;
  explicitMaxTtl: number;
  period: number;
  numUses: number;
  noDefaultPolicy: boolean;
  boundCidrs: string[];
  type: TokenType;
  /** Deprecated names settings were last written under: a read answers those names too, as Vault does. */
  deprecated: DeprecatedTokenField[];
}

/** The parameters of a new role or user: everything unset, so the mount's defaults apply. */
export function defaultTokenParams(): TokenParams {
  return {
    policies: [],
    ttl: 0,
    maxTtl: 0,
    explicitMaxTtl: 0,
    period: 0,
    numUses: 0,
    noDefaultPolicy: false,
    boundCidrs: [],
    type: 'default',
    deprecated: [],
  };
}

type AllFields = typeof TOKEN_FIELDS & typeof DEPRECATED_FIELDS;

/** A request as far as token parameters go; its table may hold any subset of the fields. */
export interface TokenParamsRequest {
  fields: Partial<Parsed<AllFields>>;
  /** Whether the caller sent the field (Req.provided). */
  provided(name: string): boolean;
}

/**
 * Applies the token parameters the caller sent onto `current` (those not sent keep their value, as
 * in a Vault role update) and validates the result as Vault's ParseTokenFields does. 400, and
 * nothing applied, on bad values.
 */
export function applyTokenParams(current: TokenParams, req: TokenParamsRequest): TokenParams {
  const next: TokenParams = { ...current, deprecated: [...current.deprecated] };
  /** Vault's tokenutil.UpgradeValue: which name the caller used for a setting, and what it sent. */
  const sent = <N extends TokenField>(name: N): { used: string; value: Parsed<AllFields>[N] } | undefined => {
    const old = DEPRECATED_NAME[name];
    const sentNew = req.provided(name);
    const sentOld = old !== undefined && req.provided(old);
    if (sentNew && sentOld) throw invalidRequest(`cannot specify both "${name}" and "${old}"`);
    if (!sentNew && !sentOld) return undefined;
    next.deprecated = next.deprecated.filter((d) => d !== old);
    if (sentOld) next.deprecated.push(old);
    const used = sentOld ? old : name;
    return { used, value: req.fields[used] as Parsed<AllFields>[N] };
  };

  const policies = sent('token_policies');
  if (policies) next.policies = sanitizePolicies(policies.value, false);
  const ttl = sent('token_ttl');
  if (ttl) next.ttl = ttl.value;
  const maxTtl = sent('token_max_ttl');
  if (maxTtl) next.maxTtl = maxTtl.value;
  const explicitMaxTtl = sent('token_explicit_max_ttl');
  if (explicitMaxTtl) next.explicitMaxTtl = explicitMaxTtl.value;
  const period = sent('token_period');
  if (period) next.period = period.value;
  const numUses = sent('token_num_uses');
  if (numUses) {
    if (numUses.value < 0) throw invalidRequest("'token_num_uses' cannot be negative");
    next.numUses = numUses.value;
  }
  const noDefaultPolicy = sent('token_no_default_policy');
  if (noDefaultPolicy) next.noDefaultPolicy = noDefaultPolicy.value;
  const cidrs = sent('token_bound_cidrs');
  if (cidrs) next.boundCidrs = parseCidrList(cidrs.value, cidrs.used);
  const type = sent('token_type');
  if (type) next.type = parseTokenType(type.value);

  if (next.ttl > 0 && next.maxTtl > 0 && next.ttl > next.maxTtl) {
    throw invalidRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
  return next;
}

function parseTokenType(written: string): TokenType {
  switch (written) {
    case '':
    case 'default':
      return 'default';
    case 'default-service':
    case 'service':
      return written;
    case 'batch':
    case 'default-batch':
      throw invalidRequest('batch tokens are not supported');
    default:
      throw invalidRequest(`invalid 'token_type' value "${written}"`);
  }
}

/**
 * Vault's PopulateTokenData: the token_* keys of a role or user read, plus each deprecated name the
 * setting was written under, while it holds a value (Vault's methods answer those only when set).
 */
export function describeTokenParams(p: TokenParams): Record<string, unknown> {
  const data: Record<string, unknown> = {
    token_policies: p.policies,
    token_ttl: p.ttl,
    token_max_ttl: p.maxTtl,
    token_explicit_max_ttl: p.explicitMaxTtl,
    token_period: p.period,
    token_num_uses: p.numUses,
    token_no_default_policy: p.noDefaultPolicy,
    token_bound_cidrs: p.boundCidrs,
    token_type: p.type,
  };
  for (const old of p.deprecated) {
    const value = data[RENAMED[old]];
    if (Array.isArray(value) ? value.length > 0 : Number(value) > 0) data[old] = value;
  }
  return data;
}

/** 400 for parameters holding "root": Vault's core refuses any login that would make a root token. */
export function refuseRootPolicy(p: TokenParams): void {
  if (p.policies.includes(ROOT_POLICY)) throw invalidRequest('auth methods cannot create root tokens');
}

/** The token part of a LoginResult (Vault's PopulateTokenAuth); 400 when it would be a root token. */
export function loginTokenFields(p: TokenParams): Omit<LoginResult, 'alias' | 'metadata' | 'displayName' | 'internal'> {
  refuseRootPolicy(p);
  return {
    policies: p.policies,
    ttl: p.ttl,
    maxTtl: p.maxTtl,
    explicitMaxTtl: p.explicitMaxTtl,
    period: p.period,
    numUses: p.numUses,
    noDefaultPolicy: p.noDefaultPolicy,
    boundCidrs: p.boundCidrs,
    renewable: true,
  };
}
