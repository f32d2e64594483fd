// HA bench: 3 etcd members + 3 Coffer nodes (storage "etcd" { ha_enabled = true }). KV v2 reads and
// wrap+unwrap round trips (bench/wrap.ts's chain), each through the active node and through a
// standby (which forwards every request to the active node), printed beside the single-node SQLite
// figures bench/run.ts and bench/wrap.ts measured in the same run.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { ETCD_BIN } from '../test/harness/etcd.js';
import { api } from '../test/harness/http.js';
import { startHaCluster, type CofferNode } from '../test/ha/fixture.js';
import { loadWrapUnwrap, wrapUnwrapRequests, type WrapBenchTarget } from './wrap.js';

export interface HaRow {
  name: string;
  /** Requests/s for KV reads, round trips/s for wrap+unwrap. */
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export type HaBenchResult =
  | { skipped: string }
  | {
      connections: number;
      duration: number;
      activeRead: HaRow;
      standbyRead: HaRow;
      activeWrap: HaRow;
      standbyWrap: HaRow;
      /** What a single request answered when it did not succeed (checks before and after the load). */
      problems: string[];
    };

/** The single-node SQLite figures measured earlier in the same `npm run bench` run. */
export interface SingleNodeFigures {
  read?: { requestsPerSecond: number; p50: number; p99: number; errors: number; non2xx: number };
  wrap?: WrapBenchTarget;
}

/**
 * One KV read and one wrapped read + unwrap through `node`, by hand; answers what went wrong (empty
 * when all three answered 200). Error bodies only: a wrapping token never reaches the output.
 */
async function check(label: string, node: CofferNode, token: string): Promise<string[]> {
  const problems: string[] = [];
  try {
    const read = await api(node.address, 'GET', 'secret/data/bench', { token });
    if (read.status !== 200) problems.push(`${label}: KV read answered ${read.status} ${read.text.slice(0, 300)}`);
    const wrapped = await api(node.address, 'GET', 'secret/data/bench', { token, headers: { 'X-Vault-Wrap-TTL': '5m' } });
    if (wrapped.status !== 200) {
      problems.push(`${label}: wrapped read answered ${wrapped.status} ${wrapped.text.slice(0, 300)}`);
      return problems;
    }
    const wrappingToken = (JSON.parse(wrapped.text) as { wrap_info?: { token?: string } }).wrap_info?.token;
    const unwrap = await api(node.address, 'POST', 'sys/wrapping/unwrap', { token, body: { token: wrappingToken } });
    if (unwrap.status !== 200) problems.push(`${label}: unwrap answered ${unwrap.status} ${unwrap.text.slice(0, 300)}`);
  } catch (err) {
    problems.push(`${label}: ${(err as Error).message}`);
  }
  return problems;
}

async function loadRead(name: string, address: string, token: string, connections: number, duration: number): Promise<HaRow> {
  const result = await autocannon({ url: `${address}/v1/secret/data/bench`, connections, duration, headers: { 'X-Vault-Token': token } });
  return { name, perSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

async function loadWrap(name: string, address: string, token: string, connections: number, duration: number): Promise<HaRow> {
  const r = await loadWrapUnwrap(name, address, token, connections, duration);
  return { name, perSecond: r.roundTripsPerSecond, p50: r.p50, p99: r.p99, errors: r.errors, non2xx: r.non2xx };
}

/**
 * Starts the etcd cluster and the 3 nodes, initializes, mounts KV v2 at secret/, runs the four
 * measurements and stops every process by PID (also on error). Skips (answers why) without etcd.
 */
export async function benchHa(options: { connections?: number; duration?: number } = {}): Promise<HaBenchResult> {
  if (!existsSync(ETCD_BIN)) return { skipped: `${ETCD_BIN} is missing: run \`bash scripts/test-deps.sh\`` };
  const connections = options.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 50);
  const duration = options.duration ?? Number(process.env.BENCH_DURATION ?? 10);
  // The test suite's HA fixture: 3 etcd members, 3 nodes, initialized, KV v2 at secret/.
  const cluster = await startHaCluster({ name: 'bench-ha' });
  try {
    const token = cluster.rootToken;
    const active = await cluster.settledActive();
    const standby = cluster.running().find((n) => n !== active)!;
    const secret = { payload: randomBytes(200).toString('base64').slice(0, 200 - 14) };
    const written = await api(active.address, 'POST', 'secret/data/bench', { token, body: { data: secret } });
    if (written.status !== 200) throw new Error(`write failed: ${written.status} ${written.text}`);

    // The active node must serve the chain; a failing standby is measured and reported, not fatal.
    const activeProblems = await check('active', active, token);
    if (activeProblems.length > 0) throw new Error(activeProblems.join('\n'));
    const problems = await check('standby (before load)', standby, token);

    // Warm up both nodes (the standby's chain also warms the active node's forwarded path).
    await autocannon({ url: active.address, connections: 10, duration: 2, requests: wrapUnwrapRequests(token) });
    await autocannon({ url: standby.address, connections: 10, duration: 2, requests: wrapUnwrapRequests(token) });
    const activeRead = await loadRead('kv-v2 read, HA active', active.address, token, connections, duration);
    const standbyRead = await loadRead('kv-v2 read, HA standby', standby.address, token, connections, duration);
    const activeWrap = await loadWrap('wrap+unwrap, HA active', active.address, token, connections, duration);
    const standbyWrap = await loadWrap('wrap+unwrap, HA standby', standby.address, token, connections, duration);
    for (const row of [activeRead, standbyRead, activeWrap, standbyWrap]) {
      if (row.errors > 0 || row.non2xx > 0) {
        const node = row.name.endsWith('active') ? active : standby;
        problems.push(...(await check(`${row.name.endsWith('active') ? 'active' : 'standby'} (after ${row.name})`, node, token)));
      }
    }
    return { connections, duration, activeRead, standbyRead, activeWrap, standbyWrap, problems };
  } finally {
    await cluster.stop();
  }
}

function row(name: string, perSecond: number, p50: number | string, p99: number | string, errors: number | string, non2xx: number | string): string {
  return `${name.padEnd(36)} ${perSecond.toFixed(0).padStart(10)} ${String(p50).padStart(8)} ${String(p99).padStart(8)} ${String(errors).padStart(8)} ${String(non2xx).padStart(8)}`;
}

/** Prints the HA rows beside the single-node SQLite rows, with the budget line. */
export function printHaBench(result: HaBenchResult, single: SingleNodeFigures = {}): void {
  if ('skipped' in result) {
    console.log(`\nHA bench (3 etcd members + 3 Coffer nodes) skipped: ${result.skipped}`);
    return;
  }
  console.log(`\nHA: 3 etcd members + 3 Coffer nodes (storage "etcd", ha_enabled = true), ${result.connections} connections, ${result.duration} s each;`);
  console.log(`a standby forwards every request to the active node.${single.read || single.wrap ? ' Single-node rows: the SQLite dev server measured above.' : ''}\n`);
  console.log(`${'name'.padEnd(36)} ${'per second'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(8)} ${'non-2xx'.padStart(8)}`);
  if (single.read) console.log(row('kv-v2 read, single node (SQLite)', single.read.requestsPerSecond, single.read.p50, single.read.p99, single.read.errors, single.read.non2xx));
  for (const r of [result.activeRead, result.standbyRead]) console.log(row(r.name, r.perSecond, r.p50, r.p99, r.errors, r.non2xx));
  if (single.wrap) console.log(row('wrap+unwrap, single node (SQLite)', single.wrap.roundTripsPerSecond, single.wrap.p50, single.wrap.p99, single.wrap.errors, single.wrap.non2xx));
  for (const r of [result.activeWrap, result.standbyWrap]) console.log(row(r.name, r.perSecond, r.p50, r.p99, r.errors, r.non2xx));
  console.log('(kv-v2 rows: requests/s; wrap+unwrap rows: round trips/s, latencies per single request)');
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`\nHA wrap+unwrap round trips/s through the active node: ${fmt(result.activeWrap.perSecond)} (budget ≥ 500); through a standby: ${fmt(result.standbyWrap.perSecond)}`);
  if (single.wrap) console.log(`ratio HA active/single node: wrap+unwrap ${(result.activeWrap.perSecond / single.wrap.roundTripsPerSecond).toFixed(2)}${single.read ? `, kv-v2 read ${(result.activeRead.perSecond / single.read.requestsPerSecond).toFixed(2)}` : ''}`);
  if ([result.activeRead, result.standbyRead, result.activeWrap, result.standbyWrap].some((r) => r.errors > 0 || r.non2xx > 0)) console.log('WARNING: the HA cluster answered errors during the run');
  for (const p of result.problems) console.log(`HA problem: ${p}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printHaBench(await benchHa());
}
