import type { MountInfo, MountStorage } from '../../framework/types.js';
import { HasherCache, type Hasher } from './hasher.js';

/** What every path of one approle backend shares: the mount's HMAC key, loaded once. */
export interface ApproleContext {
  hasher(mount: MountInfo, store: MountStorage): Promise<Hasher>;
}

export function approleContext(): ApproleContext {
  const cache = new HasherCache();
  return { hasher: (mount, store) => cache.forMount(mount.uuid, store) };
}
