import type { MountEntry, MountTable } from './mounts.js';

/** The system backend's mount; the status backend (sys/health, sys/seal-status...) answers as this type too. */
export const SYSTEM_MOUNT = { path: 'sys/', type: 'system', table: 'secret', description: 'system endpoints used for control, policy and debugging' } as const;
export const CUBBYHOLE_MOUNT = { path: 'cubbyhole/', type: 'cubbyhole', table: 'secret', description: 'per-token private secret storage' } as const;
export const IDENTITY_MOUNT = { path: 'identity/', type: 'identity', table: 'secret', description: 'identity store' } as const;
export const TOKEN_MOUNT = { path: 'token/', type: 'token', table: 'auth', description: 'token based credentials' } as const;

/** The mounts every initialized Coffer has; they can be neither removed nor moved. */
export const BUILTIN_MOUNTS = [SYSTEM_MOUNT, CUBBYHOLE_MOUNT, IDENTITY_MOUNT, TOKEN_MOUNT] as const;

/**
 * Whether a mount is of a built-in mount's type: sys/mounts refuses to mount another one (as
 * Vault's singleton mounts) and to disable the one there is.
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
