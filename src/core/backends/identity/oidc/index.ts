import type { Core } from '../../../core.js';
import type { IdentityStore } from '../../../identity/store.js';
import { OIDC_AREA } from '../../../identity/oidc/model.js';
import { OidcStore } from '../../../identity/oidc/store.js';
import type { MountInfo, PathDef } from '../../../../framework/types.js';
import { configPaths } from './config.js';
import { oidcContext, type IdentityBackendOptions } from './context.js';
import { keyPaths } from './keys.js';
import { rolePaths } from './roles.js';
import { tokenPaths } from './tokens.js';

export type { IdentityBackendOptions } from './context.js';

/** How often the active node looks for a key due to rotate or a public key past its verification_ttl. */
const ROTATION_CHECK_MS = 1_000;

/**
 * Vault's identity token provider (identity/oidc/*) of one identity mount, over its namespace's
 * identity store area; with the timer that rotates its keys on the active node (stop it with `close`).
 */
export function oidcProvider(core: Core, mount: MountInfo, identity: () => IdentityStore, options: IdentityBackendOptions): { paths: PathDef[]; close(): void } {
  const oidc = new OidcStore(() => identity().area(OIDC_AREA));
  const ctx = oidcContext(core, mount, oidc, identity, options);
  let rotating = false;
  const timer = setInterval(() => {
    if (rotating || !core.isActiveNode()) return;
    rotating = true;
    oidc
      .rotateDue(Date.now())
      .catch((err: unknown) => core.logger.warn({ error: (err as Error).message, mount: mount.path, namespace: mount.namespace?.path }, 'identity token key rotation failed; retrying'))
      .finally(() => (rotating = false));
  }, ROTATION_CHECK_MS);
  timer.unref();
  return {
    paths: [...configPaths(ctx), ...keyPaths(ctx), ...rolePaths(ctx), ...tokenPaths(ctx)],
    close: () => clearInterval(timer),
  };
}
