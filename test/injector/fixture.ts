import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { applyPatch } from 'rfc6902';
import { cleanEnv, runProgram, type CliRun } from '../harness/cli.js';
import { COFFER_BIN, REPO_ROOT, stopProcess } from '../harness/process.js';
import { poll } from '../harness/poll.js';

export interface AdmissionReview {
  apiVersion: string;
  kind: 'AdmissionReview';
  request: { uid: string; namespace: string; operation: string; dryRun: boolean; object: Pod; [key: string]: unknown };
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: string;
  patch?: string;
  status?: { code: number; message: string };
  warnings?: string[];
}

/** An AdmissionReview kept under test/fixtures/injector/, as the API server sends it. */
export async function loadReview(name: string): Promise<AdmissionReview> {
  return JSON.parse(await readFile(join(REPO_ROOT, 'test/fixtures/injector', name), 'utf8')) as AdmissionReview;
}

/** A copy of `review` whose pod's annotations are changed (undefined removes one) and with other request fields set. */
export function withPod(review: AdmissionReview, change: { annotations?: Record<string, string | undefined>; labels?: Record<string, string>; namespace?: string; dryRun?: boolean; pod?: (pod: Pod) => void }): AdmissionReview {
  const copy = structuredClone(review);
  const metadata = (copy.request.object.metadata ??= {});
  for (const [key, value] of Object.entries(change.annotations ?? {})) {
    metadata.annotations ??= {};
    if (value === undefined) delete metadata.annotations[key];
    else metadata.annotations[key] = value;
  }
  if (change.labels) metadata.labels = { ...metadata.labels, ...change.labels };
  if (change.namespace) {
    copy.request.namespace = change.namespace;
    metadata.namespace = change.namespace;
  }
  if (change.dryRun !== undefined) copy.request.dryRun = change.dryRun;
  change.pod?.(copy.request.object);
  return copy;
}

/** The pod after the response's JSON Patch, applied by rfc6902 (not the library the injector builds patches with). */
export function patchedPod(pod: Pod, response: AdmissionResponse): Pod {
  const copy = structuredClone(pod);
  if (!response.patch) return copy;
  assert.equal(response.patchType, 'JSONPatch');
  const operations = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Parameters<typeof applyPatch>[1];
  const errors = applyPatch(copy, operations);
  assert.deepEqual(errors.filter(Boolean), [], 'every operation of the patch applies');
  return copy;
}

export function container(pod: Pod, name: string, where: 'containers' | 'initContainers' = 'containers'): Container {
  const found = pod.spec?.[where]?.find((c) => c.name === name);
  assert.ok(found, `the pod has ${where} ${name}`);
  return found;
}

/** The agent configuration an injected container carries in its environment. */
export function agentConfigOf(agent: Container): Record<string, unknown> {
  const value = agent.env?.find((e) => e.name === 'COFFER_AGENT_CONFIG')?.value;
  assert.ok(value, `${agent.name} carries COFFER_AGENT_CONFIG`);
  return JSON.parse(value) as Record<string, unknown>;
}

/** A running `coffer injector` child on a loopback port, with its generated CA. */
export interface RunningInjector {
  url: string;
  ca: string;
  child: ChildProcess;
  output(): string;
  review(body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The response of an AdmissionReview answered 200. */
  respond(review: AdmissionReview): Promise<AdmissionResponse>;
  get(path: string): Promise<{ status: number; text: string }>;
  stop(): Promise<void>;
}

export interface InjectorStart {
  args?: readonly string[];
  env?: Record<string, string>;
  /** Files of its pod's service-account volume (token, ca.crt, namespace). */
  serviceAccount?: Record<string, string>;
  /** A certificate to serve (PEM files) and the CA file that trusts it; default -tls-auto. */
  tls?: { cert: string; key: string; ca: string };
}

/** Starts `coffer injector` on 127.0.0.1 (its own namespace "coffer"), with `-tls-auto` unless given a certificate. */
export async function startInjector(options: InjectorStart = {}): Promise<RunningInjector> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-injector-'));
  const caFile = options.tls?.ca ?? join(dir, 'ca.pem');
  await mkdir(join(dir, 'sa'));
  for (const [name, text] of Object.entries(options.serviceAccount ?? {})) await writeFile(join(dir, 'sa', name), text);
  const tlsArgs = options.tls
    ? [`-tls-cert-file=${options.tls.cert}`, `-tls-key-file=${options.tls.key}`]
    : ['-tls-auto', '-tls-hosts=localhost,127.0.0.1', `-tls-ca-out=${caFile}`];
  const child = spawn(
    process.execPath,
    [COFFER_BIN, 'injector', '-listen=127.0.0.1:0', ...tlsArgs, '-namespace=coffer', `-service-account-dir=${join(dir, 'sa')}`, ...(options.args ?? [])],
    { env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  try {
    const url = await poll('injector listening', () => {
      if (child.exitCode !== null) throw new Error(`injector exited ${child.exitCode}:\n${output}`);
      const line = output.split('\n').find((l) => l.includes('"injector listening"'));
      return line ? (JSON.parse(line) as { address: string }).address : undefined;
    }, { timeoutMs: 15_000 });
    const ca = await readFile(caFile, 'utf8');
    const call = (method: string, path: string, body?: unknown) => https(method, `${url}${path}`, ca, body);
    return {
      url,
      ca,
      child,
      output: () => output,
      review: async (body) => {
        const answer = await call('POST', '/mutate', body);
        return { status: answer.status, body: JSON.parse(answer.text) as Record<string, unknown> };
      },
      respond: async (review) => {
        const answer = await call('POST', '/mutate', review);
        assert.equal(answer.status, 200, answer.text);
        const parsed = JSON.parse(answer.text) as { apiVersion: string; kind: string; response: AdmissionResponse };
        assert.equal(parsed.apiVersion, review.apiVersion, 'answered in the version asked');
        assert.equal(parsed.kind, 'AdmissionReview');
        assert.equal(parsed.response.uid, review.request.uid);
        return parsed.response;
      },
      get: (path) => call('GET', path),
      stop: async () => {
        await stopProcess(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** One HTTPS request trusting only `ca`, with a client certificate (PEM texts) when given. */
export function https(method: string, url: string, ca: string, body?: unknown, client?: { cert: string; key: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(url, { method, ca, ...client, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * An injected container as a local process, as a kubelet would run it: its command (the image's
 * `coffer` is this checkout's bin/coffer.js) with exactly its environment, each volume it mounts a
 * directory of `root` (`<root>/<volume name>`). Containers see their mounts at fixed paths; a
 * process here cannot, so each mount path in the environment is rewritten to its directory.
 */
async function containerProcess(agent: Container, root: string): Promise<{ args: string[]; env: Record<string, string> }> {
  const [program, ...rest] = [...(agent.command ?? []), ...(agent.args ?? [])];
  assert.equal(program, 'coffer', 'the container runs the coffer binary');
  const mounts = [...(agent.volumeMounts ?? [])].sort((a, b) => b.mountPath.length - a.mountPath.length);
  for (const mount of mounts) await mkdir(join(root, mount.name), { recursive: true });
  const rewrite = (text: string) => mounts.reduce((out, m) => out.split(m.mountPath).join(join(root, m.name)), text);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const variable of agent.env ?? []) {
    assert.ok(variable.value !== undefined, `${variable.name} has a literal value`);
    env[variable.name] = rewrite(variable.value);
  }
  return { args: [COFFER_BIN, ...rest], env };
}

/** Runs an injected container (an init container) to completion. */
export async function runContainer(agent: Container, root: string): Promise<CliRun> {
  const { args, env } = await containerProcess(agent, root);
  return runProgram(process.execPath, args, { env, timeoutMs: 30_000 });
}

/** Starts an injected container that runs until stopped (a sidecar); stop() ends it by PID. */
export async function startContainer(agent: Container, root: string): Promise<{ child: ChildProcess; output(): string; stop(): Promise<void> }> {
  const { args, env } = await containerProcess(agent, root);
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output, stop: () => stopProcess(child) };
}
