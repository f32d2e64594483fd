import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { runProgram, type CliRun } from '../../harness/cli.js';
import { api, type ApiResponse } from '../../harness/http.js';
import { startServer, type StartOptions, type TestServer } from '../../harness/server.js';

/** Debian's OpenSSL command line: the independent judge of every certificate, CRL and OCSP answer. */
export const OPENSSL = '/usr/bin/openssl';

export interface Issued {
  certificate: string;
  issuing_ca: string;
  ca_chain: string[];
  private_key?: string;
  private_key_type?: string;
  serial_number: string;
  expiration: number;
}

export interface PkiSuite {
  server: TestServer;
  /** A temp dir for this suite's PEM files (removed after). */
  dir: string;
  /** The root CA's PEM (mount `pki`). */
  root: string;
  /** The intermediate CA's PEM (mount `pki_int`, signed by the root). */
  intermediate: string;
  /** Writes `text` to a file in `dir` and answers its path. */
  file(name: string, text: string | Buffer): Promise<string>;
  /** An authenticated API call that must succeed (2xx); answers the response. */
  call(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** An API call as root, whatever its status. */
  raw(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
}

/** Runs openssl with `args` (and stdin); answers what it printed. */
export function openssl(args: string[], stdin?: string): Promise<CliRun> {
  return runProgram(OPENSSL, args, { ...(stdin === undefined ? {} : { stdin }), timeoutMs: 30_000 });
}

/** Asserts openssl exited 0 and answers stdout + stderr (openssl prints verdicts on either). */
export async function opensslOk(args: string[], stdin?: string): Promise<string> {
  const run = await openssl(args, stdin);
  assert.equal(run.code, 0, `openssl ${args.join(' ')} exited ${run.code}:\n${run.stderr}${run.stdout}`);
  return run.stdout + run.stderr;
}

/**
 * For a describe: a dev server with a root CA in `pki/` (EC P-256, 10 years) and an intermediate
 * in `pki_int/` made the Vault way (intermediate/generate → root/sign-intermediate →
 * intermediate/set-signed), config/urls pointing at the server, and a role `example-dot-com`.
 */
export function pkiSuite(options: StartOptions = {}): PkiSuite {
  const suite = {} as PkiSuite;
  before(async () => {
    suite.server = await startServer(options);
    suite.dir = await mkdtemp(join(tmpdir(), 'coffer-pki-test-'));
    suite.raw = (method, path, body, headers) => api(suite.server.address, method, path, { token: suite.server.rootToken, body, ...(headers ? { headers } : {}) });
    suite.call = async (method, path, body) => expectOk(suite.raw(method, path, body), `${method} ${path}`);
    suite.file = async (name, text) => {
      const path = join(suite.dir, name);
      await writeFile(path, text);
      return path;
    };
    const { root, intermediate } = await buildChain(suite, 'pki', 'pki_int');
    suite.root = root;
    suite.intermediate = intermediate;
  });
  after(async () => {
    await suite.server?.destroy();
    if (suite.dir) await rm(suite.dir, { recursive: true, force: true });
  });
  return suite;
}

/** Mounts a root and an intermediate, signs one with the other, sets URLs and the example role. */
export async function buildChain(suite: Pick<PkiSuite, 'call' | 'server'>, rootMount: string, intMount: string): Promise<{ root: string; intermediate: string }> {
  const address = suite.server.address;
  await suite.call('POST', `sys/mounts/${rootMount}`, { type: 'pki', config: { max_lease_ttl: '87600h' } });
  await suite.call('POST', `sys/mounts/${intMount}`, { type: 'pki', config: { max_lease_ttl: '43800h' } });
  const root = (await suite.call('POST', `${rootMount}/root/generate/internal`, { common_name: 'Coffer Test Root', key_type: 'ec', ttl: '87600h', issuer_name: 'root-2026' })).body.data as Issued;
  const csr = (await suite.call('POST', `${intMount}/intermediate/generate/internal`, { common_name: 'Coffer Test Intermediate', key_type: 'ec' })).body.data as { csr: string };
  const signed = (await suite.call('POST', `${rootMount}/root/sign-intermediate`, { csr: csr.csr, common_name: 'Coffer Test Intermediate', ttl: '43800h' })).body.data as Issued;
  await suite.call('POST', `${intMount}/intermediate/set-signed`, { certificate: signed.certificate });
  await suite.call('POST', `${intMount}/config/urls`, {
    issuing_certificates: `${address}/v1/${intMount}/ca`,
    crl_distribution_points: `${address}/v1/${intMount}/crl`,
    ocsp_servers: `${address}/v1/${intMount}/ocsp`,
  });
  await suite.call('POST', `${intMount}/roles/example-dot-com`, { allowed_domains: 'example.com', allow_subdomains: true, max_ttl: '72h', key_type: 'ec' });
  return { root: root.certificate, intermediate: signed.certificate };
}

export async function expectOk(pending: Promise<ApiResponse>, what: string): Promise<ApiResponse> {
  const res = await pending;
  assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${res.text}`);
  return res;
}

/** Asserts a refusal: the status, Vault's {"errors": [...]} shape, and (when given) the message. */
export function assertRefused(res: ApiResponse, status: number, message?: string | RegExp): void {
  assert.equal(res.status, status, res.text);
  const errors = (res.body as { errors?: unknown }).errors;
  assert.ok(Array.isArray(errors) && errors.length > 0, `an errors list: ${res.text}`);
  if (typeof message === 'string') assert.deepEqual(errors, [message]);
  else if (message) assert.match(String(errors[0]), message);
}

/** Issues from `pki_int/issue/<role>` and answers the data. */
export async function issue(suite: PkiSuite, body: Record<string, unknown>, role = 'example-dot-com', mount = 'pki_int'): Promise<Issued> {
  return (await suite.call('POST', `${mount}/issue/${role}`, body)).body.data as Issued;
}

/** The chain file (intermediate + root) openssl verifies against, and the leaf's file. */
export async function verifyLeaf(suite: PkiSuite, leaf: string, name = 'leaf'): Promise<string> {
  const root = await suite.file('root.pem', suite.root);
  const untrusted = await suite.file('intermediate.pem', suite.intermediate);
  const file = await suite.file(`${name}.pem`, leaf);
  return opensslOk(['verify', '-CAfile', root, '-untrusted', untrusted, file]);
}

/** The certificates under `LIST <mount>/certs` (none: []). */
export async function listedCerts(suite: PkiSuite, mount = 'pki_int'): Promise<string[]> {
  const res = await suite.raw('LIST', `${mount}/certs`);
  return res.status === 404 ? [] : ((res.body.data as { keys: string[] }).keys ?? []);
}
