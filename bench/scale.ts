// `npm run bench -- --scale`: KV at scale on SQLite. One store is measured twice by a spawned
// `coffer server` (local seal, so it unseals itself): holding one KV v2 secret, then holding
// BENCH_SECRETS (100,000) more. Each time: spawn → sys/health 200 (cold start), the authenticated
// KV v2 read of the same 200-byte secret (autocannon), and the process's RSS after those reads.
// With the full store, reads spread over all its secrets are measured too (no two alike in a row).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startProcess, type BenchProcess } from './process.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SECRETS = Number(process.env.BENCH_SECRETS ?? 100_000);

export interface ScaleFigure {
  secrets: number;
  coldStartMs: number;
  readRps: number;
  readP99Ms: number;
  rssMiB: number;
}

export interface ScaleBenchResult {
  seedSeconds: number;
  empty: ScaleFigure;
  full: ScaleFigure;
  /** Reads of distinct secrets across the full store. */
  spreadReadRps: number;
}

async function api(address: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${address}/v1/${path}`, { method, headers: token ? { 'X-Vault-Token': token } : {}, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

async function untilActive(address: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${address}/v1/sys/health`).catch(() => undefined))?.status !== 200) {
    if (Date.now() > deadline) throw new Error('the server did not become active within 60 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function stop(server: BenchProcess): Promise<void> {
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** Spawn → active, then the same-secret read under load, then RSS; leaves the server running. */
async function measure(configPath: string, env: Record<string, string>, token: string, secrets: number, duration: number): Promise<{ figure: ScaleFigure; server: BenchProcess }> {
  const started = Date.now();
  const server = await startProcess([join(repo, 'bin/coffer.js'), 'server', `-config=${configPath}`, '-log-level=warn'], env);
  await untilActive(server.address);
  const coldStartMs = Date.now() - started;
  const url = `${server.address}/v1/secret/data/bench`;
  const headers = { 'X-Vault-Token': token };
  await autocannon({ url, headers, connections: 10, duration: 2 });
  const read = await autocannon({ url, headers, connections: 50, duration });
  if (read.non2xx || read.errors) throw new Error(`scale read: ${read.non2xx} non-2xx, ${read.errors} errors`);
  const figure = { secrets, coldStartMs, readRps: read.requests.average, readP99Ms: read.latency.p99, rssMiB: await rssMiB(server.child.pid!) };
  return { figure, server };
}

export async function benchScale(options: { duration?: number } = {}): Promise<ScaleBenchResult> {
  const duration = options.duration ?? 10;
  const dir = await mkdtemp(join(tmpdir(), 'coffer-bench-scale-'));
  const env = { COFFER_LOCAL_MASTER_KEY: randomBytes(32).toString('base64') };
  const configPath = join(dir, 'coffer.hcl');
  await writeFile(configPath, `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\nseal "local" {}\n`);
  const secret = { data: { payload: randomBytes(200).toString('base64').slice(0, 186) } };
  try {
    // Initialize, mount KV v2 and write the one secret that is read.
    const first = await startProcess([join(repo, 'bin/coffer.js'), 'server', `-config=${configPath}`, '-log-level=warn'], env);
    let token: string;
    try {
      const init = await api(first.address, 'PUT', 'sys/init', undefined, {});
      token = init.root_token as string;
      await untilActive(first.address);
      await api(first.address, 'POST', 'sys/mounts/secret', token, { type: 'kv', options: { version: '2' } });
      await api(first.address, 'POST', 'secret/data/bench', token, secret);
    } finally {
      await stop(first);
    }
    const emptyRun = await measure(configPath, env, token, 1, duration);
    const empty = emptyRun.figure;
    // Seed through the API, 50 writers at a time (each a new KV v2 secret with its own data key).
    let n = 0;
    const seedStarted = Date.now();
    const seeded = await autocannon({
      url: emptyRun.server.address,
      connections: 50,
      amount: SECRETS,
      requests: [{ method: 'POST', headers: { 'X-Vault-Token': token }, setupRequest: (r) => ({ ...r, path: `/v1/secret/data/scale/${Math.floor(n / 1000)}/${n++}`, body: JSON.stringify(secret) }) }],
    });
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    await stop(emptyRun.server);
    if (seeded.non2xx || seeded.errors) throw new Error(`seeding: ${seeded.non2xx} non-2xx, ${seeded.errors} errors`);
    const fullRun = await measure(configPath, env, token, SECRETS + 1, duration);
    try {
      let m = 0;
      const spread = await autocannon({
        url: fullRun.server.address,
        connections: 50,
        duration,
        requests: [{ method: 'GET', headers: { 'X-Vault-Token': token }, setupRequest: (r) => ({ ...r, path: `/v1/secret/data/scale/${Math.floor((m * 7919) % SECRETS / 1000)}/${(m++ * 7919) % SECRETS}` }) }],
      });
      if (spread.non2xx || spread.errors) throw new Error(`spread read: ${spread.non2xx} non-2xx, ${spread.errors} errors`);
      return { seedSeconds, empty, full: fullRun.figure, spreadReadRps: spread.requests.average };
    } finally {
      await stop(fullRun.server);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function printScaleBench(r: ScaleBenchResult): void {
  console.log(`\nKV v2 at scale on SQLite (seeded ${(r.full.secrets - 1).toLocaleString('en')} secrets through the API in ${r.seedSeconds.toFixed(0)} s)`);
  for (const f of [r.empty, r.full]) {
    console.log(`  ${f.secrets.toLocaleString('en').padStart(9)} secrets: cold start ${String(f.coldStartMs).padStart(5)} ms (budget < 1000), read ${f.readRps.toFixed(0).padStart(6)} req/s p99 ${f.readP99Ms} ms, RSS ${f.rssMiB.toFixed(0)} MiB (budget < 150)`);
  }
  console.log(`  read ratio full/empty: ${(r.full.readRps / r.empty.readRps).toFixed(2)} (budget ≥ 0.90); reads spread over all secrets: ${r.spreadReadRps.toFixed(0)} req/s`);
}

// Alone: node dist/bench/scale.js (BENCH_SECRETS sets the count).
if (import.meta.url === `file://${process.argv[1]}`) printScaleBench(await benchScale({ duration: Number(process.env.BENCH_DURATION ?? 10) }));
