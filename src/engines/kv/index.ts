import type { DataKeyService } from '../../framework/data-keys.js';
import { invalidRequest } from '../../framework/errors.js';
import type { Backend, MountInfo } from '../../framework/types.js';
import { kvV1Backend } from './v1.js';
import { kvV2Backend } from './v2/index.js';
import type { Clock } from './v2/time.js';

export type { Clock } from './v2/time.js';

/** Test seams of the kv engine. */
export interface KvOptions {
  /** Milliseconds since the epoch; lets tests move past delete_version_after without sleeping. */
  clock?: Clock;
  /** Seals each KV v2 version under its own data key; required for version 2. */
  dataKeys?: DataKeyService;
}

/** The kv engine for a mount: version 2 when `mount.options.version` is "2", version 1 by default. */
export function kvBackend(mount: MountInfo, options: KvOptions = {}): Backend {
  const version = mount.options?.['version'] ?? '1';
  if (version === '1' || version === '') return kvV1Backend();
  if (version === '2') {
    if (!options.dataKeys) throw new Error('kv version 2 needs the core data-key service');
    return kvV2Backend(options.dataKeys, mount.uuid, options.clock);
  }
  throw invalidRequest(`unsupported kv version "${version}": use "1" or "2"`);
}
