import type { MountEntry, MountTable } from './mounts.js';

/** The mounts every initialized Coffer has; they can be neither removed nor moved. */
export const BUILTIN_MOUNTS = [
  { path: 'sys/', type: 'system', table: 'secret', description: 'system endpoints used for control, policy and debugging' },
  { path: 'cubbyhole/', type: 'cubbyhole', table: 'secret', description: 'per-token private secret storage' },
  { path: 'identity/', type: 'identity', table: 'secret', description: 'identity store' },
  { path: 'token/', type: 'token', table: 'auth', description: 'token based credentials' },
] as const;

/**
 * Whether a mount is of a built-in mount's type (sys/mounts refuses to disable it). By type, not
 * path: a second mount of one of these types is as undeletable as the built-in one.
 */
export function isBuiltinMount(entry: Pick<MountEntry, 'type'>): boolean {
  return BUILTIN_MOUNTS.some((builtin) => builtin.type === entry.type);
}

/** Adds the built-in mounts a table lacks: all of them to a new store, those added since to an older one. */
export async function ensureBuiltinMounts(mounts: MountTable): Promise<void> {
  for (const spec of BUILTIN_MOUNTS) {
    if (!mounts.get(mounts.routeKey({ table: spec.table, path: spec.path }))) await mounts.add(spec, { system: true });
  }
}
