// The seeds' DatabaseSecretManager: dynamic PostgreSQL credentials, renewed before they expire,
// replaced before their max TTL, revoked on shutdown. On the SDK that is `client.leased`; what is
// left here is keeping a connection pool on the current credentials.
import pg from 'pg';
import type { CofferClient, LeasedSecret } from 'coffer/client';

type Credentials = { username: string; password: string };

export class DatabaseSecretManager {
  private constructor(
    private readonly lease: LeasedSecret<Credentials>,
    private pool: pg.Pool,
    connection: Omit<pg.PoolConfig, 'user' | 'password'>,
  ) {
    lease.on('rotated', (fresh) => {
      const old = this.pool;
      this.pool = new pg.Pool({ ...connection, user: fresh.data!.username, password: fresh.data!.password });
      void old.end(); // connections in use finish their queries first
    });
  }

  static async open(client: CofferClient, role: string, connection: Omit<pg.PoolConfig, 'user' | 'password'>, mount = 'database'): Promise<DatabaseSecretManager> {
    const lease = await client.leased<Credentials>(`${mount}/creds/${role}`);
    return new DatabaseSecretManager(lease, new pg.Pool({ ...connection, user: lease.data.username, password: lease.data.password }), connection);
  }

  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  /** Closes the pool and revokes the credentials. */
  async close(): Promise<void> {
    await this.pool.end();
    await this.lease.close();
  }
}
