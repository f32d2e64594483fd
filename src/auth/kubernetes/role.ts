import { invalidRequest } from '../../framework/errors.js';
import { field } from '../../framework/fields.js';
import { applyTokenParams, defaultTokenParams, describeTokenParams, tokenParamFields, type TokenParams } from '../../framework/token-params.js';
import { ConditionFailed, definePath, noContent, notFound, ok, type Condition, type MountStorage, type PathDef, type Req, type Resp } from '../../framework/types.js';

/** Where the entity alias name comes from (Vault's alias_name_source). */
export type AliasNameSource = 'serviceaccount_uid' | 'serviceaccount_name';
const ALIAS_NAME_SOURCES: readonly string[] = ['serviceaccount_uid', 'serviceaccount_name'];

/** A role as stored: which service accounts may log in, and the tokens they get. */
export interface KubeRole {
  bound_service_account_names: string[];
  bound_service_account_namespaces: string[];
  audience: string;
  alias_name_source: AliasNameSource;
  token: TokenParams;
}

// Vault stores roles under their lower-cased name: "App" and "app" are one role.
const roleKey = (name: string) => `role/${name.toLowerCase()}`;
// Vault's framework.GenericNameRegex: word characters, with "-" and "." inside.
const ROLE_NAME = /^\w(?:[\w.-]*\w)?$/;

const NO_AUDIENCE_WARNING =
  'This role does not specify an audience: any service-account token the API server accepts will do, whatever audience it was minted for.';

const roleFields = {
  name: field.string({ required: true, description: 'Name of the role.' }),
  bound_service_account_names: field.strings({ description: 'Service account names allowed to log in; globs with "*"; "*" for any.' }),
  bound_service_account_namespaces: field.strings({ description: 'Namespaces allowed to log in; globs with "*"; "*" for any.' }),
  bound_service_account_namespace_selector: field.string({ description: 'Not supported by Coffer; only empty is accepted.' }),
  audience: field.string({ description: 'The "aud" the service-account JWT must carry.' }),
  alias_name_source: field.string({ description: '"serviceaccount_uid" (default) or "serviceaccount_name" (<namespace>/<name>).' }),
  // The kubernetes method still takes every pre-tokenutil name.
  ...tokenParamFields('policies', 'ttl', 'max_ttl', 'period', 'num_uses', 'bound_cidrs'),
};
type RoleReq = Req<typeof roleFields>;

/** Reads a role; undefined when there is none by that name. */
export async function loadRole(store: MountStorage, name: string): Promise<KubeRole | undefined> {
  return store.get<KubeRole>(roleKey(name));
}

function describeRole(role: KubeRole): Record<string, unknown> {
  return {
    bound_service_account_names: role.bound_service_account_names,
    bound_service_account_namespaces: role.bound_service_account_namespaces,
    bound_service_account_namespace_selector: '',
    audience: role.audience,
    alias_name_source: role.alias_name_source,
    ...describeTokenParams(role.token),
  };
}

/** 400 for an empty list, or "*" beside other entries (it would make them meaningless). */
function checkBindingList(list: string[], name: string): void {
  if (list.length === 0) throw invalidRequest(`"${name}" can not be empty`);
  if (list.length > 1 && list.includes('*')) throw invalidRequest(`"${name}" can not mix "*" with values`);
}

/** The role a write produces: the existing one with the sent fields applied, validated as a whole. */
function roleFromRequest(req: RoleReq, existing: KubeRole | undefined): KubeRole {
  const f = req.fields;
  if (f.bound_service_account_namespace_selector.trim() !== '') {
    throw invalidRequest('bound_service_account_namespace_selector is not supported; list the namespaces in bound_service_account_namespaces');
  }
  const base: KubeRole = existing ?? {
    bound_service_account_names: [],
    bound_service_account_namespaces: [],
    audience: '',
    alias_name_source: 'serviceaccount_uid',
    token: defaultTokenParams(),
  };
  const role: KubeRole = {
    ...base,
    token: applyTokenParams(base.token, req),
    bound_service_account_names: req.provided('bound_service_account_names') ? f.bound_service_account_names : base.bound_service_account_names,
    bound_service_account_namespaces: req.provided('bound_service_account_namespaces')
      ? f.bound_service_account_namespaces
      : base.bound_service_account_namespaces,
    audience: req.provided('audience') ? f.audience.trim() : base.audience,
  };
  if (req.provided('alias_name_source') && f.alias_name_source !== '') {
    if (!ALIAS_NAME_SOURCES.includes(f.alias_name_source)) {
      throw invalidRequest(`invalid alias_name_source "${f.alias_name_source}": expected one of ${ALIAS_NAME_SOURCES.join(', ')}`);
    }
    role.alias_name_source = f.alias_name_source as AliasNameSource;
  }
  checkBindingList(role.bound_service_account_names, 'bound_service_account_names');
  checkBindingList(role.bound_service_account_namespaces, 'bound_service_account_namespaces');
  return role;
}

/** 400 unless the name is one Vault accepts for a role (also keeps odd names out of storage keys). */
export function checkRoleName(name: string): void {
  if (!ROLE_NAME.test(name)) throw invalidRequest(`invalid role name "${name}"`);
}

async function listRoles(_req: Req, store: MountStorage): Promise<Resp> {
  const keys = await store.list('role/');
  return keys.length > 0 ? ok({ keys }) : notFound();
}

/** auth/<mount>/role (LIST) and auth/<mount>/role/:name (create, read, update, delete). */
export function rolePaths(): PathDef[] {
  const list = (pattern: string) =>
    definePath({ pattern, fields: {}, operations: { list: listRoles }, description: 'Lists the roles of this mount.' });
  return [
    list('role'),
    list('role/'),
    definePath({
      pattern: 'role/:name',
      fields: roleFields,
      existenceCheck: async (req, store) => (await loadRole(store, req.fields.name)) !== undefined,
      operations: {
        read: async (req, store) => {
          const role = await loadRole(store, req.fields.name);
          return role ? ok(describeRole(role)) : notFound();
        },
        create: async (req, store) => writeRole(req, store),
        update: async (req, store) => writeRole(req, store),
        delete: async (req, store) => {
          await store.delete(roleKey(req.fields.name));
          return noContent();
        },
      },
      description: 'Binds service accounts (names and namespaces) to token policies and settings.',
    }),
  ];
}

/** Attempts before giving up when concurrent writers keep changing the same role. */
const MAX_WRITE_ATTEMPTS = 20;

/**
 * A role write merges the sent fields into the stored role, so it is read-decide-write: it commits
 * only if the role is unchanged since it was read (or still absent), and otherwise decides again.
 */
async function writeRole(req: RoleReq, store: MountStorage): Promise<Resp> {
  checkRoleName(req.fields.name);
  const key = roleKey(req.fields.name);
  for (let attempt = 1; ; attempt++) {
    const current = await store.getVersioned<KubeRole>(key);
    const role = roleFromRequest(req, current?.value);
    const guard: Condition = current ? { type: 'version', key, version: current.version } : { type: 'absent', key };
    try {
      await store.transaction([{ type: 'put', key, value: role }], [guard]);
      return role.audience === '' ? { data: null, warnings: [NO_AUDIENCE_WARNING] } : noContent();
    } catch (err) {
      if (!(err instanceof ConditionFailed) || attempt >= MAX_WRITE_ATTEMPTS) throw err;
    }
  }
}
