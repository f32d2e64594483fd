import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEtcdCluster, type EtcdCluster } from '../harness/etcd.js';
import { api } from '../harness/http.js';
import { freePort, stopProcess, waitFor } from '../harness/process.js';
import { COFFER_BIN } from '../harness/server.js';

// Issue 7's "Proof" bullets: single-use unwrap across nodes, and no acknowledged write lost when an
// etcd member and then the active Coffer node are killed under load. 3 etcd members + 3 Coffer nodes.

interface Node {
  address: string;
  child: ChildProcess;
  output: () => string;
}
interface Leader {
  is_self: boolean;
  leader_address: string;
}

const masterKey = randomBytes(32).toString('base64');
const prefix = `/coffer-ha-proofs-${process.pid}/`;
let cluster: EtcdCluster;
let dir: string;
const nodes: Node[] = [];
let token = '';

async function startNode(): Promise<Node> {
  const port = await freePort();
  const address = `http://127.0.0.1:${port}`;
  const config = join(dir, `node-${port}.hcl`);
  await writeFile(
    config,
    `storage "etcd" {\n  endpoints = ${JSON.stringify(cluster.endpoints)}\n  prefix = "${prefix}"\n  ha_enabled = true\n}\n` +
      `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\napi_addr = "${address}"\n`,
  );
  const child = spawn(process.execPath, [COFFER_BIN, 'server', `-config=${config}`], {
    env: { ...process.env, COFFER_LOCAL_MASTER_KEY: masterKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const node = { address, child, output: () => output };
  nodes.push(node);
  await waitFor(child, () => /Api Address: (\S+)/.exec(output)?.[1], () => output);
  return node;
}

const running = () => nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);

async function leaderOf(node: Node): Promise<Leader | undefined> {
  try {
    const res = await api<Leader>(node.address, 'GET', 'sys/leader');
    return res.status === 200 ? res.body : undefined;
  } catch {
    return undefined; // a killed node answers nothing
  }
}

/** Polls until every running node agrees on one active node (not `not`), which answers sys/health 200. */
async function settledActive(timeoutMs = 10_000, not?: Node): Promise<Node> {
  const deadline = Date.now() + timeoutMs;
  let seen: unknown;
  for (;;) {
    const live = running();
    const answers = await Promise.all(live.map(leaderOf));
    seen = answers;
    const selves = live.filter((_, i) => answers[i]?.is_self);
    if (selves.length === 1 && selves[0] !== not && answers.every((a) => a?.leader_address === selves[0]!.address)) {
      const health = await api(selves[0]!.address, 'GET', 'sys/health').catch(() => undefined);
      if (health?.status === 200) return selves[0]!;
    }
    if (Date.now() > deadline) assert.fail(`no single active node within ${timeoutMs} ms: ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One request over a bounded keep-alive agent; answers status and body text. */
function post(agent: http.Agent, address: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      `${address}/v1/${path}`,
      { method: 'POST', agent, timeout: 10_000, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

describe('HA proofs: 3 etcd members + 3 Coffer nodes', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-ha-proofs-'));
    cluster = await startEtcdCluster({ members: 3 });
    const [first] = await Promise.all([startNode(), startNode(), startNode()]);
    const init = await api<{ root_token: string }>(first!.address, 'PUT', 'sys/init', { body: {} });
    assert.equal(init.status, 200, init.text);
    token = init.body.root_token;
    const active = await settledActive(15_000);
    const mounted = await api(active.address, 'POST', 'sys/mounts/secret', { token, body: { type: 'kv-v2' } });
    assert.equal(mounted.status, 204, mounted.text);
    // Every node is unsealed (200 active, 429 standby) before the proofs start.
    for (const node of nodes) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const health = await api(node.address, 'GET', 'sys/health').catch(() => undefined);
        if (health?.status === 200 || health?.status === 429) break;
        if (Date.now() > deadline) assert.fail(`${node.address} not unsealed: ${health?.text}\n${node.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  after(async () => {
    await Promise.all(nodes.map((n) => stopProcess(n.child)));
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exactly one of 1,000 concurrent unwraps of one wrapping token succeeds, spread over all three nodes', async () => {
    const active = await settledActive();
    const written = await api(active.address, 'POST', 'secret/data/wrapped', { token, body: { data: { answer: '42' } } });
    assert.equal(written.status, 200, written.text);
    const wrapped = await api<{ wrap_info: { token: string } }>(active.address, 'GET', 'secret/data/wrapped', { token, headers: { 'X-Vault-Wrap-TTL': '5m' } });
    assert.equal(wrapped.status, 200, wrapped.text);
    const wrappingToken = wrapped.body.wrap_info.token;

    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    try {
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 1_000 }, (_, i) =>
          post(agent, nodes[i % nodes.length]!.address, 'sys/wrapping/unwrap', { token: wrappingToken }, { 'X-Vault-Token': token }).catch((err: Error) => ({ status: 0, text: err.message })),
        ),
      );
      const elapsed = Date.now() - started;
      const byStatus = new Map<number, number>();
      for (const a of answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
      const summary = `${JSON.stringify([...byStatus])} in ${elapsed} ms`;
      const ok = answers.filter((a) => a.status === 200);
      assert.equal(ok.length, 1, summary);
      assert.deepEqual(JSON.parse(ok[0]!.text).data.data, { answer: '42' });
      const refused = answers.filter((a) => a.status === 400);
      assert.equal(refused.length, 999, `${summary}; first other: ${answers.find((a) => a.status !== 200 && a.status !== 400)?.text}`);
      for (const r of refused) assert.match(r.text, /wrapping token is not valid or does not exist/);
      assert.equal(answers.filter((a) => a.status === 0 || a.status >= 500).length, 0, summary);
      console.log(`1,000 unwraps over 3 nodes: ${summary}`);
    } finally {
      agent.destroy();
    }
  });

  it('under a steady write load, a killed etcd member and then a killed active Coffer node lose no acknowledged write', async () => {
    const active = await settledActive();
    const etcdLeader = await cluster.leader();
    const etcdVictim = cluster.members.find((m) => m !== etcdLeader)!;
    const addresses = nodes.map((n) => n.address);
    const acknowledged = new Map<string, string>();
    let abandoned = 0;
    let retried = 0;
    let ackedAfterFailover = 0;
    let failedOverAt = Infinity;
    let stop = false;

    const write = async (address: string, key: string, value: string): Promise<boolean> => {
      try {
        const res = await fetch(`${address}/v1/secret/data/${key}`, {
          method: 'POST',
          headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
          body: JSON.stringify({ data: { value } }),
          signal: AbortSignal.timeout(5_000),
        });
        await res.arrayBuffer();
        return res.status >= 200 && res.status < 300;
      } catch {
        return false; // refused connection (killed node) or timeout
      }
    };

    const writer = async (id: number) => {
      let turn = id;
      for (let n = 0; !stop; n++) {
        const key = `load/w${id}-${n}`;
        const value = `${id}-${n}-${randomBytes(4).toString('hex')}`;
        // Retry the same key through the other nodes (each try the next address) for up to 12 s:
        // this spans the dead active node's 5 s lease, during which standbys answer 503.
        const deadline = Date.now() + 12_000;
        for (let attempt = 0; ; attempt++) {
          if (attempt > 0) retried++;
          if (await write(addresses[turn++ % addresses.length]!, key, value)) {
            acknowledged.set(key, value);
            if (Date.now() > failedOverAt) ackedAfterFailover++;
            break;
          }
          if (Date.now() > deadline) {
            abandoned++;
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };

    const loadStarted = Date.now();
    const writers = [0, 1, 2].map(writer);
    try {
      await new Promise((r) => setTimeout(r, 3_000));
      await etcdVictim.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 2_000));
      const beforeKill = acknowledged.size;
      const killedAt = Date.now();
      active.child.kill('SIGKILL');
      await new Promise<void>((r) => (active.child.exitCode !== null || active.child.signalCode !== null ? r() : active.child.once('exit', () => r())));
      const next = await settledActive(10_000, active);
      failedOverAt = Date.now();
      const failoverMs = failedOverAt - killedAt;
      assert.ok(failoverMs <= 10_000, `failover took ${failoverMs} ms`);
      // Keep the load on until ~15 s after it started.
      await new Promise((r) => setTimeout(r, Math.max(0, 15_000 - (Date.now() - loadStarted))));
      stop = true;
      await Promise.all(writers);

      // Every acknowledged write reads back, through the new active node.
      const keys = [...acknowledged.keys()];
      const lost: string[] = [];
      {
        for (let i = 0; i < keys.length; i += 64) {
          await Promise.all(
            keys.slice(i, i + 64).map(async (key) => {
              const res = await fetch(`${next.address}/v1/secret/data/${key}`, { headers: { 'X-Vault-Token': token }, signal: AbortSignal.timeout(10_000) });
              const text = await res.text();
              if (res.status !== 200 || (JSON.parse(text) as { data: { data: { value: string } } }).data.data.value !== acknowledged.get(key)) lost.push(`${key}: ${res.status} ${text.slice(0, 120)}`);
            }),
          );
        }
      }
      const figures = `${keys.length} acknowledged (${beforeKill} before the active node was killed, ${ackedAfterFailover} after failover), ${retried} retries, ${abandoned} abandoned after 12 s of retries; failover in ${failoverMs} ms`;
      console.log(`write load: ${figures}`);
      assert.equal(lost.length, 0, `${lost.length} of ${keys.length} acknowledged writes lost: ${lost.slice(0, 5).join('; ')} (${figures})`);
      assert.ok(beforeKill > 0 && ackedAfterFailover > 0, `load did not span the failover: ${figures}`);
      // Clients retrying through any node succeed: no key was given up on.
      assert.equal(abandoned, 0, figures);
    } finally {
      stop = true;
      await Promise.all(writers);
    }
  });
});
