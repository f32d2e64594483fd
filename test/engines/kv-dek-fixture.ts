import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { MountStorage } from '../../src/framework/types.js';
import type { Kms } from '../../src/kms/kms.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { api } from '../harness/http.js';

/**
 * A test stand-in for a remote KMS: it forwards to the server's real (local) KMS until `down` is set,
 * then fails every call the way an unreachable KMS does. It counts unwraps so a test can tell which
 * reads needed the KMS.
 */
export class KmsStandIn implements Kms {
  readonly type: string;
  readonly keyId: string;
  down = false;
  unwraps = 0;

  constructor(private readonly inner: Kms) {
    this.type = inner.type;
    this.keyId = inner.keyId;
  }

  async wrap(key: Uint8Array, aad: string): Promise<Uint8Array> {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:9 (KMS stand-in is down)');
    return this.inner.wrap(key, aad);
  }

  async unwrap(wrapped: Uint8Array, aad: string): Promise<Uint8Array> {
    this.unwraps++;
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:9 (KMS stand-in is down)');
    return this.inner.unwrap(wrapped, aad);
  }
}

export interface DekServer {
  server: RunningServer;
  address: string;
  dir: string;
  kms: KmsStandIn;
  token: string;
  /** The secret/ mount's storage, through the barrier (what the KV engine itself sees). */
  store(): MountStorage;
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): ReturnType<typeof api<T>>;
  destroy(): Promise<void>;
}

/** An in-process dev server on SQLite whose data-key KMS is a switchable stand-in. */
export async function startDekServer(options: { dekCacheTtlMs?: number } = {}): Promise<DekServer> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-dek-'));
  const token = `root-${Math.random().toString(36).slice(2)}`;
  let standIn: KmsStandIn | undefined;
  const server = await startServer({
    config: {
      storage: { type: 'sqlite', path: join(dir, 'coffer.db') },
      listeners: [{ address: '127.0.0.1:0', tlsDisable: true }],
      seal: { type: 'local' },
      ui: false,
      ...(options.dekCacheTtlMs !== undefined ? { dekCacheTtlMs: options.dekCacheTtlMs } : {}),
    },
    dev: { rootTokenId: token },
    logger: pino({ level: 'silent' }),
    wrapDataKeyKms: (kms) => (standIn = new KmsStandIn(kms)),
  });
  const address = server.addresses[0]!;
  return {
    server,
    address,
    dir,
    kms: standIn!,
    token,
    store: () => server.core.mountStorage(server.core.mounts.get('secret/')!),
    call: (method, path, body) => api(address, method, path, { token, body }),
    destroy: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
