import type { Core } from '../../core.js';
import { permissionDenied } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type PathDef } from '../../../framework/types.js';
import { ROOT_NAMESPACE, requestNamespace } from '../../namespaces/index.js';
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
          // The path is relative to the namespace whose sys/ was asked (`coffer kv -namespace=...`),
          // the caller's policies to the caller's own namespace, where it must be, or above.
          const here = requestNamespace(req);
          const match = core.mounts.match(`${here.path}${req.fields.path}`);
          const home = req.caller?.namespaceId ? core.namespaces.getById(req.caller.namespaceId) : ROOT_NAMESPACE;
          if (!match || !req.caller || !home || !match.key.startsWith(here.path) || !here.path.startsWith(home.path)) throw permissionDenied();
          const acl = await core.aclFor(req.caller);
          const key = match.key.slice(home.path.length);
          const capabilities = acl.capabilities(`${key}${match.relative}`);
          const anyUnderMount = acl.hasAnyCapabilityUnder(key);
          if (!anyUnderMount && capabilities.every((c) => c === 'deny')) throw permissionDenied();
          return ok({ ...describeMount(match.entry), path: match.key.slice(here.path.length) });
        },
      },
    }),
  ];
}
