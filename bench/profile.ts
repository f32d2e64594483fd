// npm run profile: a CPU profile of the benchmark's own requests, reproducible by anyone.
// For each scenario (kv-read, wrap-unwrap, kv-write; or those named on the command line) a dev
// server runs under `node --cpu-prof` while autocannon loads it (50 connections, PROFILE_DURATION
// seconds), then stops; the .cpuprofile is summed per function and divided by the requests served:
// the top self-time functions and the inclusive time of Coffer's own functions, in µs per request.
// Profiles stay in PROFILE_DIR (default a temp dir, printed) for Chrome DevTools or speedscope.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startProcess } from './process.js';
import { wrapUnwrapRequests } from './wrap.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DURATION = Number(process.env.PROFILE_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const TOP = Number(process.env.PROFILE_TOP ?? 15);
const SCENARIOS = ['kv-read', 'wrap-unwrap', 'kv-write'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

async function load(scenario: Scenario, address: string, token: string): Promise<number> {
  const headers = { 'X-Vault-Token': token };
  let n = 0;
  const options: autocannon.Options =
    scenario === 'kv-read'
      ? { url: `${address}/v1/secret/data/bench`, headers }
      : scenario === 'wrap-unwrap'
        ? { url: address, requests: wrapUnwrapRequests(token) }
        : {
            url: address,
            requests: [{ method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, setupRequest: (r) => ({ ...r, path: `/v1/secret/data/bench-write/${n++ % 1000}`, body: JSON.stringify({ data: { payload: 'x'.repeat(186) } }) }) }],
          };
  const result = await autocannon({ ...options, connections: CONNECTIONS, duration: DURATION });
  if (result.non2xx || result.errors) console.log(`  WARNING: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.total;
}

/** Profiles one scenario; answers the .cpuprofile's path and the requests served while profiling. */
async function profile(scenario: Scenario, dir: string): Promise<{ file: string; requests: number }> {
  const token = `root-${randomBytes(8).toString('hex')}`;
  const before = new Set(await readdir(dir));
  const server = await startProcess(['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200', join(repo, 'bin/coffer.js'), 'server', '-dev', '-dev-listen-address=127.0.0.1:0', `-dev-root-token-id=${token}`, '-log-level=warn']);
  try {
    const write = await fetch(`${server.address}/v1/secret/data/bench`, { method: 'POST', headers: { 'X-Vault-Token': token }, body: JSON.stringify({ data: { payload: 'x'.repeat(186) } }) });
    if (!write.ok) throw new Error(`write failed: ${write.status}`);
    // The warm-up's requests count too (they are in the profile); JIT settles in the first second.
    const warm = await autocannon({ url: `${server.address}/v1/secret/data/bench`, headers: { 'X-Vault-Token': token }, connections: 10, duration: 1 });
    const requests = await load(scenario, server.address, token);
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGTERM');
    await exited;
    const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
    if (!file) throw new Error('the server wrote no .cpuprofile');
    return { file: join(dir, file), requests: requests + warm.requests.total };
  } finally {
    server.child.kill('SIGKILL');
  }
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(`file://${repo}/`, '').replace(/^.*node_modules\//, 'node_modules/');
  return `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
}

/** Self and inclusive time per function label, in µs; recursion counted once per sample. */
function summarise(profile: CpuProfile) {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const leaf = byId.get(id)!;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + delta);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + delta);
    }
  });
  return { self, inclusive, total };
}

function print(scenario: Scenario, requests: number, profile: CpuProfile, file: string) {
  const { self, inclusive, total } = summarise(profile);
  const idle = self.get('(idle)') ?? 0;
  const perRequest = (us: number) => (us / requests).toFixed(1).padStart(7);
  console.log(`\n## ${scenario}: ${requests} requests profiled (${file})`);
  console.log(`all samples ${perRequest(total)} µs/request; idle ${perRequest(idle)}; busy ${perRequest(total - idle)}; GC ${perRequest(self.get('(garbage collector)') ?? 0)}`);
  console.log(`\ntop ${TOP} by self time (µs/request, % of busy):`);
  for (const [name, us] of [...self].filter(([n]) => n !== '(idle)' && n !== '(root)').sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`${perRequest(us)}  ${((us / (total - idle)) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
  console.log(`\nCoffer's own functions by inclusive time (µs/request):`);
  for (const [name, us] of [...inclusive].filter(([n]) => n.includes(' dist/src/')).sort((a, b) => b[1] - a[1]).slice(0, TOP * 2)) {
    console.log(`${perRequest(us)}  ${name}`);
  }
}

const wanted = (process.argv.slice(2).length ? process.argv.slice(2) : SCENARIOS) as Scenario[];
for (const s of wanted) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; known: ${SCENARIOS.join(', ')}`);
const dir = process.env.PROFILE_DIR ?? (await mkdtemp(join(tmpdir(), 'coffer-profile-')));
console.log(`profiles in ${dir}; ${CONNECTIONS} connections, ${DURATION} s per scenario, sampling every 200 µs`);
for (const scenario of wanted) {
  const { file, requests } = await profile(scenario, dir);
  print(scenario, requests, JSON.parse(await readFile(file, 'utf8')) as CpuProfile, file);
}
