import { Etcd3 } from 'etcd3';
import type { StorageBackend } from './backend.js';
import { connectEtcd, EtcdStorage, etcdClientOptions, type EtcdStorageConfig } from './etcd.js';
import { InmemBackend } from './inmem.js';
import { openSqlite } from './sqlite.js';

/** Which physical store to open. */
export type StorageConfig = { type: 'inmem' } | { type: 'sqlite'; path: string } | EtcdStorageConfig;

/** How long a server start waits for an etcd cluster to answer before giving up. */
const ETCD_CONNECT_TIMEOUT_MS = 10_000;

/** Opens the physical store and, for a networked one (etcd), checks that it answers within a deadline. */
export async function connectStorage(config: StorageConfig): Promise<StorageBackend> {
  if (config.type === 'etcd') return connectEtcd(config, { callTimeoutMs: ETCD_CONNECT_TIMEOUT_MS });
  return openStorage(config);
}

/** Opens the physical store a server configuration names. */
export function openStorage(config: StorageConfig): StorageBackend {
  switch (config.type) {
    case 'inmem':
      return new InmemBackend();
    case 'sqlite':
      if (!config.path) throw new Error('sqlite storage needs a "path"');
      return openSqlite(config.path);
    case 'etcd':
      return new EtcdStorage(new Etcd3(etcdClientOptions(config, ETCD_CONNECT_TIMEOUT_MS)), config.prefix);
    default: {
      const unknown = (config as { type?: unknown }).type;
      throw new Error(`unknown storage type ${JSON.stringify(unknown)}; supported: "inmem", "sqlite", "etcd"`);
    }
  }
}
