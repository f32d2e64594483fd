import type { Core } from '../../core.js';
import { permissionDenied } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type PathDef } from '../../../framework/types.js';
import { describeMount } from './mounts.js';

/**
 * sys/internal/ui/mounts/<path>: how Vault's CLI finds out a path's mount and KV version. Like Vault,
 * it answers only a caller that holds some capability under that mount.
 */
export function uiMountPaths(core: Core): PathDef[] {
  return [
    definePath({
      pattern: 'internal/ui/mounts/:path*',
      fields: { path: field.string() },
      unauthenticated: true,
      operations: {
        read: async (req) => {
          const match = core.mounts.match(req.fields.path);
          if (!match || !req.caller) throw permissionDenied();
          const acl = await core.aclFor(req.caller);
          const capabilities = acl.capabilities(`${match.key}${match.relative}`);
          const anyUnderMount = acl.hasAnyCapabilityUnder(match.key);
          if (!anyUnderMount && capabilities.every((c) => c === 'deny')) throw permissionDenied();
          return ok({ ...describeMount(match.entry), path: match.key });
        },
      },
    }),
  ];
}
