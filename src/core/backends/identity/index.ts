import type { Core } from '../../core.js';
import type { Backend, MountInfo } from '../../../framework/types.js';
import { aliasPaths } from './alias.js';
import { entityPaths } from './entity.js';
import { groupPaths } from './group.js';
import { oidcProvider, type IdentityBackendOptions } from './oidc/index.js';
import { IDENTITY_MOUNT } from '../../builtin-mounts.js';

export type { IdentityBackendOptions } from './oidc/index.js';

/**
 * The identity backend (mounted at identity/ in the root and in each namespace): entities,
 * aliases and groups over its namespace's identity store, and the identity token provider
 * (identity/oidc/*) whose keys and roles live beside them.
 */
export function identityBackend(core: Core, mount: MountInfo, options: IdentityBackendOptions = {}): Backend {
  const store = () => core.identityIn(mount.namespace);
  const oidc = oidcProvider(core, mount, store, options);
  return {
    type: IDENTITY_MOUNT.type,
    paths: [...entityPaths(core, store), ...aliasPaths(core, store), ...groupPaths(core, store), ...oidc.paths],
    close: async () => oidc.close(),
  };
}
