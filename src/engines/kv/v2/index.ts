import type { DataKeyService } from '../../../framework/data-keys.js';
import type { Backend } from '../../../framework/types.js';
import { createContext } from './context.js';
import { configPath } from './paths/config.js';
import { dataPath } from './paths/data.js';
import { invalidPath } from './paths/invalid.js';
import { metadataPath } from './paths/metadata.js';
import { subkeysPath } from './paths/subkeys.js';
import { deleteVersionsPath, destroyVersionsPath, undeleteVersionsPath } from './paths/versions.js';
import { VersionSealer } from './sealing.js';
import { versionEntries } from './sealed-entries.js';
import type { Clock } from './time.js';

/**
 * The versioned KV engine (kv version 2) of the mount `mountUuid`: each version sealed under its own
 * data key from `dataKeys`. Pass a clock only to control time in tests.
 */
export function kvV2Backend(dataKeys: DataKeyService, mountUuid: string, clock?: Clock): Backend {
  const ctx = createContext(new VersionSealer(dataKeys, mountUuid), clock);
  return {
    type: 'kv',
    sealedEntries: (store) => versionEntries(store, ctx.sealer),
    paths: [
      configPath(ctx),
      dataPath(ctx),
      metadataPath(ctx),
      deleteVersionsPath(ctx),
      undeleteVersionsPath(ctx),
      destroyVersionsPath(ctx),
      subkeysPath(ctx),
      // Last: anything not matched above is a KV v1 style path.
      invalidPath,
    ],
  };
}
