import { invalidRequest, permissionDenied } from '../../core/errors.js';
import { field } from '../../core/framework/fields.js';
import { definePath, type PathDef, type Req, type Resp } from '../../core/framework/types.js';
import { DEFAULT_POLICY, RESPONSE_WRAPPING_POLICY, ROOT_POLICY } from '../../core/policy/builtin.js';
import { isPolicySubset, sanitizePolicies } from '../../core/token/policies.js';
import type { TokenEntry } from '../../core/token-store.js';
import { fullPath, type TokenBackendContext } from './context.js';
import { authBlock } from './describe.js';

const createFields = {
  id: field.string({ description: 'Value for the token (root or sudo only).' }),
  policies: field.strings({ description: "Policies for the token; default: the parent's." }),
  meta: field.stringMap({ description: 'Arbitrary key=value metadata to associate with the token.' }),
  metadata: field.stringMap({ description: 'Alias of meta.' }),
  no_parent: field.bool({ description: 'Create the token with no parent (root or sudo only).' }),
  no_default_policy: field.bool({ description: 'Do not attach the default policy.' }),
  renewable: field.bool({ default: true, description: 'Allow the token to be renewed up to the max TTL.' }),
  ttl: field.duration({ description: 'Time to live of the token.' }),
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

/** auth/token/create and auth/token/create-orphan: a child (or orphan) of the calling token. */
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
  ];
}

/** Vault's handleCreateCommon without roles and namespaces. */
async function createToken(ctx: TokenBackendContext, req: Req<CreateFields>, orphan: boolean): Promise<Resp> {
  const f = req.fields;
  if (!req.caller) throw permissionDenied();
  const parent = await ctx.store.lookupById(req.caller.tokenId, { allowPending: true });
  if (!parent) throw invalidRequest('parent token lookup failed: no parent found');
  // A token with counted uses could escape its count through children.
  if (parent.numUses !== 0) throw invalidRequest('restricted use token cannot generate child tokens');
  const sudo = await ctx.hasSudo(req.caller, fullPath(req));

  if (f.type === 'batch') throw invalidRequest('batch tokens are not supported');
  if (f.type !== '' && f.type !== 'service') throw invalidRequest("invalid 'token_type' value");
  if (f.num_uses < 0) throw invalidRequest('number of uses cannot be negative');
  if (f.entity_alias !== '') throw invalidRequest("'entity_alias' is only allowed in combination with token role");
  if (f.id !== '' && !sudo) throw invalidRequest('root or sudo privileges required to specify token id');
  if (f.id !== '') checkCustomId(f.id);

  const policies = childPolicies(parent, f.policies, f.no_default_policy, sudo);
  for (const policy of policies) {
    if (NON_ASSIGNABLE.has(policy)) throw invalidRequest(`cannot assign policy "${policy}"`);
  }
  // Sudo alone must not mint root: that would turn any sudo grant into full control.
  if (policies.includes(ROOT_POLICY) && !parent.policies.includes(ROOT_POLICY)) {
    throw invalidRequest('root tokens may not be created without parent token being root');
  }
  if (f.no_parent && !sudo) throw invalidRequest('root or sudo privileges required to create orphan token');
  if (f.period > 0 && !sudo) throw invalidRequest('root or sudo privileges required to create periodic token');

  const { token, entry, warnings } = await ctx.store.create({
    policies,
    noDefaultPolicy: !policies.includes(DEFAULT_POLICY),
    parent,
    noParent: orphan || f.no_parent,
    ttl: f.ttl,
    explicitMaxTtl: f.explicit_max_ttl,
    period: f.period,
    numUses: f.num_uses,
    renewable: f.renewable,
    meta: req.provided('meta') ? f.meta : f.metadata,
    displayName: displayName(f.display_name),
    path: fullPath(req),
    ...(f.id !== '' ? { id: f.id } : {}),
  });
  const resp: Resp = { auth: authBlock(entry, token, entry.ttl) };
  if (f.id !== '') warnings.push('Supplying a custom ID for the token is weaker than letting Coffer generate a 256-bit random one.');
  if (warnings.length > 0) resp.warnings = warnings;
  return resp;
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
