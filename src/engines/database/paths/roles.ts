import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { formatDuration } from '../../../framework/duration.js';
import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { checkedName, KEYS, loadRole, statementList, type RoleEntry } from '../model.js';

const roleFields = {
  name: field.string({ required: true }),
  db_name: field.string({ description: 'The connection (config/:name) the role creates users in.' }),
  creation_statements: field.strings({ description: 'SQL creating the user; {{name}}, {{password}} and {{expiration}} are filled in.' }),
  revocation_statements: field.strings({ description: 'SQL dropping the user; default: reassign and drop what it owns, then DROP ROLE.' }),
  rollback_statements: field.strings({ description: 'SQL undoing a creation that failed part way.' }),
  renew_statements: field.strings({ description: "SQL extending the user; default: ALTER ROLE ... VALID UNTIL '{{expiration}}'." }),
  default_ttl: field.duration({ description: "Lease TTL of the credentials; 0: the mount's default." }),
  max_ttl: field.duration({ description: "Longest the credentials may live; 0: the mount's max." }),
  credential_type: field.string({ default: 'password', description: 'Only "password".' }),
  credential_config: field.map({ description: 'Not used by the password credential type.' }),
};
type RoleReq = Req<typeof roleFields>;

/** Statements must name the user they act on, or they would create (or drop) nobody in particular. */
function checkStatements(what: string, statements: string[]): void {
  for (const s of statements) {
    if (!/\{\{\s*(name|username)\s*\}\}/.test(s)) throw invalidRequest(`${what} must use the {{name}} template for the generated user: "${s.slice(0, 60)}"`);
  }
}

async function writeRole(req: RoleReq, store: MountStorage, mountMaxTtl: () => number): Promise<Resp> {
  const name = checkedName(req.fields.name, 'role');
  const existing = await loadRole(store, name);
  const f = req.fields;
  const pick = <K extends keyof RoleEntry>(key: K & keyof typeof roleFields, value: RoleEntry[K], fallback: RoleEntry[K]): RoleEntry[K] =>
    req.provided(key) ? value : (existing?.[key] ?? fallback);
  const role: RoleEntry = {
    db_name: pick('db_name', f.db_name, ''),
    creation_statements: pick('creation_statements', statementList(f.creation_statements), []),
    revocation_statements: pick('revocation_statements', statementList(f.revocation_statements), []),
    rollback_statements: pick('rollback_statements', statementList(f.rollback_statements), []),
    renew_statements: pick('renew_statements', statementList(f.renew_statements), []),
    default_ttl: pick('default_ttl', f.default_ttl, 0),
    max_ttl: pick('max_ttl', f.max_ttl, 0),
    credential_type: 'password',
  };
  if (f.credential_type !== 'password') throw invalidRequest(`invalid credential_type "${f.credential_type}": only "password" is supported`);
  if (role.db_name === '') throw invalidRequest('empty database name attribute');
  checkedName(role.db_name, 'connection');
  if (role.creation_statements.length === 0) throw invalidRequest('empty creation statements');
  checkStatements('creation_statements', role.creation_statements);
  checkStatements('revocation_statements', role.revocation_statements);
  checkStatements('renew_statements', role.renew_statements);
  if (role.default_ttl < 0 || role.max_ttl < 0) throw invalidRequest('default_ttl and max_ttl cannot be negative');
  if (role.max_ttl > 0 && role.default_ttl > role.max_ttl) throw invalidRequest('ttl cannot be greater than max_ttl');
  const ceiling = mountMaxTtl();
  for (const [key, value] of [['default_ttl', role.default_ttl], ['max_ttl', role.max_ttl]] as const) {
    if (value > ceiling) throw invalidRequest(`${key} of ${formatDuration(value)} is greater than the mount's max_lease_ttl of ${formatDuration(ceiling)}`);
  }
  await store.put(KEYS.role(name), role);
  return noContent();
}

function describeRole(role: RoleEntry): Record<string, unknown> {
  return {
    db_name: role.db_name,
    creation_statements: role.creation_statements,
    revocation_statements: role.revocation_statements,
    rollback_statements: role.rollback_statements,
    renew_statements: role.renew_statements,
    default_ttl: role.default_ttl,
    max_ttl: role.max_ttl,
    credential_type: role.credential_type,
    credential_config: {},
  };
}

/** roles/:name and LIST roles. */
export function rolePaths(mountMaxTtl: () => number): PathDef[] {
  return [
    definePath({
      pattern: 'roles/:name',
      fields: roleFields,
      existenceCheck: async (req, store) => (await loadRole(store, checkedName(req.fields.name, 'role'))) !== undefined,
      operations: {
        create: (req, store) => writeRole(req, store, mountMaxTtl),
        update: (req, store) => writeRole(req, store, mountMaxTtl),
        read: async (req, store) => {
          const role = await loadRole(store, checkedName(req.fields.name, 'role'));
          return role ? ok(describeRole(role)) : notFound();
        },
        delete: async (req, store) => {
          await store.delete(KEYS.role(checkedName(req.fields.name, 'role')));
          return noContent();
        },
      },
      description: 'Manage the roles that generate database credentials.',
    }),
    definePath({
      pattern: 'roles',
      fields: {},
      operations: {
        list: async (_req, store) => {
          const keys = await store.list('role/');
          return keys.length > 0 ? ok({ keys }) : notFound();
        },
      },
      description: 'List the roles.',
    }),
  ];
}
