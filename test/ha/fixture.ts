import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcdCluster, type EtcdCluster } from '../harness/etcd.js';
import { api, type ApiResponse } from '../harness/http.js';
import { poll, PollTimeout } from '../harness/poll.js';
import { freePort, stopProcess } from '../harness/process.js';
import { spawnServer, tcpListener } from '../harness/server.js';

// Shared by the HA test files: a real etcd cluster and `coffer server` processes with ha_enabled on
// one prefix. No module-level state: every cluster is an object that owns its processes, temp dir
// and etcd prefix, and stop() ends each of them by PID.

export interface CofferNode {
  address: string;
  /** Its cluster_addr (reported in sys/leader and sys/ha-status; nothing listens there). */
  clusterAddress: string;
  child: ChildProcess;
  output: () => string;
}

/** sys/leader's answer. */
export interface Leader {
  ha_enabled: boolean;
  is_self: boolean;
  leader_address: string;
  leader_cluster_address: string;
  active_time: string;
}

export interface HaCluster {
  etcd: EtcdCluster;
  /** The storage prefix every node shares (unique per cluster object). */
  prefix: string;
  /** Every node started, killed ones included. */
  nodes: CofferNode[];
  /** The root token sys/init answered. */
  rootToken: string;
  /** The same COFFER_LOCAL_MASTER_KEY for every node. */
  masterKey: string;
  /** Starts one more `coffer server` on the shared prefix, at a fixed port that is also its api_addr. */
  startNode(): Promise<CofferNode>;
  /** The nodes whose process has not exited. */
  running(): CofferNode[];
  /** Polls until every running node agrees on one active node (not `not`), which answers sys/health 200. */
  settledActive(timeoutMs?: number, not?: CofferNode): Promise<CofferNode>;
  /** Waits until every running node is unsealed (sys/health 200 on the active node, 429 on a standby). */
  allUnsealed(timeoutMs?: number): Promise<void>;
  /** Stops every node by PID, then the etcd cluster (unless it was given), then removes the temp dir. */
  stop(): Promise<void>;
}

export interface HaClusterOptions {
  /** Names the temp dir and the etcd prefix, to tell clusters apart in a failure. */
  name: string;
  nodes?: number;
  masterKey?: string;
  /** Mounts KV v2 at secret/ once initialized (default true). */
  mountKv?: boolean;
  /** HCL appended to every node's config file (e.g. `disable_clustering = true\n`). */
  extraConfig?: string;
  /** Extra environment of every node (e.g. COFFER_TIDY_INTERVAL_SECONDS). */
  env?: Record<string, string>;
}

/**
 * Starts a 3-member etcd cluster and `nodes` (3) Coffer nodes on it, all before the store exists:
 * one is asked to initialize it, the others unseal on their own once it has and join the election
 * as standbys. Answers once one node is active and every node is unsealed.
 */
export async function startHaCluster(options: HaClusterOptions): Promise<HaCluster> {
  const masterKey = options.masterKey ?? randomBytes(32).toString('base64');
  const prefix = `/coffer-${options.name}-${process.pid}-${randomBytes(4).toString('hex')}/`;
  const dir = await mkdtemp(join(tmpdir(), `coffer-${options.name}-`));
  let etcd: EtcdCluster | undefined;
  const nodes: CofferNode[] = [];

  const startNode = async (): Promise<CofferNode> => {
    const port = await freePort();
    const address = `http://127.0.0.1:${port}`;
    const clusterAddress = `https://127.0.0.1:${await freePort()}`;
    const config = {
      storage: `storage "etcd" {\n  endpoints = ${JSON.stringify(etcd!.endpoints)}\n  prefix = "${prefix}"\n  ha_enabled = true\n}\n`,
      listeners: [tcpListener(`127.0.0.1:${port}`)],
      extra: `api_addr = "${address}"\ncluster_addr = "${clusterAddress}"\n${options.extraConfig ?? ''}`,
    };
    const server = await spawnServer({ dir, configName: `node-${port}.hcl`, config, masterKey, env: options.env });
    const node = { address, clusterAddress, child: server.child, output: server.output };
    nodes.push(node);
    await server.address();
    return node;
  };

  const running = () => nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);

  const settledActive = async (timeoutMs = 10_000, not?: CofferNode): Promise<CofferNode> => {
    let seen: unknown;
    return poll(
      'a single active node',
      async () => {
        const live = running();
        const answers = await Promise.all(live.map(leaderOf));
        seen = answers;
        const selves = live.filter((_, i) => answers[i]?.is_self);
        if (selves.length !== 1 || selves[0] === not || !answers.every((a) => a?.leader_address === selves[0]!.address)) return undefined;
        const health = await api(selves[0]!.address, 'GET', 'sys/health').catch(() => undefined);
        return health?.status === 200 ? selves[0]! : undefined;
      },
      { timeoutMs, intervalMs: 50, detail: () => JSON.stringify(seen) },
    );
  };

  const allUnsealed = async (timeoutMs = 10_000): Promise<void> => {
    for (const node of running()) {
      const health = await retrying(() => api(node.address, 'GET', 'sys/health'), (res) => res.status === 200 || res.status === 429, timeoutMs);
      assert.ok(health.status === 200 || health.status === 429, `${node.address} not unsealed: ${health.text}\n${node.output()}`);
    }
  };

  const stop = async () => {
    await Promise.all(nodes.map((n) => stopProcess(n.child)));
    await etcd?.stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    etcd = await startEtcdCluster({ members: 3 });
    const [first] = await Promise.all(Array.from({ length: options.nodes ?? 3 }, () => startNode()));
    const init = await api<{ root_token: string }>(first!.address, 'PUT', 'sys/init', { body: {} });
    assert.equal(init.status, 200, init.text);
    const rootToken = init.body.root_token;
    const active = await settledActive(15_000);
    if (options.mountKv ?? true) {
      const mounted = await api(active.address, 'POST', 'sys/mounts/secret', { token: rootToken, body: { type: 'kv-v2' } });
      assert.equal(mounted.status, 204, mounted.text);
    }
    await allUnsealed();
    return { etcd, prefix, nodes, rootToken, masterKey, startNode, running, settledActive, allUnsealed, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A node's sys/leader, or undefined when it does not answer 200 (a node being killed answers nothing). */
export async function leaderOf(node: CofferNode): Promise<Leader | undefined> {
  try {
    const res = await api<Leader>(node.address, 'GET', 'sys/leader');
    return res.status === 200 ? res.body : undefined;
  } catch {
    return undefined;
  }
}

/** Repeats `call` every 100 ms until `ok` holds or `timeoutMs` passed; answers the last answer (the caller asserts on it). */
export async function retrying<T>(call: () => Promise<ApiResponse<T>>, ok: (res: ApiResponse<T>) => boolean, timeoutMs = 10_000): Promise<ApiResponse<T>> {
  let last: ApiResponse<T> | undefined;
  try {
    return await poll(
      'an answer that holds',
      async () => {
        const res = await call().catch(() => undefined);
        if (res) last = res;
        return res && ok(res) ? res : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  } catch (err) {
    if (!(err instanceof PollTimeout)) throw err;
    return last ?? assert.fail('no answer');
  }
}

/** Resolves once the process has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}
