import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { createRequire } from 'node:module';
import type pg from 'pg';
import { CofferError } from '../../framework/errors.js';

/** A stored connection (config/:name) as the PostgreSQL plugin needs it. */
export interface PostgresSettings {
  name: string;
  connectionUrl: string;
  username: string;
  password: string;
  maxOpenConnections: number;
  maxIdleConnections: number;
  /** Seconds; 0: no limit. */
  maxConnectionLifetime: number;
  passwordAuthentication: 'password' | 'scram-sha-256';
}

/** Vault's {{expiration}}: Go's "2006-01-02 15:04:05-0700", in UTC. */
export function formatExpiration(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}+0000`;
}

const CONNECT_TIMEOUT_MS = 5_000;
/** Concurrent grants on one database fail with "tuple concurrently updated" (XX000) or a serialization failure: retried. */
const RETRIED_SQLSTATES = new Set(['XX000', '40001', '40P01']);
const MAX_ATTEMPTS = 4;

/**
 * Vault's postgresql-database-plugin over node-postgres: one pool per connection config. Every
 * user change (create, renew, revoke, password) runs its statements in one transaction, one at a
 * time per connection (PostgreSQL fails concurrent GRANTs on the same objects), retried on the
 * transient SQLSTATEs above. Errors name the connection and the SQLSTATE only: PostgreSQL's own
 * message can quote the statement, and with it a password.
 */
export class PostgresConnection {
  private readonly pool: pg.Pool;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly settings: PostgresSettings,
    private readonly logger: Logger,
  ) {
    this.pool = new (loadPg().Pool)({
      connectionString: templatedUrl(settings.connectionUrl, settings.username, settings.password),
      max: Math.max(1, settings.maxOpenConnections),
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      ...(settings.maxConnectionLifetime > 0 ? { maxLifetimeSeconds: settings.maxConnectionLifetime } : {}),
    });
    // An idle client losing its server (PostgreSQL restarted) must not crash the process.
    this.pool.on('error', (err) => this.logger.warn({ connection: settings.name, code: (err as { code?: string }).code }, 'database: idle connection lost'));
  }

  /** Connects and runs SELECT 1 (verify_connection). */
  async verify(): Promise<void> {
    await this.run('verifying the connection', [], async (client) => {
      await client.query('SELECT 1');
    });
  }

  /** Runs `statements` with the templates filled in, in one transaction, serialised on this connection. */
  async execute(what: string, statements: readonly string[], values: StatementValues): Promise<void> {
    const secrets = values.password ? [values.password] : [];
    const password = values.password && this.settings.passwordAuthentication === 'scram-sha-256' ? scramVerifier(values.password) : values.password;
    const rendered = statements.map((s) => renderStatement(s, { ...values, ...(password !== undefined ? { password } : {}) }));
    await this.run(what, secrets, async (client) => {
      await client.query('BEGIN');
      try {
        for (const sql of rendered) await client.query(sql);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /** Ends every session of `username` (so a revoked user is logged out, and DROP ROLE is not blocked). */
  async terminateSessions(username: string): Promise<void> {
    await this.run('ending the sessions of a user', [], async (client) => {
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()', [username]);
    });
  }

  /** Whether a role of that name exists (a revocation of a user already gone succeeds). */
  async roleExists(username: string): Promise<boolean> {
    let exists = false;
    await this.run('looking up a user', [], async (client) => {
      exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).rowCount === 1;
    });
    return exists;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  private run(what: string, secrets: string[], work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const next = this.queue.then(() => this.attempt(what, secrets, work));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async attempt(what: string, secrets: string[], work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient | undefined;
      try {
        client = await this.pool.connect();
        await work(client);
        return;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code && RETRIED_SQLSTATES.has(code) && attempt < MAX_ATTEMPTS) continue;
        throw this.failure(what, err, secrets);
      } finally {
        client?.release();
      }
    }
  }

  private failure(what: string, err: unknown, secrets: string[]): CofferError {
    const code = (err as { code?: string }).code;
    let message = err instanceof Error ? err.message : String(err);
    for (const secret of [...secrets, this.settings.password]) if (secret) message = message.split(secret).join('[redacted]');
    this.logger.warn({ connection: this.settings.name, code, error: message }, `database: ${what} failed`);
    return new CofferError('database_failed', `database "${this.settings.name}": ${what} failed: ${describeFailure(code)}`, { cause: err });
  }
}

export interface StatementValues {
  name: string;
  password?: string;
  expiration?: string;
}

/** Vault's statement templates: {{name}} (and {{username}}), {{password}}, {{expiration}}. */
export function renderStatement(statement: string, values: StatementValues): string {
  return statement.replace(/\{\{\s*(name|username|password|expiration)\s*\}\}/g, (_, key: string) => {
    const value = key === 'username' ? values.name : values[key as keyof StatementValues];
    return value ?? '';
  });
}

/** connection_url with {{username}} and {{password}} filled in, URL-encoded. */
export function templatedUrl(url: string, username: string, password: string): string {
  return url.replace(/\{\{\s*username\s*\}\}/g, encodeURIComponent(username)).replace(/\{\{\s*password\s*\}\}/g, encodeURIComponent(password));
}

/** A connection_url Coffer can use: postgres:// or postgresql://, a host, and nothing unparsable. */
export function checkConnectionUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(templatedUrl(url, 'u', 'p'));
  } catch {
    return 'connection_url is not a valid URL';
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') return 'connection_url must be a postgres:// or postgresql:// URL';
  if (!parsed.hostname) return 'connection_url has no host';
  return undefined;
}

/** What a caller is told: the failure's kind, never PostgreSQL's own text. */
function describeFailure(code: string | undefined): string {
  if (!code) return 'no answer';
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'connection timed out',
    ENOTFOUND: 'host not found',
    '28P01': 'password authentication failed (SQLSTATE 28P01)',
    '28000': 'authorization failed (SQLSTATE 28000)',
    '3D000': 'database does not exist (SQLSTATE 3D000)',
    '42601': 'syntax error in a statement (SQLSTATE 42601)',
    '42704': 'an object the statement names does not exist (SQLSTATE 42704)',
    '42710': 'the role already exists (SQLSTATE 42710)',
    '42501': 'insufficient privilege (SQLSTATE 42501)',
    '2BP01': 'objects still depend on the role (SQLSTATE 2BP01)',
    '57P01': 'the server is shutting down (SQLSTATE 57P01)',
    '57P03': 'the server is not accepting connections yet (SQLSTATE 57P03)',
  };
  return known[code] ?? (/^[0-9A-Z]{5}$/.test(code) ? `SQLSTATE ${code}` : code);
}

/** PostgreSQL's SCRAM-SHA-256 verifier for a password (password_authentication = "scram-sha-256"): the password itself never travels. */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** The PostgreSQL plugin's statements when a role or connection gives none (Vault's behaviour, plus ending sessions and owned objects). */
export const DEFAULT_STATEMENTS = {
  renew: [`ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`],
  /**
   * Objects the user owns go to the connection's user, its grants go, then the role (PostgreSQL
   * refuses DROP ROLE otherwise). REASSIGN OWNED needs membership in the role, which a CREATEROLE
   * (not superuser) connection user only has once it grants it to itself.
   */
  revocation: [`GRANT "{{name}}" TO CURRENT_USER; REASSIGN OWNED BY "{{name}}" TO CURRENT_USER; DROP OWNED BY "{{name}}"; DROP ROLE IF EXISTS "{{name}}";`],
  rotation: [`ALTER ROLE "{{name}}" WITH PASSWORD '{{password}}';`],
};

// Loaded on the first connection, not at start-up: a server with no database mount never pays its
// ~36 ms and memory (pg is CommonJS, so a synchronous require keeps the constructor synchronous).
let pgModule: typeof pg | undefined;
function loadPg(): typeof pg {
  return (pgModule ??= createRequire(import.meta.url)('pg') as typeof pg);
}
