import type { NamespaceRef } from '../framework/types.js';
import type { MountEntry, MountTable } from './mounts.js';

/** The system backend's mount; the status backend (sys/health, sys/seal-status...) answers as this type too. */
export const SYSTEM_MOUNT = { path: 'sys/', type: 'system', table: 'secret', description: 'system endpoints used for control, policy and debugging' } as const;
export const CUBBYHOLE_MOUNT = { path: 'cubbyhole/', type: 'cubbyhole', table: 'secret', description: 'per-token private secret storage' } as const;
export const IDENTITY_MOUNT = { path: 'identity/', type: 'identity', table: 'secret', description: 'identity store' } as const;
export const TOKEN_MOUNT = { path: 'token/', type: 'token', table: 'auth', description: 'token based credentials' } as const;

/** The mounts every initialized Coffer has, in the root and in each namespace; they can be neither removed nor moved. */
export const BUILTIN_MOUNTS = [SYSTEM_MOUNT, CUBBYHOLE_MOUNT, IDENTITY_MOUNT, TOKEN_MOUNT] as const;

/**
 * Whether a mount is of a built-in mount's type: sys/mounts refuses to mount another one (as
 * Vault's singleton mounts) and to disable the one there is.
 */
export function isBuiltinMount(entry: Pick<MountEntry, 'type'>): boolean {
  return BUILTIN_MOUNTS.some((builtin) => builtin.type === entry.type);
}

/**
 * What a namespace's own sys/ serves: its mounts, auth methods, policies, child namespaces, the
 * wrapping tools, internal/ui/mounts (how `kv` commands find a mount and its version), its leases
 * and capabilities. The rest of sys/ (seal, audit, storage, HA, quotas...) is the server's, served
 * by the root namespace only, as in Vault.
 */
const SYS_PATHS_IN_NAMESPACES = [
  'mounts', 'auth', 'policy', 'policies/acl', 'namespaces', 'wrapping', 'internal/ui/mounts',
  'leases', 'renew', 'revoke', 'revoke-prefix', 'revoke-force',
  'capabilities', 'capabilities-self', 'capabilities-accessor',
];

export function servedInNamespaces(sysPath: string): boolean {
  return SYS_PATHS_IN_NAMESPACES.some((prefix) => sysPath === prefix || sysPath.startsWith(`${prefix}/`));
}

/**
 * Adds the built-in mounts a table lacks: all of them to a new store (or namespace), those added
 * since to an older one.
 */
export async function ensureBuiltinMounts(mounts: MountTable, namespace?: NamespaceRef): Promise<MountEntry[]> {
  const added: MountEntry[] = [];
  for (const spec of BUILTIN_MOUNTS) {
    if (!mounts.get(mounts.routeKey({ table: spec.table, path: spec.path, namespace }))) added.push(await mounts.add({ ...spec, namespace }, { system: true }));
  }
  return added;
}
