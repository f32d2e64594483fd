import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3, type IOptions } from 'etcd3';
import { poll } from './poll.js';
import { freePort, stopProcess } from './process.js';

/** Debian's etcd-server package (scripts/test-deps.sh installs it). */
export const ETCD_BIN = '/usr/bin/etcd';

export interface EtcdMember {
  name: string;
  /** PID of the member's current process (changes on restart). */
  readonly pid: number;
  clientUrl: string;
  /** Sends a signal to the member's process and waits until it has exited (unless the signal does not stop it). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the member again on its data dir and ports (after kill). */
  restart(): Promise<void>;
  /** Everything the member's current process wrote. */
  output(): string;
}

/** TLS on the client URLs: the members' certificate, and the CA client certificates must chain to (required). */
export interface EtcdTls {
  cert: string;
  key: string;
  ca: string;
  /** A client certificate the harness itself uses to see whether the cluster answers. */
  probe: { cert: string; key: string };
}

export interface EtcdClusterOptions {
  members?: number;
  timeoutMs?: number;
  tls?: EtcdTls;
}

export interface EtcdCluster {
  endpoints: string[];
  members: EtcdMember[];
  /** The member that is Raft leader now, as the running members report it. */
  leader(): Promise<EtcdMember>;
  /** Stops every member by PID (SIGTERM, then SIGKILL) and removes the data dirs. */
  stop(): Promise<void>;
}

/**
 * Starts a real etcd cluster of `members` processes on free loopback ports, data dirs in a temp
 * dir, all members at once, and waits until the cluster answers a read through every endpoint.
 * Raft timings are short (loopback has sub-millisecond round trips) so an election takes well
 * under a second.
 */
export async function startEtcdCluster(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  // freePort() only finds a port that was free a moment ago: another test's process may bind it
  // before etcd does. That start is retried on new ports; any other failure is the test's.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEtcdClusterOnce(options);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test(String(err))) throw err;
    }
  }
}

async function startEtcdClusterOnce({ members: count = 3, timeoutMs = 20_000, tls }: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-etcd-'));
  const specs = [];
  for (let i = 0; i < count; i++) {
    specs.push({ name: `etcd${i}`, clientUrl: `${tls ? 'https' : 'http'}://127.0.0.1:${await freePort()}`, peerUrl: `http://127.0.0.1:${await freePort()}` });
  }
  const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
  const token = `coffer-test-${process.pid}-${Date.now()}`;

  const members = specs.map((spec): EtcdMember & { start(): void; process(): ChildProcess | undefined } => {
    let child: ChildProcess | undefined;
    let output = '';
    const args = [
      `--name=${spec.name}`,
      `--data-dir=${join(dir, spec.name)}`,
      `--listen-client-urls=${spec.clientUrl}`,
      `--advertise-client-urls=${spec.clientUrl}`,
      `--listen-peer-urls=${spec.peerUrl}`,
      `--initial-advertise-peer-urls=${spec.peerUrl}`,
      `--initial-cluster=${initialCluster}`,
      '--initial-cluster-state=new',
      `--initial-cluster-token=${token}`,
      '--heartbeat-interval=50',
      '--election-timeout=500',
      '--logger=zap',
      '--log-level=warn',
      ...(tls ? [`--cert-file=${tls.cert}`, `--key-file=${tls.key}`, '--client-cert-auth', `--trusted-ca-file=${tls.ca}`] : []),
    ];
    const member = {
      name: spec.name,
      clientUrl: spec.clientUrl,
      get pid() {
        return child?.pid ?? -1;
      },
      process: () => child,
      output: () => output,
      start() {
        output = '';
        child = spawn(ETCD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('error', (err) => (output += `\nspawn failed: ${err.message}`));
      },
      async kill(signal: NodeJS.Signals = 'SIGKILL') {
        const running = child;
        if (!running || running.exitCode !== null || running.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
        running.kill(signal);
        if (signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT') await exited;
      },
      async restart() {
        await member.kill('SIGTERM');
        member.start();
        await waitUntilAnswers([spec.clientUrl], timeoutMs, () => output, tls);
      },
    };
    return member;
  });

  // A leader stopping while its followers stop too waits for a leadership transfer that cannot
  // happen (seconds); the data dirs are thrown away, so SIGKILL follows SIGTERM quickly.
  const stop = async () => {
    await Promise.all(
      members.map(async (m) => {
        const child = m.process();
        if (child) await stopProcess(child, 1_000);
      }),
    );
    await rm(dir, { recursive: true, force: true });
  };

  members.forEach((m) => m.start());
  try {
    await waitUntilAnswers(
      specs.map((s) => s.clientUrl),
      timeoutMs,
      () => members.map((m) => `--- ${m.name} (exit ${m.process()?.exitCode ?? 'running'}):\n${m.output()}`).join('\n'),
      tls,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const leader = async (): Promise<EtcdMember> => {
    for (const member of members) {
      const client = new Etcd3({ ...probeOptions(member.clientUrl, tls), defaultCallOptions: () => ({ deadline: Date.now() + 1_000 }) });
      try {
        const status = await client.maintenance.status({});
        if (status.leader === status.header.member_id) return member;
      } catch {
        // a stopped member answers nothing; ask the next one
      } finally {
        client.close();
      }
    }
    throw new Error('no etcd member reports itself as leader');
  };
  return { endpoints: specs.map((s) => s.clientUrl), members, leader, stop };
}

/** Polls a linearizable read through each endpoint (so through Raft: the cluster has a leader) until all answer. */
async function waitUntilAnswers(endpoints: string[], timeoutMs: number, output: () => string, tls: EtcdTls | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (const endpoint of endpoints) {
    await poll(
      `etcd did not answer at ${endpoint}`,
      async () => {
        // A fresh client each attempt: a client's circuit breaker, once open after failed attempts, would refuse for 5 s.
        const client = new Etcd3({ ...probeOptions(endpoint, tls), dialTimeout: 1_000, defaultCallOptions: () => ({ deadline: Date.now() + 1_000 }) });
        try {
          await client.get('coffer-harness-probe').string();
          return true;
        } catch (err) {
          lastError = err;
          return false;
        } finally {
          client.close();
        }
      },
      { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 50, detail: () => `${(lastError as Error | undefined)?.message ?? ''}\n${output()}` },
    );
  }
}

function probeOptions(endpoint: string, tls: EtcdTls | undefined): IOptions {
  if (!tls) return { hosts: endpoint };
  return {
    hosts: endpoint,
    credentials: { rootCertificate: readFileSync(tls.ca), certChain: readFileSync(tls.probe.cert), privateKey: readFileSync(tls.probe.key) },
  };
}
