import { invalidRequest, noHandler } from '../../../framework/errors.js';
import { parseCidrList } from '../../../framework/cidr.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { sanitizePolicies } from '../../../framework/policy-names.js';
import { fullPath, type TokenBackendContext } from './context.js';
import { describeCidrs } from './describe.js';
import { deleteRole, emptyRole, isValidRoleName, listRoles, loadRole, updateRole, type TokenRole } from './role-store.js';

const roleFields = {
  role_name: field.string({ required: true, description: 'Name of the role.' }),
  allowed_policies: field.strings({ description: 'Policies tokens of this role may have, instead of a subset of the parent\'s.' }),
  disallowed_policies: field.strings({ description: 'Policies tokens of this role may never have.' }),
  allowed_policies_glob: field.strings({ description: 'Like allowed_policies, with glob patterns.' }),
  disallowed_policies_glob: field.strings({ description: 'Like disallowed_policies, with glob patterns.' }),
  orphan: field.bool({ description: 'Tokens of this role have no parent; no sudo is needed for that.' }),
  renewable: field.bool({ default: true, description: 'Whether tokens of this role may be renewed.' }),
  path_suffix: field.string({ description: 'Appended to the token path, after the role name.' }),
  allowed_entity_aliases: field.strings({ description: 'Entity aliases (globs allowed) that tokens of this role may be tied to.' }),
  token_bound_cidrs: field.strings({ description: 'CIDR blocks tokens of this role may be used from.' }),
  token_explicit_max_ttl: field.duration({ description: 'Hard limit on the life of tokens of this role.' }),
  token_no_default_policy: field.bool({ description: 'Do not add the default policy to tokens of this role.' }),
  token_num_uses: field.int({ description: 'Uses of tokens of this role; 0 is unlimited.' }),
  token_period: field.duration({ description: 'Makes tokens of this role periodic with this period.' }),
  token_type: field.string({ description: '"service" or "default-service" (batch tokens are not supported).' }),
  period: field.duration({ description: "Deprecated: use 'token_period'." }),
  explicit_max_ttl: field.duration({ description: "Deprecated: use 'token_explicit_max_ttl'." }),
  bound_cidrs: field.strings({ description: "Deprecated: use 'token_bound_cidrs'." }),
};
type RoleFields = typeof roleFields;
type RoleReq = Req<RoleFields>;

/**
 * Vault checks suffixes with an unanchored `\w[\w-.]+\w`; anchored here, per "/"-separated part,
 * so a suffix is always a clean path tail.
 */
const PATH_SUFFIX = /^\w[\w.-]+\w(?:\/\w[\w.-]+\w)*$/;

/** auth/token/roles (LIST) and auth/token/roles/:role_name (Vault's token roles). */
export function rolePaths(ctx: TokenBackendContext): PathDef[] {
  return [
    definePath({
      pattern: 'roles/:role_name',
      fields: roleFields,
      existenceCheck: async (req, store) => (await loadRole(store, checkedName(req))) !== undefined,
      operations: {
        read: async (req, store) => {
          const role = await loadRole(store, checkedName(req));
          return role ? ok(describeRole(role)) : notFound();
        },
        create: (req, store) => writeRole(ctx, req, store),
        update: (req, store) => writeRole(ctx, req, store),
        delete: async (req, store) => {
          await deleteRole(store, checkedName(req));
          return noContent();
        },
      },
      description: 'Create, read, update or delete a token role.',
    }),
    definePath({
      // After roles/:role_name, so only "roles" and "roles/" (how LIST requests arrive) get here.
      pattern: 'roles/:suffix*',
      fields: { suffix: field.string() },
      operations: {
        list: async (req, store) => {
          // Only the bare folder lists; anything longer that got here is not a role path.
          if (req.fields.suffix !== '') throw noHandler(fullPath(req));
          const keys = await listRoles(store);
          return keys.length > 0 ? ok({ keys }) : notFound();
        },
      },
      description: 'List token roles.',
    }),
  ];
}

/** The role name from the path; names Vault's path table would not route get its 404. */
function checkedName(req: Req<{ role_name: ReturnType<typeof field.string> }>): string {
  const name = req.fields.role_name;
  if (!isValidRoleName(name)) throw noHandler(fullPath(req));
  return name;
}

/**
 * Vault's tokenStoreRoleCreateUpdate: a create starts from the defaults, an update from the stored
 * role, and only fields the caller sent change it. Everything is validated before the one write.
 */
async function writeRole(ctx: TokenBackendContext, req: RoleReq, store: MountStorage): Promise<Resp> {
  const name = checkedName(req);
  let warnings: string[] = [];
  await updateRole(store, name, (current) => {
    const role = current ?? emptyRole(name);
    warnings = applyFields(ctx, req, role);
    return role;
  });
  return warnings.length > 0 ? { status: 200, data: null, warnings } : noContent();
}

/** Sets the fields the caller sent on `role` (400 on any bad one); answers the warnings. */
function applyFields(ctx: TokenBackendContext, req: RoleReq, role: TokenRole): string[] {
  const f = req.fields;
  const sent = (field: keyof RoleFields & string) => req.provided(field);
  const warnings: string[] = [];

  if (sent('orphan')) role.orphan = f.orphan;
  if (sent('renewable')) role.renewable = f.renewable;
  if (sent('path_suffix')) {
    if (f.path_suffix !== '' && !PATH_SUFFIX.test(f.path_suffix)) {
      throw invalidRequest('given role path suffix contains invalid characters; must match \\w[\\w-.]+\\w');
    }
    role.pathSuffix = f.path_suffix;
  }
  if (role.pathSuffix.includes('..')) throw invalidRequest('error registering path suffix: path cannot contain parent references');
  if (sent('allowed_policies')) role.allowedPolicies = sanitizePolicies(f.allowed_policies, false);
  if (sent('disallowed_policies')) role.disallowedPolicies = lowercaseSet(f.disallowed_policies);
  if (sent('allowed_policies_glob')) role.allowedPoliciesGlob = sanitizePolicies(f.allowed_policies_glob, false);
  if (sent('disallowed_policies_glob')) role.disallowedPoliciesGlob = lowercaseSet(f.disallowed_policies_glob);
  if (sent('allowed_entity_aliases')) role.allowedEntityAliases = lowercaseSet(f.allowed_entity_aliases);

  if (req.raw.token_type === null) throw invalidRequest("Invalid 'token_type' value: null");
  if (sent('token_type')) role.tokenType = roleTokenType(f.token_type);
  if (sent('token_no_default_policy')) role.tokenNoDefaultPolicy = f.token_no_default_policy;
  if (sent('token_num_uses')) {
    if (f.token_num_uses < 0) throw invalidRequest("error parsing role fields: 'token_num_uses' cannot be negative");
    role.tokenNumUses = f.token_num_uses;
  }

  // The token_ names win over the deprecated ones; a deprecated value is kept only so a read shows it back.
  if (sent('token_period')) {
    if (sent('period')) warnings.push("Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value");
    role.tokenPeriod = f.token_period;
    role.period = 0;
  } else if (sent('period')) {
    role.tokenPeriod = role.period = f.period;
  }
  if (sent('token_bound_cidrs')) {
    if (sent('bound_cidrs')) warnings.push("Both 'token_bound_cidrs' and deprecated 'bound_cidrs' value supplied, ignoring the deprecated value");
    role.tokenBoundCidrs = parseCidrList(f.token_bound_cidrs, 'token_bound_cidrs');
    role.boundCidrs = [];
  } else if (sent('bound_cidrs')) {
    role.tokenBoundCidrs = role.boundCidrs = parseCidrList(f.bound_cidrs, 'bound_cidrs');
  }
  if (sent('token_explicit_max_ttl')) {
    if (sent('explicit_max_ttl')) {
      warnings.push("Both 'token_explicit_max_ttl' and deprecated 'explicit_max_ttl' value supplied, ignoring the deprecated value");
    }
    role.tokenExplicitMaxTtl = f.token_explicit_max_ttl;
    role.explicitMaxTtl = 0;
  } else if (sent('explicit_max_ttl')) {
    role.tokenExplicitMaxTtl = role.explicitMaxTtl = f.explicit_max_ttl;
  }
  if (role.tokenExplicitMaxTtl > ctx.store.maxTtl) {
    warnings.push(
      `Given explicit max TTL of ${role.tokenExplicitMaxTtl} is greater than system/mount allowed value of ${ctx.store.maxTtl} seconds; ` +
        'until this is fixed attempting to create tokens against this role will result in an error',
    );
  }

  return warnings;
}

function roleTokenType(requested: string): TokenRole['tokenType'] {
  switch (requested) {
    case 'service':
      return 'service';
    case 'default-service':
      return 'default-service';
    case 'batch':
    case 'default-batch':
      throw invalidRequest('batch tokens are not supported');
    default:
      throw invalidRequest(`invalid 'token_type' value ${JSON.stringify(requested)}`);
  }
}

/** Vault's strutil.RemoveDuplicates(list, lowercase): trimmed, lowercased, no empties, deduplicated, sorted. */
function lowercaseSet(list: string[]): string[] {
  return [...new Set(list.map((s) => s.trim().toLowerCase()).filter((s) => s !== ''))].sort();
}

/** The `data` of a role read, with Vault's keys. */
export function describeRole(role: TokenRole): Record<string, unknown> {
  const data: Record<string, unknown> = {
    allowed_entity_aliases: role.allowedEntityAliases,
    allowed_policies: role.allowedPolicies,
    allowed_policies_glob: role.allowedPoliciesGlob,
    disallowed_policies: role.disallowedPolicies,
    disallowed_policies_glob: role.disallowedPoliciesGlob,
    explicit_max_ttl: role.explicitMaxTtl,
    name: role.name,
    orphan: role.orphan,
    path_suffix: role.pathSuffix,
    period: role.period,
    renewable: role.renewable,
    token_explicit_max_ttl: role.tokenExplicitMaxTtl,
    token_no_default_policy: role.tokenNoDefaultPolicy,
    token_period: role.tokenPeriod,
    token_type: role.tokenType,
  };
  if (role.tokenBoundCidrs.length > 0) data.token_bound_cidrs = describeCidrs(role.tokenBoundCidrs);
  if (role.boundCidrs.length > 0) data.bound_cidrs = describeCidrs(role.boundCidrs);
  if (role.tokenNumUses > 0) data.token_num_uses = role.tokenNumUses;
  return data;
}
