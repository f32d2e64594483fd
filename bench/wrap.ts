// Response-wrapping round trips: each virtual request is a KV v2 read asked to wrap
// (X-Vault-Wrap-TTL) followed by sys/wrapping/unwrap of the token it got. Coffer is measured beside a
// bare node:http ceiling (bench/ceiling-server.ts) driven through the same two-request chain in the
// same run, so the ratio holds on a noisy machine.
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { startProcess, type BenchProcess } from './process.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

export interface WrapBenchOptions {
  connections?: number;
  /** Seconds of measured load per target. */
  duration?: number;
}

export interface WrapBenchTarget {
  name: string;
  roundTripsPerSecond: number;
  /** Latency of single requests (either half of a round trip), in ms. */
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface WrapBenchResult {
  connections: number;
  duration: number;
  coffer: WrapBenchTarget;
  ceiling: WrapBenchTarget;
}


/** What the chain carries from the wrapped read to the unwrap (autocannon types its context as `object`). */
interface ChainContext {
  wrappingToken?: string;
}

/** The two-request chain: wrapped read, then unwrap of the token its answer carried. */
export function wrapUnwrapRequests(token: string): autocannon.Request[] {
  return [
    {
      method: 'GET',
      path: '/v1/secret/data/bench',
      headers: { 'X-Vault-Token': token, 'X-Vault-Wrap-TTL': '5m' },
      onResponse: (_status: number, body: string, context: object) => {
        const chain = context as ChainContext;
        try {
          chain.wrappingToken = (JSON.parse(body) as { wrap_info?: { token?: string } }).wrap_info?.token ?? '';
        } catch {
          chain.wrappingToken = '';
        }
      },
    },
    {
      method: 'POST',
      path: '/v1/sys/wrapping/unwrap',
      headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
      setupRequest: (request: autocannon.Request, context: object) => ({
        ...request,
        body: JSON.stringify({ token: (context as ChainContext).wrappingToken }),
      }),
    },
  ];
}

/** Drives the wrap+unwrap chain against `url` for `duration` seconds (bench/ha.ts reuses it). */
export async function loadWrapUnwrap(name: string, url: string, token: string, connections: number, duration: number): Promise<WrapBenchTarget> {
  const result = await autocannon({ url, connections, duration, requests: wrapUnwrapRequests(token) });
  return {
    name,
    // autocannon counts each of the two requests; a round trip is both.
    roundTripsPerSecond: result.requests.average / 2,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** Runs the wrap+unwrap benchmark against a fresh dev server and a ceiling server; stops both. */
export async function benchWrap(options: WrapBenchOptions = {}): Promise<WrapBenchResult> {
  const connections = options.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 50);
  const duration = options.duration ?? Number(process.env.BENCH_DURATION ?? 10);
  const token = `root-${randomBytes(16).toString('hex')}`;
  const coffer = await startProcess([join(repo, 'bin/coffer.js'), 'server', '-dev', '-dev-listen-address=127.0.0.1:0', `-dev-root-token-id=${token}`, '-log-level=warn']);
  let ceiling: BenchProcess | undefined;
  try {
    const secretUrl = `${coffer.address}/v1/secret/data/bench`;
    const write = await fetch(secretUrl, { method: 'POST', headers: { 'X-Vault-Token': token }, body: JSON.stringify({ data: { payload: randomBytes(150).toString('base64') } }) });
    if (!write.ok) throw new Error(`write failed: ${write.status} ${await write.text()}`);
    const wrapped = await fetch(secretUrl, { headers: { 'X-Vault-Token': token, 'X-Vault-Wrap-TTL': '5m' } });
    const wrappedBody = await wrapped.text();
    if (wrapped.status !== 200) throw new Error(`wrapped read failed: ${wrapped.status} ${wrappedBody}`);
    const check = await fetch(`${coffer.address}/v1/sys/wrapping/unwrap`, {
      method: 'POST',
      headers: { 'X-Vault-Token': token },
      body: JSON.stringify({ token: (JSON.parse(wrappedBody) as { wrap_info: { token: string } }).wrap_info.token }),
    });
    if (check.status !== 200) throw new Error(`unwrap failed: ${check.status} ${await check.text()}`);

    // The ceiling answers every request with the wrapped-read bytes, so the chain runs unchanged.
    ceiling = await startProcess([join(here, 'ceiling-server.js')], { BENCH_BODY: wrappedBody });
    // Warm both up so JIT and connection setup don't count.
    await autocannon({ url: coffer.address, connections: 10, duration: 2, requests: wrapUnwrapRequests(token) });
    await autocannon({ url: ceiling.address, connections: 10, duration: 2, requests: wrapUnwrapRequests(token) });
    return {
      connections,
      duration,
      coffer: await loadWrapUnwrap('coffer wrap+unwrap', coffer.address, token, connections, duration),
      ceiling: await loadWrapUnwrap('node:http ceiling', ceiling.address, token, connections, duration),
    };
  } finally {
    coffer.child.kill('SIGTERM');
    ceiling?.child.kill('SIGTERM');
  }
}

/** Prints a benchWrap result as a table with the budget line. */
export function printWrapBench(result: WrapBenchResult): void {
  console.log(`\nResponse wrapping: wrapped KV v2 read + sys/wrapping/unwrap, ${result.connections} connections, ${result.duration} s\n`);
  console.log('name                  round trips/s   p50 ms   p99 ms   errors  non-2xx');
  for (const r of [result.coffer, result.ceiling]) {
    console.log(
      `${r.name.padEnd(20)} ${r.roundTripsPerSecond.toFixed(0).padStart(15)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)} ${String(r.errors).padStart(8)} ${String(r.non2xx).padStart(8)}`,
    );
  }
  const perSecond = Math.round(result.coffer.roundTripsPerSecond).toLocaleString('en-US');
  console.log(`\nwrap+unwrap round trips/s: ${perSecond} (budget ≥ 2,000); ratio coffer/ceiling: ${(result.coffer.roundTripsPerSecond / result.ceiling.roundTripsPerSecond).toFixed(2)}`);
  if (result.coffer.errors > 0 || result.coffer.non2xx > 0) console.log('WARNING: coffer answered errors during the run');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printWrapBench(await benchWrap());
}
