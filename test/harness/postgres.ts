import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { poll } from './poll.js';
import { freePort } from './process.js';

/**
 * A real PostgreSQL cluster of its own, for one test file: `initdb` + `pg_ctl` in a temp dir,
 * listening on a free loopback port, run as the unprivileged `postgres` user when the tests run
 * as root (PostgreSQL refuses root). Never the system service. scripts/test-deps.sh installs
 * Debian's `postgresql` package when it is missing.
 */
export interface PostgresCluster {
  port: number;
  /** The superuser's name and password (password authentication over TCP, scram-sha-256). */
  superuser: string;
  password: string;
  /** `postgresql://{{username}}:{{password}}@127.0.0.1:<port>/postgres`: what a Vault database config takes. */
  templatedUrl: string;
  /** A client connected as `user` (the superuser by default); the caller ends it. */
  connect(user?: string, password?: string): Promise<pg.Client>;
  /** Runs one statement as the superuser and answers its rows. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<R[]>;
  /** The postmaster's PID now (changes after `restart`). */
  pid(): number;
  /** Kills the postmaster with SIGQUIT (PostgreSQL's immediate shutdown: no checkpoint, as a crash) and waits until it is gone. */
  crash(): Promise<void>;
  /** Starts the cluster again on the same data dir and port. */
  restart(): Promise<void>;
  /** Everything the server logged. */
  log(): string;
  /** Stops the postmaster by PID (fast shutdown) and removes the temp dir. */
  stop(): Promise<void>;
}

const PG_USER = 'postgres';

/** The newest installed PostgreSQL's bin dir (Debian keeps them under /usr/lib/postgresql/<major>/bin). */
function pgBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (majors.length === 0) throw new Error('PostgreSQL is not installed (scripts/test-deps.sh installs Debian\'s postgresql)');
  return join(root, majors[0]!, 'bin');
}

const asRoot = userInfo().uid === 0;

/** Runs a PostgreSQL program as the unprivileged user (runuser when we are root). */
function runAsPg(program: string, args: string[]): void {
  const [file, argv] = asRoot ? ['runuser', ['-u', PG_USER, '--', program, ...args]] : [program, args];
  const result = spawnSync(file, argv, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`);
}

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = pgBin();
  const dir = await mkdtemp(join(tmpdir(), 'coffer-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const password = `pw-${process.pid}-${Date.now()}`;
  const pwFile = join(dir, 'pwfile');
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', PG_USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', PG_USER], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(pwFile, uid, gid);
  }
  runAsPg(join(bin, 'initdb'), ['-D', data, '-U', PG_USER, `--pwfile=${pwFile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();

  const start = async () => {
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    runAsPg(join(bin, 'pg_ctl'), ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '30', 'start']);
  };
  const pid = () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const alive = (p: number) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  const connect = async (user = PG_USER, pass = password) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user, password: pass, database: 'postgres' });
    await client.connect();
    return client;
  };
  const query = async <R extends pg.QueryResultRow>(sql: string, values?: unknown[]) => {
    const client = await connect();
    try {
      return (await client.query<R>(sql, values)).rows;
    } finally {
      await client.end();
    }
  };
  const stopWith = async (signal: NodeJS.Signals) => {
    if (!existsSync(join(data, 'postmaster.pid'))) return;
    const postmaster = pid();
    process.kill(postmaster, signal);
    await poll('PostgreSQL postmaster exited', () => !alive(postmaster), { timeoutMs: 30_000 });
    // Backends notice the postmaster's death on their own; wait until no process holds the data dir.
    await poll('PostgreSQL backends exited', () => !existsSync(join(data, 'postmaster.pid')) || !alive(pid()), { timeoutMs: 30_000 });
  };

  await start();
  return {
    port,
    superuser: PG_USER,
    password,
    templatedUrl: `postgresql://{{username}}:{{password}}@127.0.0.1:${port}/postgres`,
    connect,
    query,
    pid,
    crash: () => stopWith('SIGQUIT'),
    restart: start,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async stop() {
      try {
        await stopWith('SIGINT');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
