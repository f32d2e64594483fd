// Namespaces: the authenticated KV v2 read of bench/run.ts, in a namespace two levels deep
// (X-Vault-Namespace: bench-a/bench-b) and in the root, against one dev server process. Each side has
// the same mount path (kv/, v2), the same 200-byte secret at the same path, and a non-root token
// created in its own namespace with the same one-path read policy, so the two differ only by where
// they live. The two alternate for BENCH_NS_ROUNDS rounds (the one measured first swaps each round)
// and their medians are compared, with a bare node:http ceiling answering the namespaced bytes.
// Each row also gives the server's CPU time per request (Linux /proc): on a machine shared with other
// work, throughput swings with the neighbours, the CPU a request costs much less.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { startProcess, type BenchProcess } from './process.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

/** Where the namespaced read lives: two levels deep, as issue 18 asks. */
export const BENCH_NAMESPACE = 'bench-a/bench-b';

export interface NamespaceBenchOptions {
  connections?: number;
  /** Seconds of measured load per run. */
  duration?: number;
  /** Runs of each read; the medians are compared. */
  rounds?: number;
}

export interface NamespaceBenchTarget {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** The server process's CPU time (user + system) per request, in µs; undefined without /proc. */
  cpuMicrosPerRequest?: number;
}

export interface NamespaceBenchResult {
  connections: number;
  duration: number;
  responseBytes: number;
  /** Each run, in the order measured per side. */
  rootRuns: NamespaceBenchTarget[];
  namespacedRuns: NamespaceBenchTarget[];
  /** The median runs (latencies come from those same runs). */
  root: NamespaceBenchTarget;
  namespaced: NamespaceBenchTarget;
  ceiling: NamespaceBenchTarget;
}

async function call(address: string, token: string, method: string, path: string, namespace: string, body?: unknown): Promise<string> {
  const headers: Record<string, string> = { 'X-Vault-Token': token, ...(namespace ? { 'X-Vault-Namespace': namespace } : {}) };
  const res = await fetch(`${address}/v1/${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} in ${namespace || 'root'}: ${res.status} ${text}`);
  return text;
}

/**
 * Mounts kv/ (v2) in `namespace`, writes the secret to kv/data/bench, writes a policy reading only
 * that path and answers a token created there with it (not root: the ACL is evaluated as for a client).
 */
async function prepare(address: string, rootToken: string, namespace: string, secret: Record<string, string>): Promise<string> {
  await call(address, rootToken, 'POST', 'sys/mounts/kv', namespace, { type: 'kv', options: { version: '2' } });
  await call(address, rootToken, 'POST', 'kv/data/bench', namespace, { data: secret });
  await call(address, rootToken, 'PUT', 'sys/policies/acl/bench-read', namespace, { policy: 'path "kv/data/bench" { capabilities = ["read"] }' });
  const created = await call(address, rootToken, 'POST', 'auth/token/create', namespace, { policies: ['bench-read'], no_default_policy: true, ttl: '24h' });
  return (JSON.parse(created) as { auth: { client_token: string } }).auth.client_token;
}

/** CPU time a process has used (user + system), in µs, from /proc/<pid>/stat; undefined off Linux. */
async function cpuMicros(pid: number | undefined): Promise<number | undefined> {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    // utime and stime (fields 14 and 15 of stat(5)), in USER_HZ: 100 per second on every Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

async function load(name: string, url: string, headers: Record<string, string>, server: BenchProcess, connections: number, duration: number): Promise<NamespaceBenchTarget> {
  const before = await cpuMicros(server.child.pid);
  const result = await autocannon({ url, connections, duration, headers });
  const after = await cpuMicros(server.child.pid);
  const cpu = before !== undefined && after !== undefined && result.requests.total > 0 ? (after - before) / result.requests.total : undefined;
  return { name, requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx, cpuMicrosPerRequest: cpu };
}

function medianRun(runs: NamespaceBenchTarget[]): NamespaceBenchTarget {
  return [...runs].sort((x, y) => x.requestsPerSecond - y.requestsPerSecond)[Math.floor(runs.length / 2)]!;
}

/** The median CPU time per request over runs (undefined without /proc). */
function medianCpu(runs: NamespaceBenchTarget[]): number | undefined {
  const cpu = runs.map((r) => r.cpuMicrosPerRequest).filter((c): c is number => c !== undefined).sort((x, y) => x - y);
  return cpu.length === runs.length && cpu.length > 0 ? cpu[Math.floor(cpu.length / 2)] : undefined;
}

/** Runs the root/namespaced read comparison against a fresh dev server and a ceiling server; stops both. */
export async function benchNamespaces(options: NamespaceBenchOptions = {}): Promise<NamespaceBenchResult> {
  const connections = options.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 50);
  const duration = options.duration ?? Number(process.env.BENCH_DURATION ?? 10);
  const rounds = options.rounds ?? Number(process.env.BENCH_NS_ROUNDS ?? 3);
  const rootToken = `root-${randomBytes(16).toString('hex')}`;
  const coffer = await startProcess([join(repo, 'bin/coffer.js'), 'server', '-dev', '-dev-listen-address=127.0.0.1:0', `-dev-root-token-id=${rootToken}`, '-log-level=warn']);
  let ceiling: BenchProcess | undefined;
  try {
    await call(coffer.address, rootToken, 'POST', 'sys/namespaces/bench-a', '', {});
    await call(coffer.address, rootToken, 'POST', `sys/namespaces/${BENCH_NAMESPACE}`, '', {});
    const secret = { payload: randomBytes(200).toString('base64').slice(0, 200 - 14) };
    const url = `${coffer.address}/v1/kv/data/bench`;
    const rootHeaders = { 'X-Vault-Token': await prepare(coffer.address, rootToken, '', secret) };
    const nsHeaders = { 'X-Vault-Token': await prepare(coffer.address, rootToken, BENCH_NAMESPACE, secret), 'X-Vault-Namespace': BENCH_NAMESPACE };
    const sample = await fetch(url, { headers: nsHeaders });
    const body = await sample.text();
    if (sample.status !== 200) throw new Error(`namespaced read failed: ${sample.status} ${body}`);

    ceiling = await startProcess([join(here, 'ceiling-server.js')], { BENCH_BODY: body });
    // Warm all three up so JIT and connection setup don't count.
    for (const headers of [rootHeaders, nsHeaders]) await autocannon({ url, connections: 10, duration: 2, headers });
    await autocannon({ url: ceiling.address, connections: 10, duration: 2 });
    const rootRuns: NamespaceBenchTarget[] = [];
    const namespacedRuns: NamespaceBenchTarget[] = [];
    const measureRoot = async () => rootRuns.push(await load('coffer kv-v2 read', url, rootHeaders, coffer, connections, duration));
    const measureNs = async () => namespacedRuns.push(await load(`  in ${BENCH_NAMESPACE}`, url, nsHeaders, coffer, connections, duration));
    for (let round = 0; round < rounds; round++) {
      // Whichever is measured first swaps each round, so a drift over the run favours neither.
      for (const measure of round % 2 === 0 ? [measureRoot, measureNs] : [measureNs, measureRoot]) await measure();
    }
    return {
      connections,
      duration,
      responseBytes: body.length,
      rootRuns,
      namespacedRuns,
      root: medianRun(rootRuns),
      namespaced: medianRun(namespacedRuns),
      ceiling: await load('node:http ceiling', ceiling.address, {}, ceiling, connections, duration),
    };
  } finally {
    coffer.child.kill('SIGTERM');
    ceiling?.child.kill('SIGTERM');
  }
}

/** Prints a benchNamespaces result as a table with the budget line. */
export function printNamespaceBench(result: NamespaceBenchResult): void {
  const perRun = (runs: NamespaceBenchTarget[]) => runs.map((r) => r.requestsPerSecond.toFixed(0)).join(', ');
  console.log(`\nNamespaces: KV v2 read (response ${result.responseBytes} bytes) with X-Vault-Namespace: ${BENCH_NAMESPACE} beside the same read in the root,`);
  console.log(`each by a non-root token of its namespace with the same read policy, ${result.connections} connections, ${result.duration} s`);
  console.log(`coffer rows: median of ${result.rootRuns.length} runs each, alternating (req/s root: ${perRun(result.rootRuns)}; namespaced: ${perRun(result.namespacedRuns)})\n`);
  const cpu = (r: NamespaceBenchTarget) => (r.cpuMicrosPerRequest === undefined ? '-' : r.cpuMicrosPerRequest.toFixed(0));
  console.log('name                  req/s      p50 ms   p99 ms   errors  non-2xx  cpu µs/req');
  for (const r of [result.root, result.namespaced, result.ceiling]) {
    console.log(`${r.name.padEnd(20)} ${r.requestsPerSecond.toFixed(0).padStart(7)} ${String(r.p50).padStart(9)} ${String(r.p99).padStart(8)} ${String(r.errors).padStart(8)} ${String(r.non2xx).padStart(8)} ${cpu(r).padStart(11)}`);
  }
  const ratio = result.namespaced.requestsPerSecond / result.root.requestsPerSecond;
  console.log(`\nratio namespaced/root: ${ratio.toFixed(2)} (budget ≥ 0.95); ratio namespaced/ceiling: ${(result.namespaced.requestsPerSecond / result.ceiling.requestsPerSecond).toFixed(2)}`);
  const [rootCpu, nsCpu] = [medianCpu(result.rootRuns), medianCpu(result.namespacedRuns)];
  if (rootCpu !== undefined && nsCpu !== undefined) console.log(`server CPU per request, namespaced/root: ${(nsCpu / rootCpu).toFixed(2)} (medians of all runs: ${nsCpu.toFixed(0)} vs ${rootCpu.toFixed(0)} µs)`);
  if ([...result.rootRuns, ...result.namespacedRuns].some((r) => r.errors > 0 || r.non2xx > 0)) console.log('WARNING: coffer answered errors during the run');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printNamespaceBench(await benchNamespaces());
}
