import { definePath, type MountStorage, type PathDef, type Req, type Resp } from '../../framework/types.js';
import type { ApproleContext } from './context.js';
import { tidyRoleIdIndex, type RoleEntry } from './role-store.js';
import { tidySecretIds } from './secret-id-store.js';

/**
 * auth/approle/tidy/secret-id. Vault answers 202 and tidies in the background; this one tidies
 * before answering (it is one pass over the mount's own keys), then answers 202 with what it did,
 * so a caller written for Vault sees the status it expects and a warning it can log.
 */
export function tidyPath(ctx: ApproleContext): PathDef {
  let running = false;
  return definePath({
    pattern: 'tidy/secret-id',
    fields: {},
    operations: {
      update: async (req: Req, store: MountStorage): Promise<Resp> => {
        if (running) return { status: 202, data: null, warnings: ['Tidy operation already in progress.'] };
        running = true;
        try {
          const roles: RoleEntry[] = [];
          for (const name of await store.list('role/')) {
            const role = await store.get<RoleEntry>(`role/${name}`);
            if (role) roles.push(role);
          }
          const hasher = await ctx.hasher(req.mount, store);
          const counts = await tidySecretIds(store, hasher, roles);
          const staleIndexes = await tidyRoleIdIndex(store, hasher);
          return {
            status: 202,
            data: null,
            warnings: [
              `Tidy operation finished: removed ${counts.expired} expired secret IDs, ${counts.danglingSecretIds} secret IDs without ` +
                `an accessor, ${counts.danglingAccessors} accessors without a secret ID, ${staleIndexes} role_id index entries without ` +
                `their role, and what ${counts.deletedRoles} deleted roles left behind.`,
            ],
          };
        } finally {
          running = false;
        }
      },
    },
    description: 'Remove expired secret IDs and dangling accessors.',
  });
}
