import type { RewrapStatus } from '../../src/core/rewrap/worker.js';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import type { MountStorage } from '../../src/framework/types.js';
import type { RewrapSettings } from '../../src/core/rewrap/worker.js';
import type { Kms } from '../../src/kms/kms.js';
import type { ServerConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { api } from '../harness/http.js';
import { poll } from '../harness/poll.js';

/** A local KMS key file with the given versions, as `seal "local" { key_file }` reads it. */
export class VersionedKeyFile {
  readonly keys = new Map<number, string>();
  constructor(readonly path: string) {}

  /** Adds version `version` (a fresh random key) and writes the file. */
  async add(version: number): Promise<void> {
    this.keys.set(version, randomBytes(32).toString('base64'));
    await this.write();
  }

  /** Removes a version from the file (retiring it). */
  async retire(version: number): Promise<void> {
    this.keys.delete(version);
    await this.write();
  }

  private async write(): Promise<void> {
    await writeFile(this.path, JSON.stringify({ keys: [...this.keys].map(([version, key]) => ({ version, key })) }), { mode: 0o600 });
  }
}

export interface RewrapServer {
  server: RunningServer;
  token: string;
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): ReturnType<typeof api<T>>;
  /** The secret/ mount's storage through the barrier (what the KV engine sees). */
  store(): MountStorage;
  close(): Promise<void>;
}

export const ROOT_TOKEN = 'root-rewrap-test';

/**
 * An in-process (non-dev) server on SQLite in `dir`, sealed by `seal` (default: the local key file
 * `key.json` in `dir`): initialized with a kv v2 mount at secret/ on first start, unsealed on later
 * ones. The DEK cache is off, so every read asks the KMS and proves which key versions are needed.
 */
export async function startRewrapServer(
  dir: string,
  options: { rewrap?: Partial<RewrapSettings>; seal?: ServerConfig['seal']; wrapDataKeyKms?: (kms: Kms) => Kms } = {},
): Promise<RewrapServer> {
  const server = await startServer({
    config: {
      storage: { type: 'sqlite', path: join(dir, 'coffer.db') },
      listeners: [{ address: '127.0.0.1:0', tlsDisable: true }],
      seal: options.seal ?? { type: 'local', keyFile: join(dir, 'key.json') },
      ui: false,
      dekCacheTtlMs: 0,
      kmsRewrap: { enabled: false, maxPerSec: 1000, intervalMs: 3_600_000, ...options.rewrap },
    },
    logger: pino({ level: 'silent' }),
    ...(options.wrapDataKeyKms ? { wrapDataKeyKms: options.wrapDataKeyKms } : {}),
  });
  const address = server.addresses[0]!;
  const call: RewrapServer['call'] = (method, path, body) => api(address, method, path, { token: ROOT_TOKEN, body });
  if (!(await server.core.isInitialized())) {
    await server.core.initializeStore({ rootTokenId: ROOT_TOKEN });
    const mounted = await call('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } });
    if (mounted.status !== 204) throw new Error(`mount failed: ${mounted.status} ${JSON.stringify(mounted.body)}`);
  }
  return {
    server,
    token: ROOT_TOKEN,
    call,
    store: () => server.core.mountStorage(server.core.mounts.get('secret/')!),
    close: () => server.close(),
  };
}

/** The rewrap status as the API answers it. */
export type StatusBody = RewrapStatus;

export async function rewrapStatus(s: RewrapServer): Promise<StatusBody> {
  const answer = await s.call<{ data: StatusBody }>('GET', 'sys/kms/rewrap/status');
  if (answer.status !== 200) throw new Error(`status: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.data;
}

/** Polls the status until `done` holds (deadline 20 s); answers the last status. */
export async function waitForStatus(s: RewrapServer, done: (status: StatusBody) => boolean, timeoutMs = 20_000): Promise<StatusBody> {
  let last: StatusBody | undefined;
  return poll(
    're-wrap status did not settle',
    async () => {
      last = await rewrapStatus(s);
      return done(last) ? last : undefined;
    },
    { timeoutMs, detail: () => JSON.stringify(last) },
  );
}

/** Forces a pass (202) and waits until it is over; answers the final status. */
export async function forcePass(s: RewrapServer): Promise<StatusBody> {
  const started = await s.call<{ data: StatusBody }>('POST', 'sys/kms/rewrap');
  if (started.status !== 202) throw new Error(`sys/kms/rewrap: ${started.status} ${JSON.stringify(started.body)}`);
  return waitForStatus(s, (status) => !status.running);
}

/** Every version entry of secret/ with the key version its wrapped DEK records (format 2 header). */
export async function storedVersions(s: RewrapServer, keys: string[]): Promise<Map<string, { kmsKeyId: string; keyVersion: number | undefined } | undefined>> {
  const out = new Map<string, { kmsKeyId: string; keyVersion: number | undefined } | undefined>();
  for (const key of keys) {
    const entry = await s.store().get<{ wrapped_dek: string; kms_key_id: string }>(key);
    if (!entry) {
      out.set(key, undefined);
      continue;
    }
    const wrapped = Buffer.from(entry.wrapped_dek, 'base64');
    out.set(key, { kmsKeyId: entry.kms_key_id, keyVersion: wrapped[0] === 2 ? wrapped.readUInt32BE(1) : undefined });
  }
  return out;
}
