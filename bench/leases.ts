// Leases at scale and dynamic credentials:
// - a store holding BENCH_LEASES (1,000,000) leases on SQLite: how long `coffer server` takes from
//   spawn to answering sys/health 200 (unsealed, active), and its peak RSS once its first expiry
//   pass has run, beside the same server on the same store before the leases were added;
// - database/creds issue + sys/leases/revoke round trips per second against a local PostgreSQL,
//   beside PostgreSQL's own CREATE ROLE + DROP ROLE rate over the same connections (the ceiling).
import { randomBytes } from 'node:crypto';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import { startServer, type RunningServer } from '../src/server/start.js';
import { startPostgres, type PostgresCluster } from '../test/harness/postgres.js';
import { startProcess } from './process.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const LEASES = Number(process.env.BENCH_LEASES ?? 1_000_000);
/** Leases registered at once while seeding (SQLite commits each tick's writes together). */
const SEED_BATCH = 5_000;

export interface StartupFigure {
  leases: number;
  startupMs: number;
  peakRssMiB: number;
}

export interface LeaseBenchResult {
  seedSeconds: number;
  empty: StartupFigure;
  full: StartupFigure;
  concurrency: number;
  duration: number;
  credsRoundTrips: number;
  ceilingRoundTrips: number;
  /** The ceiling over one connection: Coffer, like Vault's plugin, changes users one at a time per connection. */
  serialCeilingRoundTrips: number;
}

async function api(address: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${address}/v1/${path}`, { method, headers: token ? { 'X-Vault-Token': token } : {}, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function expect2xx(pending: Promise<{ status: number; json: Record<string, unknown> }>, what: string) {
  const res = await pending;
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

const inProcess = (dbPath: string) =>
  startServer({
    config: { storage: { type: 'sqlite', path: dbPath }, listeners: [{ address: '127.0.0.1:0', tlsDisable: true }], seal: { type: 'local' }, ui: false },
    logger: pino({ level: 'silent' }),
  });

/** Polls sys/health every 10 ms until it answers 200 (unsealed and active); fails after 60 s. */
async function untilActive(address: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${address}/v1/sys/health`).catch(() => undefined))?.status !== 200) {
    if (Date.now() > deadline) throw new Error('the server did not become active within 60 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Spawns `coffer server` on the store, times spawn → sys/health 200, and reads its peak RSS after the first expiry pass. */
async function measureStartup(configPath: string, env: Record<string, string>, leases: number): Promise<StartupFigure> {
  const started = Date.now();
  const server = await startProcess([join(repo, 'bin/coffer.js'), 'server', `-config=${configPath}`, '-log-level=warn'], env);
  try {
    await untilActive(server.address);
    const startupMs = Date.now() - started;
    await new Promise((r) => setTimeout(r, 2_000)); // the first expiry pass runs once the core is up
    const status = await readFile(`/proc/${server.child.pid}/status`, 'utf8');
    const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return { leases, startupMs, peakRssMiB: peakKiB / 1024 };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  }
}

/** Registers `count` leases for the database mount's readonly role, spread over the next 24 hours. */
async function seedLeases(server: RunningServer, rootToken: string, count: number): Promise<void> {
  const core = server.core;
  const mount = core.mounts.list('secret').find((m) => m.path === 'database/');
  const token = await core.tokens.lookup(rootToken);
  if (!mount || !token) throw new Error('seed: no database mount or root token');
  for (let i = 0; i < count; i += SEED_BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(SEED_BATCH, count - i) }, (_, j) =>
        core.leases.register({
          mount,
          path: 'database/creds/readonly',
          tokenId: token.id,
          secret: { type: 'creds', internal: { username: `v-bench-${i + j}`, db_name: 'pg' }, ttl: 3_600 + Math.floor(((i + j) * 86_400) / count) },
        }),
      ),
    );
  }
}

/** Issue + revoke round trips per second, `concurrency` at a time for `duration` seconds. */
async function credsRoundTrips(address: string, token: string, concurrency: number, duration: number): Promise<number> {
  const end = Date.now() + duration * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const creds = await expect2xx(api(address, 'GET', 'database/creds/readonly', token), 'creds');
        await expect2xx(api(address, 'PUT', 'sys/leases/revoke', token, { lease_id: creds.lease_id }), 'revoke');
        done++;
      }
    }),
  );
  return done / duration;
}

/** PostgreSQL's own CREATE ROLE + DROP ROLE, over `concurrency` connections as its superuser. */
async function ceilingRoundTrips(pgc: PostgresCluster, concurrency: number, duration: number): Promise<number> {
  const pool = new pg.Pool({ host: '127.0.0.1', port: pgc.port, user: pgc.superuser, password: pgc.password, database: 'postgres', max: concurrency });
  const end = Date.now() + duration * 1000;
  let done = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        for (let n = 0; Date.now() < end; n++) {
          const name = `ceiling_${worker}_${n}`;
          const until = new Date(Date.now() + 3_600_000).toISOString();
          await pool.query(`CREATE ROLE "${name}" WITH LOGIN PASSWORD '${randomBytes(15).toString('base64url')}' VALID UNTIL '${until}'`);
          await pool.query(`DROP ROLE "${name}"`);
          done++;
        }
      }),
    );
  } finally {
    await pool.end();
  }
  return done / duration;
}

export async function benchLeases(options: { concurrency?: number; duration?: number } = {}): Promise<LeaseBenchResult> {
  const concurrency = options.concurrency ?? 8;
  const duration = options.duration ?? 10;
  const dir = await mkdtemp(join(tmpdir(), 'coffer-bench-leases-'));
  const masterKey = randomBytes(32).toString('base64');
  const env = { COFFER_LOCAL_MASTER_KEY: masterKey };
  const previousKey = process.env.COFFER_LOCAL_MASTER_KEY;
  process.env.COFFER_LOCAL_MASTER_KEY = masterKey;
  const dbPath = join(dir, 'coffer.db');
  const configPath = join(dir, 'coffer.hcl');
  await writeFile(configPath, `storage "sqlite" {\n  path = "${dbPath}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\nseal "local" {}\n`);
  const pgc = await startPostgres();
  try {
    // Initialize, mount the database engine with a role, and measure the empty start-up.
    let server = await inProcess(dbPath);
    const address = server.addresses[0]!;
    const init = await expect2xx(api(address, 'PUT', 'sys/init', undefined, {}), 'init');
    const rootToken = init.root_token as string;
    await expect2xx(api(address, 'POST', 'sys/mounts/database', rootToken, { type: 'database' }), 'mount');
    await expect2xx(api(address, 'POST', 'database/config/pg', rootToken, {
      plugin_name: 'postgresql-database-plugin',
      connection_url: pgc.templatedUrl,
      username: pgc.superuser,
      password: pgc.password,
      allowed_roles: '*',
    }), 'config');
    await expect2xx(api(address, 'POST', 'database/roles/readonly', rootToken, {
      db_name: 'pg',
      creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`],
    }), 'role');
    await server.close();
    const empty = await measureStartup(configPath, env, 0);

    server = await inProcess(dbPath);
    const seedStarted = Date.now();
    await seedLeases(server, rootToken, LEASES);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    await server.close();
    const full = await measureStartup(configPath, env, LEASES);

    // Credentials against PostgreSQL, and the ceiling, on a server over the same (full) store.
    const coffer = await startProcess([join(repo, 'bin/coffer.js'), 'server', `-config=${configPath}`, '-log-level=warn'], env);
    try {
      await untilActive(coffer.address);
      await credsRoundTrips(coffer.address, rootToken, concurrency, 2); // warm-up
      const creds = await credsRoundTrips(coffer.address, rootToken, concurrency, duration);
      const ceiling = await ceilingRoundTrips(pgc, concurrency, duration);
      const serialCeiling = await ceilingRoundTrips(pgc, 1, duration);
      return { seedSeconds, empty, full, concurrency, duration, credsRoundTrips: creds, ceilingRoundTrips: ceiling, serialCeilingRoundTrips: serialCeiling };
    } finally {
      coffer.child.kill('SIGTERM');
      await new Promise((r) => coffer.child.once('exit', r));
    }
  } finally {
    if (previousKey === undefined) delete process.env.COFFER_LOCAL_MASTER_KEY;
    else process.env.COFFER_LOCAL_MASTER_KEY = previousKey;
    await pgc.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function printLeaseBench(r: LeaseBenchResult): void {
  console.log(`\nLeases on SQLite: spawn → sys/health 200, and peak RSS after the first expiry pass (seeded ${r.full.leases.toLocaleString('en')} leases in ${r.seedSeconds.toFixed(0)} s)`);
  for (const f of [r.empty, r.full]) {
    console.log(`  ${f.leases.toLocaleString('en').padStart(9)} leases: start-up ${String(f.startupMs).padStart(5)} ms (budget < 5000 ms), peak RSS ${f.peakRssMiB.toFixed(0).padStart(4)} MiB (budget < 300 MiB)`);
  }
  console.log(`\nDynamic PostgreSQL credentials, ${r.concurrency} at a time, ${r.duration} s`);
  console.log(`  coffer database/creds + sys/leases/revoke: ${r.credsRoundTrips.toFixed(0)} round trips/s`);
  console.log(`  PostgreSQL CREATE ROLE + DROP ROLE (ceiling): ${r.ceilingRoundTrips.toFixed(0)} round trips/s`);
  console.log(`  PostgreSQL CREATE ROLE + DROP ROLE over one connection: ${r.serialCeilingRoundTrips.toFixed(0)} round trips/s`);
  console.log(`  ratio coffer/ceiling: ${(r.credsRoundTrips / r.ceilingRoundTrips).toFixed(2)}; coffer/one-connection ceiling: ${(r.credsRoundTrips / r.serialCeilingRoundTrips).toFixed(2)}`);
}

// Alone: node dist/bench/leases.js (BENCH_LEASES sets the count).
if (import.meta.url === `file://${process.argv[1]}`) printLeaseBench(await benchLeases());
