import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import type { Connections } from '../connections.js';
import { generatePassword } from '../credentials.js';
import { checkedName, KEYS, loadStaticRole, roleAllowed, statementList, type StaticRoleEntry } from '../model.js';
import { DEFAULT_STATEMENTS } from '../postgres.js';

/** Vault's lower bound on rotation_period. */
const MIN_ROTATION_PERIOD = 5;

const staticFields = {
  name: field.string({ required: true }),
  db_name: field.string({ description: 'The connection the user lives in.' }),
  username: field.string({ description: 'The existing database user whose password Coffer rotates; fixed once set.' }),
  rotation_period: field.duration({ description: 'How often the password is rotated (at least 5s).' }),
  rotation_statements: field.strings({ description: "SQL setting the password; default: ALTER ROLE ... WITH PASSWORD '{{password}}'." }),
  credential_type: field.string({ default: 'password', description: 'Only "password".' }),
};

/**
 * A new password for a static role's user: stored as pending first, then set in the database, then
 * made current, so a failure at any step leaves the password that works known.
 */
export async function rotateStaticRole(store: MountStorage, connections: Connections, name: string, role: StaticRoleEntry, now = Date.now()): Promise<StaticRoleEntry> {
  const password = generatePassword();
  const { connection } = await connections.get(store, role.db_name);
  await store.put(KEYS.staticRole(name), { ...role, pending_password: password });
  try {
    const statements = role.rotation_statements.length > 0 ? role.rotation_statements : DEFAULT_STATEMENTS.rotation;
    await connection.execute('rotating a static user', statements, { name: role.username, password });
  } catch (err) {
    await store.put(KEYS.staticRole(name), role);
    throw err;
  }
  const rotated: StaticRoleEntry = { ...role, password, last_vault_rotation: now };
  await store.put(KEYS.staticRole(name), rotated);
  return rotated;
}

async function writeStaticRole(req: Req<typeof staticFields>, store: MountStorage, connections: Connections): Promise<Resp> {
  const name = checkedName(req.fields.name, 'role');
  const existing = await loadStaticRole(store, name);
  const f = req.fields;
  if (existing && req.provided('username') && f.username !== existing.username) throw invalidRequest('cannot update static account username');
  if (existing && req.provided('db_name') && f.db_name !== existing.db_name) throw invalidRequest('cannot update static account db_name');
  const role: StaticRoleEntry = {
    db_name: existing?.db_name ?? f.db_name,
    username: existing?.username ?? f.username,
    rotation_period: req.provided('rotation_period') ? f.rotation_period : (existing?.rotation_period ?? 0),
    rotation_statements: req.provided('rotation_statements') ? statementList(f.rotation_statements) : (existing?.rotation_statements ?? []),
    credential_type: 'password',
    password: existing?.password ?? '',
    last_vault_rotation: existing?.last_vault_rotation ?? 0,
  };
  if (f.credential_type !== 'password') throw invalidRequest(`invalid credential_type "${f.credential_type}": only "password" is supported`);
  if (role.db_name === '') throw invalidRequest('empty database name attribute');
  if (role.username === '') throw invalidRequest('username is a required field to create a static account');
  if (role.rotation_period < MIN_ROTATION_PERIOD) throw invalidRequest(`rotation_period must be ${MIN_ROTATION_PERIOD} seconds or more`);
  const { entry } = await connections.get(store, role.db_name);
  if (!roleAllowed(entry, name)) throw invalidRequest(`"${name}" is not an allowed role`);
  if (existing) {
    await store.put(KEYS.staticRole(name), role);
  } else {
    // A new static role takes over the user at once: its password becomes one only Coffer knows.
    await rotateStaticRole(store, connections, name, role);
  }
  return noContent();
}

function describeStaticRole(role: StaticRoleEntry): Record<string, unknown> {
  return {
    db_name: role.db_name,
    username: role.username,
    rotation_period: role.rotation_period,
    rotation_statements: role.rotation_statements,
    credential_type: role.credential_type,
    last_vault_rotation: new Date(role.last_vault_rotation).toISOString(),
  };
}

/** Seconds until the next scheduled rotation. */
const ttlOf = (role: StaticRoleEntry, now = Date.now()) => Math.max(0, Math.round((role.last_vault_rotation + role.rotation_period * 1000 - now) / 1000));

export function staticPaths(connections: Connections): PathDef[] {
  const nameOnly = { name: field.string({ required: true }) };
  return [
    definePath({
      pattern: 'static-roles/:name',
      fields: staticFields,
      existenceCheck: async (req, store) => (await loadStaticRole(store, checkedName(req.fields.name, 'role'))) !== undefined,
      operations: {
        create: (req, store) => writeStaticRole(req, store, connections),
        update: (req, store) => writeStaticRole(req, store, connections),
        read: async (req, store) => {
          const role = await loadStaticRole(store, checkedName(req.fields.name, 'role'));
          return role ? ok(describeStaticRole(role)) : notFound();
        },
        delete: async (req, store) => {
          await store.delete(KEYS.staticRole(checkedName(req.fields.name, 'role')));
          return noContent();
        },
      },
      description: 'Manage the static roles: existing database users whose passwords Coffer rotates.',
    }),
    definePath({
      pattern: 'static-roles',
      fields: {},
      operations: {
        list: async (_req, store) => {
          const keys = await store.list('static-role/');
          return keys.length > 0 ? ok({ keys }) : notFound();
        },
      },
      description: 'List the static roles.',
    }),
    definePath({
      pattern: 'static-creds/:name',
      fields: nameOnly,
      operations: {
        read: async (req, store) => {
          const role = await loadStaticRole(store, checkedName(req.fields.name, 'role'));
          if (!role) throw invalidRequest('unknown role');
          return ok({
            username: role.username,
            password: role.password,
            last_vault_rotation: new Date(role.last_vault_rotation).toISOString(),
            rotation_period: role.rotation_period,
            ttl: ttlOf(role),
          });
        },
      },
      returnsSecret: ['read'],
      description: "Read a static role's current password.",
    }),
    definePath({
      pattern: 'rotate-role/:name',
      fields: nameOnly,
      operations: {
        update: async (req, store) => {
          const name = checkedName(req.fields.name, 'role');
          const role = await loadStaticRole(store, name);
          if (!role) throw invalidRequest('no static role found for role name');
          await rotateStaticRole(store, connections, name, role);
          return noContent();
        },
      },
      description: "Rotate a static role's password now.",
    }),
  ];
}

/** Every static role whose rotation is due, rotated (the backend's scheduler calls this). */
export async function rotateDueStaticRoles(store: MountStorage, connections: Connections, now = Date.now()): Promise<void> {
  for (const name of await store.list('static-role/')) {
    const role = await loadStaticRole(store, name);
    if (role && ttlOf(role, now) === 0) await rotateStaticRole(store, connections, name, role, now);
  }
}
