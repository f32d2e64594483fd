import type { Core } from '../../core.js';
import type { Backend, MountInfo } from '../../../framework/types.js';
import { aliasPaths } from './alias.js';
import { entityPaths } from './entity.js';
import { groupPaths } from './group.js';
import { IDENTITY_MOUNT } from '../../builtin-mounts.js';

/**
 * The identity backend (mounted at identity/ in the root and in each namespace): entities,
 * aliases and groups over its namespace's identity store.
 */
export function identityBackend(core: Core, mount: MountInfo): Backend {
  const store = () => core.identityIn(mount.namespace);
  return { type: IDENTITY_MOUNT.type, paths: [...entityPaths(core, store), ...aliasPaths(core, store), ...groupPaths(core, store)] };
}
