import { invalidRequest } from '../../framework/errors.js';
import { parseFields } from '../../framework/fields.js';
import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../framework/types.js';
import type { ApproleContext } from './context.js';
import { describeRole, roleFields, writeRole, type RoleFields } from './role-paths.js';
import { loadRole, normaliseRoleName } from './role-store.js';

type RoleField = keyof RoleFields & string;

interface FieldPath {
  /** The sub-path under role/:role_name/. */
  segment: string;
  field: RoleField;
  /** The deprecated name Vault also takes (and answers) on this sub-path. */
  alias?: RoleField;
  /** Vault only reads local_secret_ids here: it is fixed at creation. */
  readOnly?: boolean;
}

/** Vault's per-field role paths, so ACL policies can delegate one setting of a role. */
const FIELD_PATHS: FieldPath[] = [
  { segment: 'policies', field: 'token_policies', alias: 'policies' },
  { segment: 'period', field: 'token_period', alias: 'period' },
  { segment: 'bind-secret-id', field: 'bind_secret_id' },
  { segment: 'secret-id-bound-cidrs', field: 'secret_id_bound_cidrs' },
  { segment: 'secret-id-num-uses', field: 'secret_id_num_uses' },
  { segment: 'secret-id-ttl', field: 'secret_id_ttl' },
  { segment: 'token-bound-cidrs', field: 'token_bound_cidrs' },
  { segment: 'token-max-ttl', field: 'token_max_ttl' },
  { segment: 'token-num-uses', field: 'token_num_uses' },
  { segment: 'token-ttl', field: 'token_ttl' },
  { segment: 'local-secret-ids', field: 'local_secret_ids', readOnly: true },
];

/** role/:role_name/<field>: read, update and delete (back to the default) one setting of a role. */
export function roleFieldPaths(ctx: ApproleContext): PathDef[] {
  return FIELD_PATHS.map((spec) => {
    const fields = { role_name: roleFields.role_name, [spec.field]: roleFields[spec.field], ...(spec.alias ? { [spec.alias]: roleFields[spec.alias] } : {}) };
    const set = (req: Req, store: MountStorage, value: unknown): Promise<Resp> => {
      const parsed = parseFields(roleFields, { role_name: req.fields.role_name, [spec.field]: value });
      return writeRole(ctx, req.mount, store, { fields: parsed.values, provided: (name) => parsed.provided.has(name) }, true);
    };
    return definePath({
      pattern: `role/:role_name/${spec.segment}`,
      fields,
      operations: {
        read: async (req, store) => {
          const found = await loadRole(store, normaliseRoleName(String(req.fields.role_name)));
          if (!found) return notFound();
          const all = describeRole(found.role);
          return ok({ [spec.field]: all[spec.field], ...(spec.alias ? { [spec.alias]: all[spec.field] } : {}) });
        },
        ...(spec.readOnly
          ? {}
          : {
              update: (req: Req, store: MountStorage) => {
                const value = req.raw[spec.field] ?? (spec.alias ? req.raw[spec.alias] : undefined);
                if (value === undefined || value === null) throw invalidRequest(`missing ${spec.field}`);
                return set(req, store, value);
              },
              delete: async (req: Req, store: MountStorage) => {
                const found = await loadRole(store, normaliseRoleName(String(req.fields.role_name)));
                if (!found) return noContent();
                return set(req, store, defaultOf(spec.field));
              },
            }),
      },
      description: `Read, set or reset the role's ${spec.field}.`,
    });
  });
}

/** What deleting a setting puts back: the field's default when a role is created. */
function defaultOf(name: RoleField): unknown {
  const spec = roleFields[name];
  if ('default' in spec && spec.default !== undefined) return spec.default;
  switch (spec.kind) {
    case 'strings':
      return [];
    case 'bool':
      return false;
    default:
      return 0;
  }
}
