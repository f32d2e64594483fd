import type { Core } from '../../core.js';
import { permissionDenied } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type PathDef, type Req } from '../../../framework/types.js';
import { ROOT_NAMESPACE, requestNamespace } from '../../namespaces/index.js';
import { describeMount } from './mounts.js';

/**
 * sys/internal/ui/mounts: the secret engines and auth methods the caller may use (Vault's UI lists
 * these, so a token without read on sys/mounts still sees its own mounts).
 * sys/internal/ui/mounts/<path>: how Vault's CLI finds out a path's mount and KV version. Like Vault,
 * both answer only about mounts under which the caller holds some capability.
 */
export function uiMountPaths(core: Core): PathDef[] {
  return [
    definePath({
      pattern: 'internal/ui/mounts/:path*',
      fields: { path: field.string() },
      unauthenticated: true,
      operations: {
        read: async (req) => {
          if (req.fields.path === '') return ok(await visibleMounts(core, req));
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

/** The mounts of the namespace asked under which the caller holds some capability; none without a token. */
async function visibleMounts(core: Core, req: Pick<Req<Record<string, never>>, 'mount' | 'caller'>): Promise<{ secret: Record<string, unknown>; auth: Record<string, unknown> }> {
  const visible = { secret: {} as Record<string, unknown>, auth: {} as Record<string, unknown> };
  const here = requestNamespace(req);
  const home = req.caller?.namespaceId ? core.namespaces.getById(req.caller.namespaceId) : ROOT_NAMESPACE;
  if (!req.caller || !home || !here.path.startsWith(home.path)) return visible;
  const acl = await core.aclFor(req.caller);
  // The caller's policies name paths from its own namespace down.
  const prefix = here.path.slice(home.path.length);
  for (const table of ['secret', 'auth'] as const) {
    for (const entry of core.mounts.listIn(table, here)) {
      const aclPath = `${prefix}${table === 'auth' ? 'auth/' : ''}${entry.path}`;
      if (acl.hasAnyCapabilityUnder(aclPath)) visible[table][entry.path] = describeMount(entry);
    }
  }
  return visible;
}
