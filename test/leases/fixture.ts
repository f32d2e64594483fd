import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { StorageView } from '../../src/core/storage-view.js';
import { ExpirationManager, type ExpirationSettings, type LeaseHost } from '../../src/core/leases/index.js';
import type { LeasedSecretState, MountInfo, MountStorage, SecretType } from '../../src/framework/types.js';
import { SqliteBackend } from '../../src/storage/sqlite.js';

export const MOUNT: MountInfo = { path: 'standin/', type: 'standin', accessor: 'standin_1234', uuid: 'uuid-standin', options: {} };

/**
 * A stand-in secret type, not a real engine: it records what the expiration manager asks of it
 * (revocations, renewals) and fails revocations while `failing` is set, so the manager's own
 * behaviour (timers, retries, the index) is tested apart from any backend.
 */
export class StandInSecretType implements SecretType {
  readonly revoked: { leaseId: string; at: number }[] = [];
  readonly attempts: { leaseId: string; at: number }[] = [];
  readonly extended: { leaseId: string; to: Date }[] = [];
  failing = false;
  limits: { ttl?: number; maxTtl?: number } = {};

  async revoke(secret: LeasedSecretState): Promise<void> {
    this.attempts.push({ leaseId: secret.leaseId, at: Date.now() });
    if (this.failing) throw new Error('stand-in backend is down');
    this.revoked.push({ leaseId: secret.leaseId, at: Date.now() });
  }

  async renewLimits(): Promise<{ ttl?: number; maxTtl?: number }> {
    return this.limits;
  }

  async extend(secret: LeasedSecretState, to: Date): Promise<void> {
    this.extended.push({ leaseId: secret.leaseId, to });
  }
}

/** A MountStorage that counts the calls made through it, to show what a pass reads. */
export class CountingStorage implements MountStorage {
  gets = 0;
  lists = 0;
  constructor(private readonly inner: MountStorage) {}
  reset(): void {
    this.gets = 0;
    this.lists = 0;
  }
  get<T>(key: string) {
    this.gets++;
    return this.inner.get<T>(key);
  }
  getVersioned<T>(key: string) {
    this.gets++;
    return this.inner.getVersioned<T>(key);
  }
  put(key: string, value: unknown) {
    return this.inner.put(key, value);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  list(prefix: string) {
    this.lists++;
    return this.inner.list(prefix);
  }
  transaction(...args: Parameters<MountStorage['transaction']>) {
    return this.inner.transaction(...args);
  }
  deleteTree(prefix: string) {
    return this.inner.deleteTree(prefix);
  }
  scoped(prefix: string) {
    return this.inner.scoped(prefix);
  }
  keyOf(key: string) {
    return this.inner.keyOf(key);
  }
}

export interface ManagerFixture {
  manager: ExpirationManager;
  storage: CountingStorage;
  secretType: StandInSecretType;
  /** Token ids whose end (unix ms) the host reports; absent: the token never ends. */
  tokenEnds: Map<string, number>;
  active: { value: boolean };
  /** Mount TTLs in seconds (the system's 768h by default). */
  ttls: { defaultTtl: number; maxTtl: number };
  close(): Promise<void>;
}

/** An expiration manager over a real SQLite file in a temp dir, serving the stand-in type on MOUNT. */
export async function managerOverSqlite(settings: Partial<ExpirationSettings> = {}): Promise<ManagerFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-leases-'));
  const backend = new SqliteBackend(join(dir, 'leases.db'));
  const storage = new CountingStorage(new StorageView(backend, 'sys/expire/'));
  const secretType = new StandInSecretType();
  const tokenEnds = new Map<string, number>();
  const active = { value: true };
  const ttls = { defaultTtl: 768 * 3600, maxTtl: 768 * 3600 };
  const host: LeaseHost = {
    secretOf: (lease) => (lease.mountUuid === MOUNT.uuid && lease.secretType === 'standin' ? { type: secretType, store: storage, mount: MOUNT } : undefined),
    mountTtls: () => ttls,
    tokenEnd: async (tokenId) => tokenEnds.get(tokenId),
    isActive: () => active.value,
    logger: pino({ level: 'silent' }),
  };
  const manager = new ExpirationManager(storage, host, settings);
  manager.start();
  return {
    manager,
    storage,
    secretType,
    tokenEnds,
    active,
    ttls,
    close: async () => {
      await manager.stop();
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Registers a stand-in secret with `ttl` seconds for `tokenId` at standin/creds/app. */
export function register(f: ManagerFixture, options: { ttl?: number; maxTtl?: number; tokenId?: string; renewable?: boolean } = {}) {
  return f.manager.register({
    mount: MOUNT,
    path: 'standin/creds/app',
    tokenId: options.tokenId ?? 'token-a',
    secret: { type: 'standin', internal: { username: 'u' }, ttl: options.ttl, maxTtl: options.maxTtl, renewable: options.renewable },
  });
}
