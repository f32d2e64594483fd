// npm run bench: authenticated KV v2 read of a 200-byte secret, Coffer vs a bare node:http ceiling,
// measured with autocannon from this process while both servers run in their own processes.
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startProcess } from './process.js';
import { benchWrap, printWrapBench } from './wrap.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);

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

async function main() {
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
    const results = [
      await load('coffer kv-v2 read', secretUrl, { 'X-Vault-Token': token }),
      await load('node:http ceiling', ceiling.address, {}),
    ];
    const [c, base] = results as [Result, Result];
    console.log(`\nKV v2 read of a ${JSON.stringify(secret).length}-byte secret (response ${body.length} bytes), ${CONNECTIONS} connections, ${DURATION} s\n`);
    console.log('name                  req/s      p50 ms   p99 ms   errors  non-2xx');
    for (const r of results) {
      console.log(`${r.name.padEnd(20)} ${r.requestsPerSecond.toFixed(0).padStart(7)} ${String(r.p50).padStart(9)} ${String(r.p99).padStart(8)} ${String(r.errors).padStart(8)} ${String(r.non2xx).padStart(8)}`);
    }
    const ratio = c.requestsPerSecond / base.requestsPerSecond;
    console.log(`\nratio coffer/ceiling: ${ratio.toFixed(2)} (budget ≥ 0.5); coffer p99: ${c.p99} ms (budget < 10 ms)`);
    if (c.errors > 0 || c.non2xx > 0) console.log('WARNING: coffer answered errors during the run');
  } finally {
    coffer.child.kill('SIGTERM');
    ceiling.child.kill('SIGTERM');
  }
}

await main();
printWrapBench(await benchWrap({ connections: CONNECTIONS, duration: DURATION }));
