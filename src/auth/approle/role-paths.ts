import { invalidRequest, notFoundError } from '../../core/errors.js';
import { parseCidrList } from '../../core/framework/cidr.js';
import { field, type Parsed } from '../../core/framework/fields.js';
import {
  ConditionFailed,
  definePath,
  noContent,
  notFound,
  ok,
  type MountInfo,
  type MountStorage,
  type PathDef,
  type Req,
  type Resp,
} from '../../core/framework/types.js';
import { sanitizePolicies } from '../../core/token/policies.js';
import type { ApproleContext } from './context.js';
import { accessorFolder, secretIdFolder } from './secret-id-store.js';
import { loadRole, MAX_INPUT_LENGTH, newRole, normaliseRoleName, roleIdIndexKey, roleKey, saveRole, type RoleEntry } from './role-store.js';

export const roleFields = {
  role_name: field.string({ required: true, description: 'Name of the role (case-insensitive).' }),
  role_id: field.string({ description: 'Identifier of the role; a random UUID by default.' }),
  bind_secret_id: field.bool({ default: true, description: 'Require a secret_id at login.' }),
  secret_id_bound_cidrs: field.strings({ description: 'CIDR blocks allowed to log in.' }),
  secret_id_num_uses: field.int({ description: 'Default number of logins per secret ID; 0 is unlimited.' }),
  secret_id_ttl: field.duration({ description: 'Default lifetime of a secret ID; 0 never expires.' }),
  local_secret_ids: field.bool({ description: 'Secret IDs local to the cluster (creation only).' }),
  token_ttl: field.duration({ description: 'TTL of issued tokens.' }),
  token_max_ttl: field.duration({ description: 'Max TTL of issued tokens.' }),
  token_explicit_max_ttl: field.duration({ description: 'Hard limit on the life of issued tokens.' }),
  token_period: field.duration({ description: 'Issued tokens are periodic with this period.' }),
  period: field.duration({ description: 'Deprecated: use token_period.' }),
  token_policies: field.strings({ description: 'Policies of issued tokens.' }),
  policies: field.strings({ description: 'Deprecated: use token_policies.' }),
  token_bound_cidrs: field.strings({ description: 'CIDR blocks issued tokens may be used from.' }),
  token_no_default_policy: field.bool({ description: 'Do not add the default policy to issued tokens.' }),
  token_num_uses: field.int({ description: 'Uses of issued tokens; 0 is unlimited.' }),
  token_type: field.string({ description: 'Token type: "default" or "service" (batch tokens are not supported).' }),
};
export type RoleFields = typeof roleFields;

const nameOnly = { role_name: field.string({ required: true }) };

/** role (LIST), role/:role_name (create, update, read, delete) and role/:role_name/role-id. */
export function rolePaths(ctx: ApproleContext): PathDef[] {
  const list = async (_req: Req, store: MountStorage): Promise<Resp> => {
    const keys = (await store.list('role/')).filter((k) => !k.endsWith('/'));
    return keys.length > 0 ? ok({ keys }) : notFound();
  };
  return [
    // LIST requests arrive as "role" or "role/".
    definePath({ pattern: 'role', fields: {}, operations: { list }, description: 'List the roles.' }),
    definePath({ pattern: 'role/', fields: {}, operations: { list }, description: 'List the roles.' }),
    definePath({
      pattern: 'role/:role_name',
      fields: roleFields,
      existenceCheck: async (req, store) => !!(await loadRole(store, normaliseRoleName(req.fields.role_name))),
      operations: {
        create: (req, store) => writeRole(ctx, req.mount, store, req.fields, (name) => req.provided(name), false),
        update: (req, store) => writeRole(ctx, req.mount, store, req.fields, (name) => req.provided(name), false),
        read: async (req, store) => {
          const found = await loadRole(store, normaliseRoleName(req.fields.role_name));
          return found ? ok(describeRole(found.role)) : notFound();
        },
        delete: (req, store) => deleteRole(ctx, req.mount, req.fields.role_name, store),
      },
      description: 'Create, read, update or delete an AppRole.',
    }),
    definePath({
      pattern: 'role/:role_name/role-id',
      fields: { ...nameOnly, role_id: field.string({ description: 'The custom RoleID to set.' }) },
      operations: {
        read: async (req, store) => {
          const found = await loadRole(store, normaliseRoleName(req.fields.role_name));
          return found ? ok({ role_id: found.role.roleId }) : notFound();
        },
        update: async (req, store) => {
          const name = normaliseRoleName(req.fields.role_name);
          const found = await loadRole(store, name);
          if (!found) throw invalidRequest(`role "${name}" does not exist`);
          const roleId = checkRoleId(req.fields.role_id);
          if (roleId === found.role.roleId) return noContent();
          await saveRole(store, await ctx.hasher(req.mount, store), { ...found.role, roleId }, found);
          return noContent();
        },
      },
      description: 'Read the RoleID of a role, or set a custom one.',
    }),
  ];
}

function checkRoleId(roleId: string): string {
  const trimmed = roleId.trim();
  if (trimmed === '') throw invalidRequest('missing role_id');
  if (trimmed.length > MAX_INPUT_LENGTH) throw invalidRequest(`role_id is longer than maximum of ${MAX_INPUT_LENGTH} bytes`);
  return trimmed;
}

/**
 * Vault's pathRoleCreateUpdate: a new role starts from the defaults, an update changes only the
 * fields sent. Everything is validated before the single conditional write.
 */
export async function writeRole(
  ctx: ApproleContext,
  mount: MountInfo,
  store: MountStorage,
  f: Parsed<RoleFields>,
  sent: (name: keyof RoleFields & string) => boolean,
  mustExist: boolean,
): Promise<Resp> {
  const name = normaliseRoleName(f.role_name);
  const previous = await loadRole(store, name);
  if (mustExist && !previous) throw notFoundError(`role "${name}" does not exist`);
  const role: RoleEntry = previous ? structuredClone(previous.role) : newRole(name);

  if (sent('local_secret_ids')) {
    if (previous) throw invalidRequest('local_secret_ids can only be modified during role creation');
    role.localSecretIds = f.local_secret_ids;
  }
  if (sent('role_id')) role.roleId = checkRoleId(f.role_id);
  if (sent('bind_secret_id')) role.bindSecretId = f.bind_secret_id;
  if (sent('secret_id_bound_cidrs')) role.secretIdBoundCidrs = parseCidrList(f.secret_id_bound_cidrs, 'secret_id_bound_cidrs');
  if (sent('secret_id_num_uses')) {
    if (f.secret_id_num_uses < 0) throw invalidRequest('secret_id_num_uses cannot be negative');
    role.secretIdNumUses = f.secret_id_num_uses;
  }
  if (sent('secret_id_ttl')) role.secretIdTtl = f.secret_id_ttl;
  if (sent('token_ttl')) role.tokenTtl = f.token_ttl;
  if (sent('token_max_ttl')) role.tokenMaxTtl = f.token_max_ttl;
  if (sent('token_explicit_max_ttl')) role.tokenExplicitMaxTtl = f.token_explicit_max_ttl;
  if (sent('token_no_default_policy')) role.tokenNoDefaultPolicy = f.token_no_default_policy;
  if (sent('token_bound_cidrs')) role.tokenBoundCidrs = parseCidrList(f.token_bound_cidrs, 'token_bound_cidrs');
  if (sent('token_num_uses')) {
    if (f.token_num_uses < 0) throw invalidRequest("'token_num_uses' cannot be negative");
    role.tokenNumUses = f.token_num_uses;
  }
  if (sent('token_type')) role.tokenType = parseTokenType(f.token_type);

  // The deprecated names still work, as Vault's tokenutil.UpgradeValue allows: one or the other.
  if (sent('token_policies') && sent('policies')) throw invalidRequest('"token_policies" and "policies" cannot both be set; use "token_policies"');
  if (sent('token_policies')) {
    role.tokenPolicies = sanitizePolicies(f.token_policies, false);
    role.legacyPolicies = false;
  } else if (sent('policies')) {
    role.tokenPolicies = sanitizePolicies(f.policies, false);
    role.legacyPolicies = true;
  }
  if (sent('token_period') && sent('period')) throw invalidRequest('"token_period" and "period" cannot both be set; use "token_period"');
  if (sent('token_period')) {
    role.tokenPeriod = f.token_period;
    role.legacyPeriod = false;
  } else if (sent('period')) {
    role.tokenPeriod = f.period;
    role.legacyPeriod = true;
  }

  if (role.tokenTtl > 0 && role.tokenMaxTtl > 0 && role.tokenTtl > role.tokenMaxTtl) {
    throw invalidRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
  if (!role.bindSecretId && role.secretIdBoundCidrs.length === 0 && role.tokenBoundCidrs.length === 0) {
    throw invalidRequest('at least one constraint should be enabled on the role');
  }

  await saveRole(store, await ctx.hasher(mount, store), role, previous);
  return noContent();
}

function parseTokenType(written: string): RoleEntry['tokenType'] {
  switch (written.trim().toLowerCase()) {
    case '':
    case 'default':
      return 'default';
    case 'service':
    case 'default-service':
      return 'service';
    case 'batch':
    case 'default-batch':
      throw invalidRequest('batch tokens are not supported; token_type must be "default" or "service"');
    default:
      throw invalidRequest(`invalid 'token_type' value "${written}"`);
  }
}

/** Vault's role read: the role's own fields plus tokenutil's token_* fields. */
export function describeRole(role: RoleEntry): Record<string, unknown> {
  const data: Record<string, unknown> = {
    bind_secret_id: role.bindSecretId,
    local_secret_ids: role.localSecretIds,
    secret_id_bound_cidrs: role.secretIdBoundCidrs,
    secret_id_num_uses: role.secretIdNumUses,
    secret_id_ttl: role.secretIdTtl,
    token_bound_cidrs: role.tokenBoundCidrs,
    token_explicit_max_ttl: role.tokenExplicitMaxTtl,
    token_max_ttl: role.tokenMaxTtl,
    token_no_default_policy: role.tokenNoDefaultPolicy,
    token_num_uses: role.tokenNumUses,
    token_period: role.tokenPeriod,
    token_policies: role.tokenPolicies,
    token_ttl: role.tokenTtl,
    token_type: role.tokenType,
  };
  // Vault still answers the deprecated names for roles written with them.
  if (role.legacyPolicies && role.tokenPolicies.length > 0) data.policies = role.tokenPolicies;
  if (role.legacyPeriod && role.tokenPeriod > 0) data.period = role.tokenPeriod;
  return data;
}

/**
 * Deletes the role and its role_id index together; its secret IDs go after. Should that cleanup be
 * cut short, the leftovers are unreachable (they hang off the deleted role's random id) and
 * tidy/secret-id removes them.
 */
async function deleteRole(ctx: ApproleContext, mount: MountInfo, written: string, store: MountStorage): Promise<Resp> {
  const name = normaliseRoleName(written);
  const found = await loadRole(store, name);
  if (!found) return noContent();
  const hasher = await ctx.hasher(mount, store);
  try {
    await store.transaction(
      [
        { type: 'delete', key: roleKey(name) },
        { type: 'delete', key: roleIdIndexKey(hasher, found.role.roleId) },
      ],
      [{ type: 'version', key: roleKey(name), version: found.version }],
    );
  } catch (err) {
    if (err instanceof ConditionFailed) throw invalidRequest(`role "${name}" was changed by another request at the same time; try again`);
    throw err;
  }
  await store.deleteTree(secretIdFolder(found.role.id));
  await store.deleteTree(accessorFolder(found.role.id));
  return noContent();
}
