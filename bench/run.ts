// npm run bench: authenticated KV v2 read of a 200-byte secret, Coffer vs a bare node:http ceiling,
// measured with autocannon from this process while both servers run in their own processes.
// The same Coffer process is then measured again with one file audit device enabled (two hash-chained,
// HMAC'd lines per read), so the audit/no-audit ratio compares like with like.
// Then the same read in a namespace two levels deep beside the root, by non-root tokens (bench/namespaces.ts).
// Then wrap+unwrap round trips (bench/wrap.ts) and the same reads and round trips on a 3-node HA
// cluster over etcd (bench/ha.ts), printed beside these single-node figures; last, leases at scale and
// dynamic PostgreSQL credentials beside PostgreSQL's own rate (bench/leases.ts); last, the SDK's
// getSecret with and without its read cache (bench/sdk.ts); last, the web UI's weight and load time (bench/ui.ts).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startProcess } from './process.js';
import { benchHa, printHaBench } from './ha.js';
import { benchLeases, printLeaseBench } from './leases.js';
import { benchNamespaces, printNamespaceBench } from './namespaces.js';
import { runPkiBench } from './pki.js';
import { benchSdk, printSdkBench } from './sdk.js';
import { benchTransit, printTransitBench } from './transit.js';
import { benchUi, printUiBench } from './ui.js';
import { benchScale, printScaleBench } from './scale.js';
import { sqliteCommitRate } from './sqlite-commit.js';
import { benchWrap, printWrapBench } from './wrap.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const AUDIT_ROUNDS = Number(process.env.BENCH_AUDIT_ROUNDS ?? 3);

interface Result {
  name: string;
  requestsPerSecond: number;
  p99: number;
  p50: number;
  errors: number;
  non2xx: number;
}


async function load(name: string, url: string, headers: Record<string, string>): Promise<Result> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/**
 * KV v2 writes of a 200-byte secret: each request writes a new version of one of 1,000 paths (each
 * version sealed under its own data key, wrapped by the local KMS), so writers seldom queue on one key.
 */
async function loadWrites(name: string, address: string, token: string, secret: Record<string, string>): Promise<Result> {
  let n = 0;
  const result = await autocannon({
    url: address,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [
      {
        method: 'POST',
        headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
        setupRequest: (request) => ({ ...request, path: `/v1/secret/data/bench-write/${n++ % 1000}`, body: JSON.stringify({ data: secret }) }),
      },
    ],
  });
  return { name, requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

/** The run with the median throughput (latencies come from that same run). */
function medianRun(runs: Result[]): Result {
  return [...runs].sort((x, y) => x.requestsPerSecond - y.requestsPerSecond)[Math.floor(runs.length / 2)]!;
}

/**
 * Runs `measure` with a file audit device enabled on the server (a temp file, removed afterwards)
 * and disables the device again; also answers how many bytes the device wrote.
 */
async function withFileAudit(address: string, token: string, measure: () => Promise<Result>): Promise<{ result: Result; bytes: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-bench-audit-'));
  const file = join(dir, 'audit.log');
  const headers = { 'X-Vault-Token': token };
  const enable = await fetch(`${address}/v1/sys/audit/bench`, { method: 'PUT', headers, body: JSON.stringify({ type: 'file', options: { file_path: file } }) });
  if (!enable.ok) throw new Error(`audit enable failed: ${enable.status} ${await enable.text()}`);
  try {
    const result = await measure();
    return { result, bytes: (await stat(file)).size };
  } finally {
    await fetch(`${address}/v1/sys/audit/bench`, { method: 'DELETE', headers });
    await rm(dir, { recursive: true, force: true });
  }
}

interface SingleNodeRun {
  read: Result;
  audited: Result;
  write: Result;
  ceiling: Result;
}

async function main(): Promise<SingleNodeRun> {
  const token = `root-${randomBytes(16).toString("hex")}`;
  const coffer = await startProcess([join(repo, 'bin/coffer.js'), 'server', '-dev', '-dev-listen-address=127.0.0.1:0', `-dev-root-token-id=${token}`, '-log-level=warn']);
  const secretUrl = `${coffer.address}/v1/secret/data/bench`;
  const secret = { payload: randomBytes(200).toString('base64').slice(0, 200 - 14) };
  const write = await fetch(secretUrl, { method: 'POST', headers: { 'X-Vault-Token': token }, body: JSON.stringify({ data: secret }) });
  if (!write.ok) throw new Error(`write failed: ${write.status} ${await write.text()}`);
  const sample = await fetch(secretUrl, { headers: { 'X-Vault-Token': token } });
  const body = await sample.text();
  if (sample.status !== 200) throw new Error(`read failed: ${sample.status} ${body}`);

  const ceiling = await startProcess([join(here, 'ceiling-server.js')], { BENCH_BODY: body });
  try {
    // Warm both up so JIT and connection setup don't count.
    await autocannon({ url: secretUrl, connections: 10, duration: 2, headers: { 'X-Vault-Token': token } });
    await autocannon({ url: ceiling.address, connections: 10, duration: 2 });
    // Audit on and off alternate on the same server for AUDIT_ROUNDS rounds each, and the medians are
    // compared, so a noisy neighbour during one run cannot make or break the audit ratio.
    const plainRuns: Result[] = [];
    const auditRuns: Result[] = [];
    let auditBytes = 0;
    for (let round = 0; round < AUDIT_ROUNDS; round++) {
      plainRuns.push(await load('coffer kv-v2 read', secretUrl, { 'X-Vault-Token': token }));
      const audited = await withFileAudit(coffer.address, token, async () => {
        await autocannon({ url: secretUrl, connections: 10, duration: 2, headers: { 'X-Vault-Token': token } });
        return load('  + file audit', secretUrl, { 'X-Vault-Token': token });
      });
      auditRuns.push(audited.result);
      auditBytes += audited.bytes;
    }
    const writes = await loadWrites('coffer kv-v2 write', coffer.address, token, secret);
    const results = [medianRun(plainRuns), medianRun(auditRuns), writes, await load('node:http ceiling', ceiling.address, {})];
    const [c, a, , base] = results as [Result, Result, Result, Result];
    console.log(`\nKV v2 read of a ${JSON.stringify(secret).length}-byte secret (response ${body.length} bytes), ${CONNECTIONS} connections, ${DURATION} s`);
    console.log(`coffer rows: median of ${AUDIT_ROUNDS} runs each, audit off and on alternating (req/s off: ${plainRuns.map((r) => r.requestsPerSecond.toFixed(0)).join(', ')}; on: ${auditRuns.map((r) => r.requestsPerSecond.toFixed(0)).join(', ')})\n`);
    console.log('name                  req/s      p50 ms   p99 ms   errors  non-2xx');
    for (const r of results) {
      console.log(`${r.name.padEnd(20)} ${r.requestsPerSecond.toFixed(0).padStart(7)} ${String(r.p50).padStart(9)} ${String(r.p99).padStart(8)} ${String(r.errors).padStart(8)} ${String(r.non2xx).padStart(8)}`);
    }
    const ratio = c.requestsPerSecond / base.requestsPerSecond;
    console.log(`\nratio coffer/ceiling: ${ratio.toFixed(2)} (budget ≥ 0.5); coffer p99: ${c.p99} ms (budget < 10 ms)`);
    const auditRatio = a.requestsPerSecond / c.requestsPerSecond;
    console.log(`ratio audit/no-audit: ${auditRatio.toFixed(2)} (budget ≥ 0.7); the file audit device wrote ${(auditBytes / 1024 / 1024).toFixed(0)} MiB`);
    console.log(`kv-v2 write (new version, own data key, local KMS, 1,000 paths): ${writes.requestsPerSecond.toFixed(0)} req/s, p99 ${writes.p99} ms`);
    if ([...plainRuns, ...auditRuns, writes].some((r) => r.errors > 0 || r.non2xx > 0)) console.log('WARNING: coffer answered errors during the run');
    return { read: c, audited: a, write: writes, ceiling: base };
  } finally {
    coffer.child.kill('SIGTERM');
    ceiling.child.kill('SIGTERM');
  }
}

// `--core`: only the single-node figures (KV read with and without audit, KV write, SQLite's commit
// rate, wrap+unwrap), for iterating on the request path; the other rows print as skipped.
const CORE_ONLY = process.argv.includes('--core');
const single = await main();
const sqliteCommits = await sqliteCommitRate(Math.min(DURATION, 5));
console.log(`SQLite's own serial durable commits (WAL, synchronous=FULL, same machine): ${sqliteCommits.toFixed(0)}/s; KV v2 write ratio ${(single.write.requestsPerSecond / sqliteCommits).toFixed(2)}`);
if (!CORE_ONLY) printNamespaceBench(await benchNamespaces({ connections: CONNECTIONS, duration: DURATION }));
const wrap = await benchWrap({ connections: CONNECTIONS, duration: DURATION });
printWrapBench(wrap);
const ha = CORE_ONLY ? { skipped: '--core' } : await benchHa({ connections: CONNECTIONS, duration: DURATION });
if (!CORE_ONLY) {
  printHaBench(ha, { read: single.read, wrap: wrap.coffer });
  printLeaseBench(await benchLeases({ duration: DURATION }));
  printSdkBench(await benchSdk({ duration: DURATION }));
  printTransitBench(await benchTransit({ connections: CONNECTIONS, duration: DURATION }));
  await runPkiBench({ duration: DURATION });
}
const ui = CORE_ONLY ? undefined : await benchUi();
if (ui) printUiBench(ui);
// `--scale`: KV v2 with 100,000 secrets in the store (bench/scale.ts); takes a few minutes more.
const scale = process.argv.includes('--scale') ? await benchScale({ duration: DURATION }) : undefined;
if (scale) printScaleBench(scale);

// One machine-readable line holding the headline figures, so runs can be compared.
const round = (n: number, digits = 0) => Number(n.toFixed(digits));
const benchJson = {
  ceiling_rps: round(single.ceiling.requestsPerSecond),
  kv_read_rps: round(single.read.requestsPerSecond),
  kv_read_p99_ms: single.read.p99,
  kv_read_ratio: round(single.read.requestsPerSecond / single.ceiling.requestsPerSecond, 3),
  audit_ratio: round(single.audited.requestsPerSecond / single.read.requestsPerSecond, 3),
  wrap_round_trips_per_s: round(wrap.coffer.roundTripsPerSecond),
  ha_wrap_round_trips_per_s: 'skipped' in ha ? null : round(ha.activeWrap.perSecond),
  kv_write_rps: round(single.write.requestsPerSecond),
  sqlite_commit_rps: round(sqliteCommits),
  kv_write_ratio: round(single.write.requestsPerSecond / sqliteCommits, 3),
  ui_gzip_kb: ui ? round(ui.totalGzipBytes / 1024, 1) : null,
  ui_sign_in_interactive_ms: ui ? round(ui.signInInteractiveMs) : null,
  ...(scale ? { scale_secrets: scale.full.secrets - 1, cold_start_ms: scale.full.coldStartMs, rss_mb: round(scale.full.rssMiB), scale_read_ratio: round(scale.full.readRps / scale.empty.readRps, 3) } : {}),
};
console.log(`\nBENCH_JSON ${JSON.stringify(benchJson)}`);
