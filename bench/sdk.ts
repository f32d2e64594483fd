// The SDK's read cache: SecretManager.getSecret of one stored secret, through a client without a
// cache and through one with it, each with 50 calls in flight for the same time, in one run against
// one dev server process. Uncached, every call is a request (locate is not needed: getSecret reads
// <mount>/data/<path> directly); cached, a call is a Map lookup and a JSON parse of the kept copy.
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CofferClient, VaultSecretManager } from '../src/client/index.js';
import { startProcess } from './process.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

export interface SdkBenchResult {
  duration: number;
  inFlight: number;
  uncached: number;
  cached: number;
  /** Requests the cached client sent during its run (1 when the TTL outlasts the run). */
  cachedMisses: number;
}

/** Calls `get` with `inFlight` calls outstanding for `seconds`; answers calls per second. */
async function rate(get: () => Promise<unknown>, inFlight: number, seconds: number): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let calls = 0;
  const worker = async () => {
    while (Date.now() < end) {
      await get();
      calls++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return calls / ((Date.now() - started) / 1000);
}

export async function benchSdk(options: { duration?: number; inFlight?: number } = {}): Promise<SdkBenchResult> {
  const duration = options.duration ?? 10;
  const inFlight = options.inFlight ?? 50;
  const token = `root-${randomBytes(16).toString('hex')}`;
  const server = await startProcess([join(repo, 'bin/coffer.js'), 'server', '-dev', '-dev-listen-address=127.0.0.1:0', `-dev-root-token-id=${token}`, '-log-level=warn']);
  try {
    const plain = new CofferClient({ address: server.address, token, env: {} });
    const cachedClient = new CofferClient({ address: server.address, token, env: {}, cache: { ttlMs: (duration + 60) * 1000 } });
    const writer = new VaultSecretManager(plain);
    const ref = await writer.storeSecret('bench.sdk.api_key', randomBytes(100).toString('base64'));
    const uncachedManager = new VaultSecretManager(plain);
    const cachedManager = new VaultSecretManager(cachedClient);
    for (const manager of [uncachedManager, cachedManager]) {
      if ((await manager.getSecret(ref)) === null) throw new Error('getSecret answered null for the stored secret');
    }
    await rate(() => uncachedManager.getSecret(ref), 10, 2); // warm-up: JIT and connections
    const uncached = await rate(() => uncachedManager.getSecret(ref), inFlight, duration);
    const cached = await rate(() => cachedManager.getSecret(ref), inFlight, duration);
    const cachedMisses = cachedClient.cache!.stats.misses;
    await cachedClient.close();
    return { duration, inFlight, uncached, cached, cachedMisses };
  } finally {
    server.child.kill('SIGTERM');
  }
}

export function printSdkBench(result: SdkBenchResult): void {
  console.log(`\nSDK getSecret (SecretManager over KV v2), ${result.inFlight} calls in flight, ${result.duration} s each, one client process\n`);
  console.log(`uncached: ${Math.round(result.uncached).toLocaleString('en-US')} calls/s`);
  console.log(`cached:   ${Math.round(result.cached).toLocaleString('en-US')} calls/s (${result.cachedMisses} request(s) reached the server)`);
  console.log(`ratio cached/uncached: ${(result.cached / result.uncached).toFixed(1)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printSdkBench(await benchSdk());
}
