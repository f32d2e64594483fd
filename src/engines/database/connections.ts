import type { Logger } from 'pino';
import { invalidRequest } from '../../framework/errors.js';
import type { MountStorage } from '../../framework/types.js';
import { loadConnection, type ConnectionEntry } from './model.js';
import { PostgresConnection } from './postgres.js';

/** The plugins this engine has (Vault's plugin catalog names). */
export const PLUGINS = ['postgresql-database-plugin'] as const;

/** The open pools of one mount, by connection name: made on first use, dropped on reset, rewrite or delete. */
export class Connections {
  private readonly open = new Map<string, PostgresConnection>();

  constructor(private readonly logger: Logger) {}

  /** The connection config `name` and its pool; 400 in Vault's words when there is none. */
  async get(store: MountStorage, name: string): Promise<{ entry: ConnectionEntry; connection: PostgresConnection }> {
    const entry = await loadConnection(store, name);
    if (!entry) throw invalidRequest(`unable to find config for ${name}`);
    let connection = this.open.get(name);
    if (!connection) {
      connection = connect(name, entry, this.logger);
      this.open.set(name, connection);
    }
    return { entry, connection };
  }

  /** Closes the pool of `name`; the next use opens a new one with the stored config. */
  async reset(name: string): Promise<void> {
    const connection = this.open.get(name);
    this.open.delete(name);
    await connection?.close();
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}

/** A pool for a config, with the password it holds now (or the pending one: see ConnectionEntry). */
export function connect(name: string, entry: ConnectionEntry, logger: Logger, password = entry.password): PostgresConnection {
  return new PostgresConnection(
    {
      name,
      connectionUrl: entry.connection_url,
      username: entry.username,
      password,
      maxOpenConnections: entry.max_open_connections,
      maxIdleConnections: entry.max_idle_connections,
      maxConnectionLifetime: entry.max_connection_lifetime,
      passwordAuthentication: entry.password_authentication,
    },
    logger,
  );
}
