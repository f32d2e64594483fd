import type { BackendFactory } from '../../framework/system-view.js';
import type { Backend } from '../../framework/types.js';
import { Connections } from './connections.js';
import { configPaths } from './paths/config.js';
import { CREDS_SECRET, credsPaths, credsSecretType, ISSUED } from './paths/creds.js';
import { rolePaths } from './paths/roles.js';
import { rotateDueStaticRoles, staticPaths } from './paths/static.js';

/** How often static roles are checked for a due rotation (rotation_period is at least 5 s). */
const STATIC_CHECK_MS = 1_000;

/**
 * The database secrets engine (Vault's `database`): connections, dynamic roles whose credentials
 * are leased (the pipeline registers the lease; `secrets.creds` revokes and renews it), and
 * static roles whose passwords it rotates on the active node.
 */
export const databaseBackend: BackendFactory = (view): Backend => {
  const connections = new Connections(view.logger);
  const outstanding = async (store: typeof view.storage, dbName: string) => (await store.list(ISSUED.prefix(dbName))).length;
  let rotating = false;
  const timer = setInterval(() => {
    if (rotating || !view.isActive()) return;
    rotating = true;
    rotateDueStaticRoles(view.storage, connections)
      .catch((err: unknown) => view.logger.warn({ error: (err as Error).message, mount: view.mount.path }, 'database: static role rotation failed; retrying'))
      .finally(() => (rotating = false));
  }, STATIC_CHECK_MS);
  timer.unref();
  return {
    type: 'database',
    paths: [...configPaths(connections, view.logger, outstanding), ...rolePaths(() => view.leaseTtls().maxTtl), ...credsPaths(connections, () => view.leaseTtls()), ...staticPaths(connections)],
    secrets: { [CREDS_SECRET]: credsSecretType(connections) },
    async close() {
      clearInterval(timer);
      await connections.closeAll();
    },
  };
};
