import type { StorageBackend } from './backend.js';
import { InmemBackend } from './inmem.js';
import { openSqlite } from './sqlite.js';

/** Which physical store to open; etcd joins this union when HA storage lands. */
export type StorageConfig = { type: 'inmem' } | { type: 'sqlite'; path: string };

/** Opens the physical store a server configuration names. */
export function openStorage(config: StorageConfig): StorageBackend {
  switch (config.type) {
    case 'inmem':
      return new InmemBackend();
    case 'sqlite':
      if (!config.path) throw new Error('sqlite storage needs a "path"');
      return openSqlite(config.path);
    default: {
      const unknown = (config as { type?: unknown }).type;
      throw new Error(`unknown storage type ${JSON.stringify(unknown)}; supported: "inmem", "sqlite"`);
    }
  }
}
