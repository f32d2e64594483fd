// Transit signing: POST transit/sign/<ed25519 key> of a 64-byte input, with autocannon from this
// process against a dev server in its own process. Beside it, the ceiling of the work itself:
// Node's crypto.sign with one ed25519 key, in this process, for the same time on one core.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { startProcess } from './process.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

export interface TransitBenchResult {
  connections: number;
  duration: number;
  signsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** crypto.sign(null, 64 bytes, ed25519 key) per second in one process: the signature alone. */
  nodeSignsPerSecond: number;
}

function nodeSignRate(seconds: number): number {
  const { privateKey } = generateKeyPairSync('ed25519');
  const input = randomBytes(64);
  const end = Date.now() + seconds * 1000;
  let n = 0;
  const started = Date.now();
  while (Date.now() < end) {
    for (let i = 0; i < 100; i++) sign(null, input, privateKey);
    n += 100;
  }
  return n / ((Date.now() - started) / 1000);
}

export async function benchTransit(options: { connections?: number; duration?: number } = {}): Promise<TransitBenchResult> {
  const connections = options.connections ?? 50;
  const duration = options.duration ?? 10;
  const token = `root-${randomBytes(16).toString('hex')}`;
  const server = await startProcess([join(repo, 'bin/coffer.js'), 'server', '-dev', '-dev-listen-address=127.0.0.1:0', `-dev-root-token-id=${token}`, '-log-level=warn']);
  try {
    const headers = { 'X-Vault-Token': token, 'Content-Type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.address}/v1/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res;
    };
    await post('sys/mounts/transit', { type: 'transit' });
    await post('transit/keys/bench', { type: 'ed25519' });
    const body = JSON.stringify({ input: randomBytes(64).toString('base64') });
    const signature = ((await (await post('transit/sign/bench', JSON.parse(body))).json()) as { data: { signature: string } }).data.signature;
    if (!signature.startsWith('vault:v1:')) throw new Error(`unexpected signature ${signature}`);
    const request = { url: `${server.address}/v1/transit/sign/bench`, method: 'POST' as const, headers, body };
    await autocannon({ ...request, connections: 10, duration: 2 }); // warm-up: JIT and connections
    const result = await autocannon({ ...request, connections, duration });
    return {
      connections,
      duration,
      signsPerSecond: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors,
      non2xx: result.non2xx,
      nodeSignsPerSecond: nodeSignRate(Math.min(duration, 5)),
    };
  } finally {
    server.child.kill('SIGTERM');
  }
}

export function printTransitBench(r: TransitBenchResult): void {
  console.log(`\nTransit sign, ed25519, 64-byte input, ${r.connections} connections, ${r.duration} s\n`);
  console.log(`coffer transit/sign: ${Math.round(r.signsPerSecond).toLocaleString('en-US')} signs/s, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}, non-2xx ${r.non2xx}`);
  console.log(`node crypto.sign alone (one process): ${Math.round(r.nodeSignsPerSecond).toLocaleString('en-US')} signs/s; ratio ${(r.signsPerSecond / r.nodeSignsPerSecond).toFixed(2)}`);
  if (r.errors > 0 || r.non2xx > 0) console.log('WARNING: coffer answered errors during the run');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTransitBench(await benchTransit());
}
