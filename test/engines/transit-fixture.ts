import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '../harness/cli.js';
import { api, type ApiResponse } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';

// What the transit-*.test.ts files share: a dev server with transit mounted, the raw API as curl
// would call it, and the openssl CLI as the independent judge of signatures.

export interface Data<T> {
  data: T;
  errors?: string[];
  warnings?: string[];
}

export const b64 = (data: string | Buffer) => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64');

/** A dev server with transit mounted at `transit/`, and the calls the tests make on it. */
export class TransitServer {
  private constructor(readonly server: TestServer) {}

  static async start(): Promise<TransitServer> {
    const server = await startServer();
    const mounted = await api(server.address, 'POST', 'sys/mounts/transit', { token: server.rootToken, body: { type: 'transit' } });
    assert.equal(mounted.status, 204, mounted.text);
    return new TransitServer(server);
  }

  /** transit/<path> with the root token. */
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiResponse<Data<T>>> {
    return api<Data<T>>(this.server.address, method, `transit/${path}`, { token: this.server.rootToken, ...(body === undefined ? {} : { body }) });
  }

  /** transit/<path>, asserting a 200, answering `data`. */
  async ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.call<T>(method, path, body);
    assert.equal(res.status, 200, `${method} ${path}: ${res.text}`);
    return res.body.data;
  }

  /** keys/:name as the API answers it. */
  readKey<T = Record<string, unknown>>(name: string): Promise<T> {
    return this.ok<T>('GET', `keys/${name}`);
  }

  async destroy(): Promise<void> {
    await this.server.destroy();
  }
}

/** A temp dir for files handed to openssl, removed by `remove`. */
export class Scratch {
  private constructor(readonly dir: string) {}

  static async create(): Promise<Scratch> {
    return new Scratch(await mkdtemp(join(tmpdir(), 'coffer-transit-')));
  }

  async file(name: string, contents: string | Buffer): Promise<string> {
    const path = join(this.dir, name);
    await writeFile(path, contents);
    return path;
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Runs openssl, answering its exit code and output. */
export async function openssl(args: string[]): Promise<{ code: number | null; out: string }> {
  const run = await runProgram('openssl', args, { timeoutMs: 20_000 });
  return { code: run.code, out: run.stdout + run.stderr };
}

/** The bytes after "vault:v<N>:", decoded (base64, or base64url for jws). */
export function signatureBytes(versioned: string, encoding: 'base64' | 'base64url' = 'base64'): Buffer {
  const m = /^vault:v\d+:(.*)$/.exec(versioned);
  assert.ok(m, `not a versioned value: ${versioned}`);
  return Buffer.from(m[1]!, encoding);
}
