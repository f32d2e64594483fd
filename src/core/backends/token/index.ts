import type { Backend } from '../../../framework/types.js';
import type { TokenStore } from '../../token/index.js';
import type { TokenBackendContext, TokenBackendOptions } from './context.js';
import { createPaths } from './create.js';
import { lookupPaths } from './lookup.js';
import { maintenancePaths } from './maintenance.js';
import { renewPaths } from './renew.js';
import { revokePaths } from './revoke.js';
import { rolePaths } from './roles.js';
import { TOKEN_MOUNT } from '../../builtin-mounts.js';

export type { EntityForAlias, LoginRenewalCheck, SudoCheck, TokenBackendOptions } from './context.js';
export { childPolicies } from './create.js';
export { authBlock, lookupData } from './describe.js';

/** The `token` auth method (mounted at auth/token/): Vault's token API as a table of paths over the token store. */
export function tokenBackend(store: TokenStore, options: TokenBackendOptions = {}): Backend {
  const ctx: TokenBackendContext = {
    store,
    hasSudo: options.hasSudo ?? (async (caller) => caller.isRoot),
    ...(options.entityForAlias ? { entityForAlias: options.entityForAlias } : {}),
    ...(options.checkLoginRenewal ? { checkLoginRenewal: options.checkLoginRenewal } : {}),
    ...(options.onTokenCreated ? { onTokenCreated: options.onTokenCreated } : {}),
    tokenNamespace: (entry) => (entry.namespaceId ? options.namespacePathOf?.(entry.namespaceId) : ''),
  };
  return {
    type: TOKEN_MOUNT.type,
    paths: [...createPaths(ctx), ...lookupPaths(ctx), ...renewPaths(ctx), ...revokePaths(ctx), ...maintenancePaths(ctx), ...rolePaths(ctx)],
  };
}
