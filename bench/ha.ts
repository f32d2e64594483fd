// HA bench: 3 etcd members + 3 Coffer nodes (storage "etcd" { ha_enabled = true }). KV v2 reads and
// wrap+unwrap round trips (bench/wrap.ts's chain), each through the active node and through a
// standby (which forwards every request to the active node), printed beside the single-node SQLite
// figures bench/run.ts and bench/wrap.ts measured in the same run.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { ETCD_BIN, startEtcdCluster, type EtcdCluster } from '../test/harness/etcd.js';
import { freePort, stopProcess } from '../test/harness/process.js';
import { startProcess, type BenchProcess } from './process.js';
import { loadWrapUnwrap, wrapUnwrapRequests, type WrapBenchTarget } from './wrap.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

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

interface Node extends BenchProcess {
  apiAddr: string;
}

async function call(address: string, method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(`${address}/v1/${path}`, {
    method,
    headers: { ...(token ? { 'X-Vault-Token': token } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, text: await res.text() };
}

async function startNode(dir: string, cluster: EtcdCluster, prefix: string, masterKey: string): Promise<Node> {
  const port = await freePort();
  const apiAddr = `http://127.0.0.1:${port}`;
  const config = join(dir, `node-${port}.hcl`);
  await writeFile(
    config,
    `storage "etcd" {\n  endpoints = ${JSON.stringify(cluster.endpoints)}\n  prefix = "${prefix}"\n  ha_enabled = true\n}\n` +
      `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\napi_addr = "${apiAddr}"\n`,
  );
  const node = await startProcess([join(repo, 'bin/coffer.js'), 'server', `-config=${config}`, '-log-level=warn'], { COFFER_LOCAL_MASTER_KEY: masterKey });
  return { ...node, apiAddr };
}

/** Polls until every node agrees on one active node, which answers sys/health 200. */
async function settledActive(nodes: Node[], timeoutMs = 15_000): Promise<Node> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  for (;;) {
    const answers = await Promise.all(
      nodes.map((n) =>
        call(n.address, 'GET', 'sys/leader')
          .then((r) => (r.status === 200 ? (JSON.parse(r.text) as { is_self: boolean; leader_address: string }) : undefined))
          .catch(() => undefined),
      ),
    );
    seen = JSON.stringify(answers);
    const selves = nodes.filter((_, i) => answers[i]?.is_self);
    if (selves.length === 1 && answers.every((a) => a?.leader_address === selves[0]!.apiAddr)) {
      const health = await call(selves[0]!.address, 'GET', 'sys/health').catch(() => undefined);
      if (health?.status === 200) return selves[0]!;
    }
    if (Date.now() > deadline) throw new Error(`no single active node within ${timeoutMs} ms: ${seen}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until a node is unsealed: sys/health 200 (active) or 429 (standby). */
async function unsealed(node: Node, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = await call(node.address, 'GET', 'sys/health').catch(() => undefined);
    if (health?.status === 200 || health?.status === 429) return;
    if (Date.now() > deadline) throw new Error(`${node.address} not unsealed within ${timeoutMs} ms: ${health?.status} ${health?.text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * One KV read and one wrapped read + unwrap through `node`, by hand; answers what went wrong (empty
 * when all three answered 200). Error bodies only: a wrapping token never reaches the output.
 */
async function check(label: string, node: Node, token: string): Promise<string[]> {
  const problems: string[] = [];
  try {
    const read = await call(node.address, 'GET', 'secret/data/bench', token);
    if (read.status !== 200) problems.push(`${label}: KV read answered ${read.status} ${read.text.slice(0, 300)}`);
    const wrapped = await call(node.address, 'GET', 'secret/data/bench', token, undefined, { 'X-Vault-Wrap-TTL': '5m' });
    if (wrapped.status !== 200) {
      problems.push(`${label}: wrapped read answered ${wrapped.status} ${wrapped.text.slice(0, 300)}`);
      return problems;
    }
    const wrappingToken = (JSON.parse(wrapped.text) as { wrap_info?: { token?: string } }).wrap_info?.token;
    const unwrap = await call(node.address, 'POST', 'sys/wrapping/unwrap', token, { token: wrappingToken });
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
  const dir = await mkdtemp(join(tmpdir(), 'coffer-bench-ha-'));
  const nodes: Node[] = [];
  let cluster: EtcdCluster | undefined;
  try {
    cluster = await startEtcdCluster({ members: 3 });
    const masterKey = randomBytes(32).toString('base64');
    const prefix = `/coffer-bench-ha-${process.pid}/`;
    const started = await Promise.allSettled([0, 1, 2].map(() => startNode(dir, cluster!, prefix, masterKey)));
    for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;

    const init = await call(nodes[0]!.address, 'PUT', 'sys/init', undefined, {});
    if (init.status !== 200) throw new Error(`sys/init failed: ${init.status} ${init.text}`);
    const token = (JSON.parse(init.text) as { root_token: string }).root_token;
    const active = await settledActive(nodes);
    const mounted = await call(active.address, 'POST', 'sys/mounts/secret', token, { type: 'kv', options: { version: '2' } });
    if (mounted.status !== 204) throw new Error(`mounting KV v2 at secret/ failed: ${mounted.status} ${mounted.text}`);
    for (const node of nodes) await unsealed(node);
    const standby = nodes.find((n) => n !== active)!;
    const secret = { payload: randomBytes(200).toString('base64').slice(0, 200 - 14) };
    const written = await call(active.address, 'POST', 'secret/data/bench', token, { data: secret });
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
    await Promise.all(nodes.map((n) => stopProcess(n.child)));
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
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
