import type { Core } from '../../core.js';
import type { Backend } from '../../../framework/types.js';
import { aliasPaths } from './alias.js';
import { entityPaths } from './entity.js';
import { groupPaths } from './group.js';
import { IDENTITY_MOUNT } from '../../builtin-mounts.js';

/** The identity backend (mounted at identity/): entities, aliases and groups over the core's identity store. */
export function identityBackend(core: Core): Backend {
  return { type: IDENTITY_MOUNT.type, paths: [...entityPaths(core), ...aliasPaths(core), ...groupPaths(core)] };
}
