import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type LeasedSecretState, type MountStorage, type PathDef, type Req, type Resp, type SecretType } from '../../../framework/types.js';
import type { Connections } from '../connections.js';
import { DEFAULT_USERNAME_TEMPLATE, generatePassword, renderUsername } from '../credentials.js';
import { checkedName, loadRole, roleAllowed } from '../model.js';
import { DEFAULT_STATEMENTS, formatExpiration } from '../postgres.js';

/** The lease's secret type: Vault's database backend calls it "creds". */
export const CREDS_SECRET = 'creds';

/** PostgreSQL's identifier limit, in bytes. */
const MAX_USERNAME_BYTES = 63;

/** Marks a user as out (its lease not yet revoked), so its connection cannot be deleted from under it. */
export const ISSUED = {
  key: (dbName: string, username: string) => `issued/${dbName}/${username}`,
  prefix: (dbName: string) => `issued/${dbName}/`,
};

export interface MountTtls {
  defaultTtl: number;
  maxTtl: number;
}

/**
 * A generated name holds only what is safe inside "..." in SQL: the display name a token carries
 * is anybody's text, so anything else becomes "-"; then PostgreSQL's 63-byte limit.
 */
function safeUsername(name: string): string {
  return Buffer.from(name.replace(/[^A-Za-z0-9_.-]/g, '-')).subarray(0, MAX_USERNAME_BYTES).toString();
}

async function issueCredentials(req: Req<{ name: ReturnType<typeof field.string> }>, store: MountStorage, connections: Connections, ttls: () => MountTtls): Promise<Resp> {
  const roleName = checkedName(req.fields.name, 'role');
  const role = await loadRole(store, roleName);
  if (!role) throw invalidRequest(`unknown role: ${roleName}`);
  const { entry, connection } = await connections.get(store, role.db_name);
  if (!roleAllowed(entry, roleName)) throw invalidRequest(`"${roleName}" is not an allowed role`);
  const mount = ttls();
  const maxTtl = role.max_ttl > 0 ? Math.min(role.max_ttl, mount.maxTtl) : mount.maxTtl;
  const ttl = Math.min(role.default_ttl > 0 ? role.default_ttl : mount.defaultTtl, maxTtl);
  const username = safeUsername(renderUsername(entry.username_template || DEFAULT_USERNAME_TEMPLATE, { DisplayName: req.caller?.displayName ?? '', RoleName: roleName }));
  const password = generatePassword();
  const expiration = formatExpiration(new Date(Date.now() + ttl * 1000));
  try {
    await connection.execute('creating a user', role.creation_statements, { name: username, password, expiration });
  } catch (err) {
    if (role.rollback_statements.length > 0) await connection.execute('rolling back a user', role.rollback_statements, { name: username }).catch(() => undefined);
    throw err;
  }
  await store.put(ISSUED.key(role.db_name, username), { role: roleName });
  return ok(
    { username, password },
    { secret: { type: CREDS_SECRET, internal: { username, role: roleName, db_name: role.db_name }, ttl, maxTtl } },
  );
}

/** How the pipeline's leases renew and revoke database users. */
export function credsSecretType(connections: Connections): SecretType {
  const target = async (secret: LeasedSecretState, store: MountStorage) => {
    const { username, role: roleName, db_name: dbName } = secret.internal as { username: string; role: string; db_name: string };
    const { connection } = await connections.get(store, dbName);
    return { username, roleName, dbName, connection, role: await loadRole(store, roleName) };
  };
  return {
    async revoke(secret, store) {
      const { username, dbName, connection, role } = await target(secret, store);
      // Idempotent: a user already gone (revoked before a failover, dropped by hand) is revoked.
      if (await connection.roleExists(username)) {
        await connection.terminateSessions(username);
        const statements = role && role.revocation_statements.length > 0 ? role.revocation_statements : DEFAULT_STATEMENTS.revocation;
        await connection.execute('revoking a user', statements, { name: username });
      }
      await store.delete(ISSUED.key(dbName, username));
    },
    async renewLimits(secret, store) {
      const role = await loadRole(store, String(secret.internal.role));
      if (!role) throw invalidRequest(`error during renew: could not find role with name ${String(secret.internal.role)}`);
      return { ttl: role.default_ttl, maxTtl: role.max_ttl };
    },
    async extend(secret, expireTime, store) {
      const { username, connection, role } = await target(secret, store);
      const statements = role && role.renew_statements.length > 0 ? role.renew_statements : DEFAULT_STATEMENTS.renew;
      await connection.execute('renewing a user', statements, { name: username, expiration: formatExpiration(expireTime) });
    },
  };
}

export function credsPaths(connections: Connections, ttls: () => MountTtls): PathDef[] {
  return [
    definePath({
      pattern: 'creds/:name',
      fields: { name: field.string({ required: true }) },
      operations: { read: (req, store) => issueCredentials(req, store, connections, ttls) },
      returnsSecret: ['read'],
      description: 'Generate a database user with a password, under a lease.',
    }),
  ];
}
