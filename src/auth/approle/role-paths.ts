import { invalidRequest, notFoundError } from '../../framework/errors.js';
import { parseCidrList } from '../../framework/cidr.js';
import { field, type Parsed } from '../../framework/fields.js';
import { applyTokenParams, describeTokenParams, tokenParamFields } from '../../framework/token-params.js';
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
} from '../../framework/types.js';
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
  // Vault's AppRole still takes the pre-tokenutil policies and period (and no other old name).
  ...tokenParamFields('policies', 'period'),
};
export type RoleFields = typeof roleFields;
/** A role write as far as writeRole goes: the parsed fields and which of them the caller sent. */
export interface RoleInput {
  fields: Parsed<RoleFields>;
  provided(name: keyof RoleFields & string): boolean;
}

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
        create: (req, store) => writeRole(ctx, req.mount, store, req, false),
        update: (req, store) => writeRole(ctx, req.mount, store, req, false),
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
  input: RoleInput,
  mustExist: boolean,
): Promise<Resp> {
  const f = input.fields;
  const sent = (name: keyof RoleFields & string) => input.provided(name);
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
  role.token = applyTokenParams(role.token, input);

  if (!role.bindSecretId && role.secretIdBoundCidrs.length === 0 && role.token.boundCidrs.length === 0) {
    throw invalidRequest('at least one constraint should be enabled on the role');
  }

  await saveRole(store, await ctx.hasher(mount, store), role, previous);
  return noContent();
}

/** Vault's role read: the role's own fields plus tokenutil's token_* fields. */
export function describeRole(role: RoleEntry): Record<string, unknown> {
  return {
    bind_secret_id: role.bindSecretId,
    local_secret_ids: role.localSecretIds,
    secret_id_bound_cidrs: role.secretIdBoundCidrs,
    secret_id_num_uses: role.secretIdNumUses,
    secret_id_ttl: role.secretIdTtl,
    ...describeTokenParams(role.token),
  };
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
