import { invalidRequest, noHandler, permissionDenied } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { RESPONSE_WRAPPING_POLICY } from '../../policy/builtin.js';
import { DEFAULT_POLICY, isPolicySubset, ROOT_POLICY, sanitizePolicies } from '../../../framework/policy-names.js';
import type { TokenEntry } from '../../token/index.js';
import { fullPath, type TokenBackendContext } from './context.js';
import { authBlock } from './describe.js';
import { hasPolicyRules, matchesAnyGlob, rolePolicies } from './role-policies.js';
import { isValidRoleName, loadRole, type TokenRole } from './role-store.js';

const createFields = {
  id: field.string({ description: 'Value for the token (root or sudo only).' }),
  policies: field.strings({ description: "Policies for the token; default: the parent's." }),
  meta: field.stringMap({ description: 'Arbitrary key=value metadata to associate with the token.' }),
  metadata: field.stringMap({ description: 'Alias of meta.' }),
  no_parent: field.bool({ description: 'Create the token with no parent (root or sudo only).' }),
  no_default_policy: field.bool({ description: 'Do not attach the default policy.' }),
  renewable: field.bool({ default: true, description: 'Allow the token to be renewed up to the max TTL.' }),
  ttl: field.duration({ description: 'Time to live of the token.' }),
  lease: field.duration({ description: 'Deprecated alias of ttl, kept by Vault for old clients; ttl wins when both are sent.' }),
  explicit_max_ttl: field.duration({ description: 'A hard limit the token can never be renewed past.' }),
  display_name: field.string({ description: 'Name to associate with the token.' }),
  num_uses: field.int({ description: 'Number of uses of the token; 0 is unlimited.' }),
  period: field.duration({ description: 'Renewal period of a periodic token (root or sudo only).' }),
  type: field.string({ description: 'Token type; only "service" is supported.' }),
  entity_alias: field.string({ description: 'Entity alias; only valid with token roles.' }),
  format: field.string({ description: 'Output format (accepted for compatibility).' }),
};
type CreateFields = typeof createFields;

/** Policies that only the core may put on a token (Vault's nonAssignablePolicies). */
const NON_ASSIGNABLE = new Set([RESPONSE_WRAPPING_POLICY, 'control-group']);

const createWithRoleFields = {
  ...createFields,
  role_name: field.string({ required: true, description: 'Name of the token role to create the token against.' }),
};

/**
 * auth/token/create and auth/token/create-orphan: a child (or orphan) of the calling token;
 * auth/token/create/:role_name: the same, shaped by a token role.
 */
export function createPaths(ctx: TokenBackendContext): PathDef[] {
  return [
    definePath({
      pattern: 'create',
      fields: createFields,
      operations: { update: (req) => createToken(ctx, req, false) },
      description: 'Create a token as a child of the calling token.',
    }),
    definePath({
      pattern: 'create-orphan',
      fields: createFields,
      operations: { update: (req) => createToken(ctx, req, true) },
      description: 'Create a token without a parent: it outlives the calling token.',
    }),
    definePath({
      pattern: 'create/:role_name',
      fields: createWithRoleFields,
      operations: {
        update: async (req, store) => createToken(ctx, req, false, await roleFor(req, store)),
      },
      description: 'Create a token against a token role: the role sets its policies, orphan status, period, limits and bound CIDRs.',
    }),
  ];
}

/** Vault's handleCreateAgainstRole: the role must exist. */
async function roleFor(req: Req<typeof createWithRoleFields>, store: MountStorage): Promise<TokenRole> {
  const name = req.fields.role_name;
  if (!isValidRoleName(name)) throw noHandler(fullPath(req));
  const role = await loadRole(store, name);
  if (!role) throw invalidRequest(`unknown role ${name}`);
  return role;
}

/**
 * Vault's handleCreateCommon without namespaces. Everything is checked before anything is written:
 * the entity of an `entity_alias` is only fetched (or created) once the token is sure to be made.
 */
async function createToken(ctx: TokenBackendContext, req: Req<CreateFields>, orphan: boolean, role?: TokenRole): Promise<Resp> {
  const f = req.fields;
  if (!req.caller) throw permissionDenied();
  const parent = await ctx.store.lookupById(req.caller.tokenId, { allowPending: true });
  if (!parent) throw invalidRequest('parent token lookup failed: no parent found');
  // A token with counted uses could escape its count through children.
  if (parent.numUses !== 0) throw invalidRequest('restricted use token cannot generate child tokens');
  const sudo = await ctx.hasSudo(req.caller, fullPath(req));

  // A role of type "service" decides the type; "default-service" lets the request choose.
  const type = role?.tokenType === 'service' ? 'service' : f.type;
  if (type === 'batch') throw invalidRequest('batch tokens are not supported');
  if (type !== '' && type !== 'service') throw invalidRequest("invalid 'token_type' value");
  if (f.num_uses < 0) throw invalidRequest('number of uses cannot be negative');
  if (f.entity_alias !== '') checkEntityAlias(ctx, role, f.entity_alias);
  if (f.id !== '' && !sudo) throw invalidRequest('root or sudo privileges required to specify token id');
  if (f.id !== '') checkCustomId(f.id);

  const noDefaultPolicy = f.no_default_policy || (role?.tokenNoDefaultPolicy ?? false);
  const policies =
    role && hasPolicyRules(role)
      ? withoutDefaultIf(noDefaultPolicy, sanitizePolicies(rolePolicies(role, parent, f.policies, noDefaultPolicy), false))
      : childPolicies(parent, f.policies, noDefaultPolicy, sudo);
  for (const policy of policies) {
    if (NON_ASSIGNABLE.has(policy)) throw invalidRequest(`cannot assign policy "${policy}"`);
  }
  // Sudo alone must not mint root: that would turn any sudo grant into full control.
  if (policies.includes(ROOT_POLICY) && !parent.policies.includes(ROOT_POLICY)) {
    throw invalidRequest('root tokens may not be created without parent token being root');
  }
  // A role decides orphanhood by itself (no sudo needed, no_parent ignored), as in Vault.
  let noParent = orphan;
  if (role) {
    noParent = role.orphan;
  } else if (f.no_parent) {
    if (!sudo) throw invalidRequest('root or sudo privileges required to create orphan token');
    noParent = true;
  }
  if (f.period > 0 && !sudo) throw invalidRequest('root or sudo privileges required to create periodic token');

  const warnings: string[] = [];
  const { explicitMaxTtl, period } = role ? roleLimits(role, f.explicit_max_ttl, f.period, warnings) : { explicitMaxTtl: f.explicit_max_ttl, period: f.period };
  // Tokens that never expire are not bound to addresses (Vault drops the CIDRs of those).
  const ttl = requestedTtl(req);
  const neverExpires = policies.includes(ROOT_POLICY) && ttl === 0 && period === 0 && explicitMaxTtl === 0;
  // A role's CIDRs replace the parent's: roles may widen what a token can do, by design.
  const boundCidrs = neverExpires ? [] : role ? role.tokenBoundCidrs : noParent ? [] : (parent.boundCidrs ?? []);
  const entityId = f.entity_alias !== '' ? await ctx.entityForAlias!(f.entity_alias) : undefined;

  const created = await ctx.store.create({
    policies,
    noDefaultPolicy: !policies.includes(DEFAULT_POLICY),
    parent,
    noParent,
    ttl,
    explicitMaxTtl,
    period,
    numUses: role ? roleNumUses(role, f.num_uses) : f.num_uses,
    renewable: f.renewable && (role?.renewable ?? true),
    meta: req.provided('meta') ? f.meta : f.metadata,
    displayName: displayName(f.display_name),
    path: role?.pathSuffix ? `${fullPath(req)}/${role.pathSuffix}` : fullPath(req),
    boundCidrs,
    // A token made at <namespace>/auth/token/create belongs to that namespace.
    ...(req.mount.namespace ? { namespaceId: req.mount.namespace.id } : {}),
    ...(role ? { role: role.name } : {}),
    ...(entityId !== undefined ? { entityId } : {}),
    ...(f.id !== '' ? { id: f.id } : {}),
  });
  ctx.onTokenCreated?.();
  const { token, entry } = created;
  warnings.push(...created.warnings);
  const resp: Resp = { auth: authBlock(entry, token, entry.ttl) };
  if (f.id !== '') warnings.push('Supplying a custom ID for the token is weaker than letting Coffer generate a 256-bit random one.');
  if (warnings.length > 0) resp.warnings = warnings;
  return resp;
}

/** Vault reads `lease` only when `ttl` is absent or empty (token_store.go's compatibility branch). */
function requestedTtl(req: Req<CreateFields>): number {
  return req.provided('ttl') && req.raw['ttl'] !== '' ? req.fields.ttl : req.fields.lease;
}

/**
 * Vault's rule for `entity_alias`: only with a role, and only an alias the role allows (compared in
 * lowercase, globs allowed). The entity itself is fetched later, once nothing can fail any more.
 */
function checkEntityAlias(ctx: TokenBackendContext, role: TokenRole | undefined, alias: string): void {
  if (!role) throw invalidRequest("'entity_alias' is only allowed in combination with token role");
  const lower = alias.toLowerCase();
  if (!role.allowedEntityAliases.includes(lower) && !matchesAnyGlob(role.allowedEntityAliases, lower)) {
    throw invalidRequest("invalid 'entity_alias' value");
  }
  if (!ctx.entityForAlias) throw invalidRequest('entity aliases are not available: this server has no identity store');
}

/** The lesser of the role's and the request's explicit max TTL and period (0 = unset), with Vault's warnings. */
function roleLimits(role: TokenRole, requestedMax: number, requestedPeriod: number, warnings: string[]): { explicitMaxTtl: number; period: number } {
  let explicitMaxTtl = requestedMax;
  if (role.tokenExplicitMaxTtl !== 0) {
    if (explicitMaxTtl === 0) {
      explicitMaxTtl = role.tokenExplicitMaxTtl;
    } else {
      explicitMaxTtl = Math.min(explicitMaxTtl, role.tokenExplicitMaxTtl);
      warnings.push(`Explicit max TTL specified both during creation call and in role; using the lesser value of ${explicitMaxTtl} seconds`);
    }
  }
  let period = requestedPeriod;
  if (role.tokenPeriod !== 0) {
    if (period === 0) {
      period = role.tokenPeriod;
    } else {
      period = Math.min(period, role.tokenPeriod);
      warnings.push(`Period specified both during creation call and in role; using the lesser value of ${period} seconds`);
    }
  }
  return { explicitMaxTtl, period };
}

/** The role's use limit applies when the request has none or a larger one (0 is unlimited, so the largest). */
function roleNumUses(role: TokenRole, requested: number): number {
  if (role.tokenNumUses === 0) return requested;
  return requested === 0 ? role.tokenNumUses : Math.min(requested, role.tokenNumUses);
}

function withoutDefaultIf(strip: boolean, policies: string[]): string[] {
  return strip ? policies.filter((p) => p !== DEFAULT_POLICY) : policies;
}

/**
 * Vault's policy rules for a child token: no policies asked → the parent's (with "default" only
 * if the parent has it); otherwise a subset of the parent's unless the caller has sudo; "default"
 * is added unless no_default_policy, and removed whenever no_default_policy is set.
 */
export function childPolicies(parent: TokenEntry, requested: string[], noDefaultPolicy: boolean, sudo: boolean): string[] {
  let addDefault = false;
  let policies = requested;
  if (sanitizePolicies(requested, false).length === 0) {
    policies = sanitizePolicies(parent.policies, false);
  } else if (!sudo) {
    if (!isPolicySubset(sanitizePolicies(parent.policies, false), sanitizePolicies(requested, false))) {
      throw invalidRequest('child policies must be subset of parent');
    }
    addDefault = !noDefaultPolicy && parent.policies.includes(DEFAULT_POLICY);
  } else {
    addDefault = !noDefaultPolicy;
  }
  const result = sanitizePolicies(policies, addDefault);
  return noDefaultPolicy ? result.filter((p) => p !== DEFAULT_POLICY) : result;
}

/** Vault's display names: "token" or "token-<name>", with anything but [a-zA-Z0-9-] turned into "-". */
function displayName(requested: string): string {
  if (requested === '') return 'token';
  return `token-${requested}`.replace(/[^a-zA-Z0-9-]/g, '-').replace(/-$/, '');
}

/**
 * Vault's rules for client-chosen ids: a "." marks generated (prefixed) and namespaced tokens, so a
 * chosen id may not contain one, nor look like a generated service token.
 */
function checkCustomId(id: string): void {
  if (id.startsWith('hvs.')) throw invalidRequest("custom token ID cannot have the 'hvs.' prefix");
  if (id.includes('.')) throw invalidRequest("custom token ID cannot have a '.' in the value");
}
