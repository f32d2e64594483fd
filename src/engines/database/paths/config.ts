import { CofferError, invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { formatDuration } from '../../../framework/duration.js';
import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { connect, PLUGINS, type Connections } from '../connections.js';
import { checkUsernameTemplate, generatePassword } from '../credentials.js';
import { checkedName, KEYS, loadConnection, statementList, type ConnectionEntry } from '../model.js';
import { checkConnectionUrl, DEFAULT_STATEMENTS } from '../postgres.js';
import type { Logger } from 'pino';

const configFields = {
  name: field.string({ required: true }),
  plugin_name: field.string({ description: 'The database plugin: postgresql-database-plugin.' }),
  connection_url: field.string({ description: 'postgresql://{{username}}:{{password}}@host:port/db; the templates take username and password.' }),
  username: field.string({ description: 'The user Coffer connects as (it creates and drops users).' }),
  password: field.string({ description: "That user's password; never answered by a read." }),
  allowed_roles: field.strings({ description: 'Roles that may use this connection ("*" for any, globs allowed); empty: none.' }),
  verify_connection: field.bool({ default: true, description: 'Connect once before saving, and refuse a config that cannot.' }),
  max_open_connections: field.int({ default: 4, description: 'Pool size.' }),
  max_idle_connections: field.int({ default: 0, description: 'Kept for Vault compatibility; the pool closes idle connections after 30 s.' }),
  max_connection_lifetime: field.duration({ default: 0, description: 'Close a pooled connection after this long; 0: never.' }),
  password_authentication: field.string({ default: 'password', description: '"password" sends passwords as they are; "scram-sha-256" sends their SCRAM verifier.' }),
  username_template: field.string({ description: "Go template for generated user names (Vault's functions)." }),
  root_rotation_statements: field.strings({ description: "Statements rotate-root runs; default: ALTER ROLE ... WITH PASSWORD." }),
  password_policy: field.string({ description: 'Not supported: passwords follow the default policy (20 characters, mixed classes).' }),
};
type ConfigReq = Req<typeof configFields>;

/** A config write: the stored config with what the request gives, checked (and, by default, tried) before it is saved. */
async function writeConfig(req: ConfigReq, store: MountStorage, connections: Connections, logger: Logger): Promise<Resp> {
  const name = checkedName(req.fields.name, 'connection');
  const existing = await loadConnection(store, name);
  const f = req.fields;
  const given = (key: keyof typeof configFields) => req.provided(key);
  if (given('password_policy') && f.password_policy !== '') throw invalidRequest('password_policy is not supported: generated passwords follow the default policy');
  const plugin = given('plugin_name') ? f.plugin_name : existing?.plugin_name;
  if (!plugin) throw invalidRequest('plugin_name must be set');
  if (!(PLUGINS as readonly string[]).includes(plugin)) throw invalidRequest(`unsupported plugin "${plugin}" (supported: ${PLUGINS.join(', ')})`);
  const entry: ConnectionEntry = {
    plugin_name: plugin,
    connection_url: given('connection_url') ? f.connection_url : (existing?.connection_url ?? ''),
    username: given('username') ? f.username : (existing?.username ?? ''),
    password: given('password') ? f.password : (existing?.password ?? ''),
    allowed_roles: given('allowed_roles') ? statementList(f.allowed_roles) : (existing?.allowed_roles ?? []),
    verify_connection: f.verify_connection,
    max_open_connections: given('max_open_connections') ? f.max_open_connections : (existing?.max_open_connections ?? 4),
    max_idle_connections: given('max_idle_connections') ? f.max_idle_connections : (existing?.max_idle_connections ?? 0),
    max_connection_lifetime: given('max_connection_lifetime') ? f.max_connection_lifetime : (existing?.max_connection_lifetime ?? 0),
    password_authentication: checkedPasswordAuthentication(given('password_authentication') ? f.password_authentication : (existing?.password_authentication ?? 'password')),
    username_template: given('username_template') ? f.username_template : (existing?.username_template ?? ''),
    root_rotation_statements: given('root_rotation_statements') ? statementList(f.root_rotation_statements) : (existing?.root_rotation_statements ?? []),
  };
  if (entry.connection_url === '') throw invalidRequest('connection_url must be set');
  const urlProblem = checkConnectionUrl(entry.connection_url);
  if (urlProblem) throw invalidRequest(urlProblem);
  if (entry.max_open_connections < 1) throw invalidRequest('max_open_connections must be at least 1');
  if (entry.max_idle_connections < 0 || entry.max_connection_lifetime < 0) throw invalidRequest('max_idle_connections and max_connection_lifetime cannot be negative');
  if (entry.username_template) checkUsernameTemplate(entry.username_template);
  if (entry.verify_connection) await verify(name, entry, logger);
  await store.put(KEYS.config(name), entry);
  await connections.reset(name);
  return noContent();
}

function checkedPasswordAuthentication(value: string): ConnectionEntry['password_authentication'] {
  if (value !== 'password' && value !== 'scram-sha-256') throw invalidRequest(`password_authentication must be "password" or "scram-sha-256", not "${value}"`);
  return value;
}

/** Tries the config on a pool of its own, closed afterwards; a failure is the caller's 400, with the kind of failure only. */
async function verify(name: string, entry: ConnectionEntry, logger: Logger): Promise<void> {
  const probe = connect(name, entry, logger);
  try {
    await probe.verify();
  } catch (err) {
    throw invalidRequest(`error creating database object: ${err instanceof CofferError ? err.message : 'connection failed'}`);
  } finally {
    await probe.close();
  }
}

/** What a read answers: never the password (Vault's connection_details leaves it out). */
function describeConnection(entry: ConnectionEntry): Record<string, unknown> {
  return {
    plugin_name: entry.plugin_name,
    plugin_version: '',
    allowed_roles: entry.allowed_roles,
    verify_connection: entry.verify_connection,
    password_policy: '',
    root_credentials_rotate_statements: entry.root_rotation_statements,
    connection_details: {
      connection_url: entry.connection_url,
      username: entry.username,
      max_open_connections: entry.max_open_connections,
      max_idle_connections: entry.max_idle_connections,
      max_connection_lifetime: formatDuration(entry.max_connection_lifetime),
      password_authentication: entry.password_authentication,
      ...(entry.username_template ? { username_template: entry.username_template } : {}),
    },
  };
}

/**
 * rotate-root: a new password for the connection's own user, known only to Coffer. The new
 * password is stored as pending before the database changes, so no outcome loses it.
 */
async function rotateRoot(req: Req<{ name: ReturnType<typeof field.string> }>, store: MountStorage, connections: Connections, logger: Logger): Promise<Resp> {
  const name = checkedName(req.fields.name, 'connection');
  const entry = await loadConnection(store, name);
  if (!entry) throw invalidRequest(`unable to find config for ${name}`);
  if (!entry.username) throw invalidRequest('unable to rotate root credentials: no username in configuration');
  const password = generatePassword();
  await store.put(KEYS.config(name), { ...entry, pending_password: password });
  const current = connect(name, entry, logger);
  try {
    const statements = entry.root_rotation_statements.length > 0 ? entry.root_rotation_statements : DEFAULT_STATEMENTS.rotation;
    await current.execute('rotating the root credentials', statements, { name: entry.username, password });
  } catch (err) {
    await store.put(KEYS.config(name), entry);
    throw err;
  } finally {
    await current.close();
  }
  await store.put(KEYS.config(name), { ...entry, password });
  await connections.reset(name);
  return noContent();
}

export function configPaths(connections: Connections, logger: Logger, inUse: (store: MountStorage, name: string) => Promise<number>): PathDef[] {
  const nameOnly = { name: field.string({ required: true }) };
  return [
    definePath({
      pattern: 'config/:name',
      fields: configFields,
      existenceCheck: async (req, store) => (await loadConnection(store, checkedName(req.fields.name, 'connection'))) !== undefined,
      operations: {
        create: (req, store) => writeConfig(req, store, connections, logger),
        update: (req, store) => writeConfig(req, store, connections, logger),
        read: async (req, store) => {
          const entry = await loadConnection(store, checkedName(req.fields.name, 'connection'));
          return entry ? ok(describeConnection(entry)) : notFound();
        },
        delete: async (req, store) => {
          const name = checkedName(req.fields.name, 'connection');
          // A connection with credentials still out could never revoke them (hashicorp/vault#9420).
          const outstanding = await inUse(store, name);
          if (outstanding > 0) {
            throw invalidRequest(`connection "${name}" still has ${outstanding} credential(s) out; revoke their leases first (sys/leases/revoke-prefix/${req.mount.path}creds/)`);
          }
          await store.delete(KEYS.config(name));
          await connections.reset(name);
          return noContent();
        },
      },
      description: 'Configure a connection to a database.',
    }),
    definePath({
      pattern: 'config',
      fields: {},
      operations: {
        list: async (_req, store) => {
          const keys = await store.list('config/');
          return keys.length > 0 ? ok({ keys }) : notFound();
        },
      },
      description: 'List the configured connections.',
    }),
    definePath({
      pattern: 'reset/:name',
      fields: nameOnly,
      operations: {
        update: async (req, store) => {
          const name = checkedName(req.fields.name, 'connection');
          if (!(await loadConnection(store, name))) throw invalidRequest(`unable to find config for ${name}`);
          await connections.reset(name);
          return noContent();
        },
      },
      description: 'Close and reopen the connection pool of a connection.',
    }),
    definePath({
      pattern: 'rotate-root/:name',
      fields: nameOnly,
      operations: { update: (req, store) => rotateRoot(req, store, connections, logger) },
      description: "Rotate the connection user's password; only Coffer knows the new one.",
    }),
  ];
}
