import type { EtcdStorageConfig } from '../../storage/etcd.js';
import { labelledStanzas } from '../config-keys.js';
import { labelsOf } from '../config-options.js';
import { etcdStorage } from './etcd.js';
import type { BlockAt } from './problem.js';
import type { Json } from './syntax.js';

/** Where the encrypted data lives: `storage "sqlite" | "inmem" | "etcd"`. */
export type StorageConfig = { type: 'sqlite'; path: string } | { type: 'inmem' } | EtcdStorageConfig;

/**
 * The one `storage` stanza (or `backend`, its older name, as Vault accepts it), with the block it
 * is written in, for the checks of other stanzas that point at one of its keys.
 */
export function storageStanza(raw: Json, top: BlockAt): { storage: StorageConfig; at: BlockAt } {
  const kind = raw.storage === undefined || raw.storage === null ? 'backend' : 'storage';
  const stanzas = labelledStanzas(kind, raw[kind]);
  if (stanzas.length !== 1) top.fail(kind, 'exactly one storage stanza is required');
  const { label, body, step } = stanzas[0]!;
  const at = top.inner(step);
  if (label === 'sqlite') {
    if (typeof body.path !== 'string' || body.path === '') at.fail('path', 'storage "sqlite" needs a "path"');
    return { storage: { type: 'sqlite', path: body.path as string }, at };
  }
  if (label === 'inmem') return { storage: { type: 'inmem' }, at };
  if (label === 'etcd') return { storage: etcdStorage(body, at), at };
  return at.failHere(`unknown storage type "${label}" (supported: ${labelsOf('storage').join(', ')})`);
}
