import { randomUUID } from 'node:crypto';
import { invalidRequest } from '../../framework/errors.js';
import { defaultTokenParams, type TokenParams } from '../../framework/token-params.js';
import { ConditionFailed, type Condition, type JsonOp, type MountStorage } from '../../framework/types.js';
import type { Hasher } from './hasher.js';

/** An AppRole as stored under `role/<lower-case name>`. */
export interface RoleEntry {
  /**
   * Random id naming the folders of this role's secret IDs. A role deleted and created again
   * under the same name gets a new one, so secret IDs of the old role can never log in to the new.
   */
  id: string;
  name: string;
  roleId: string;
  bindSecretId: boolean;
  secretIdBoundCidrs: string[];
  secretIdNumUses: number;
  /** Seconds; 0 = secret IDs do not expire. */
  secretIdTtl: number;
  localSecretIds: boolean;
  token: TokenParams;
}

/** Vault's framework.GenericNameRegex for role names. */
const ROLE_NAME = /^\w(?:[\w.-]*\w)?$/;
/** Vault's maxHmacInputLength: longer names and ids are refused rather than hashed. */
export const MAX_INPUT_LENGTH = 4096;

export const roleKey = (name: string) => `role/${name}`;
export const roleIdIndexKey = (hasher: Hasher, roleId: string) => `role_id/${hasher.hash('role_id', roleId)}`;

/** Role names are case-insensitive, as in Vault (new roles are stored lower-cased). */
export function normaliseRoleName(written: string): string {
  if (written === '') throw invalidRequest('missing role_name');
  if (written.length > MAX_INPUT_LENGTH) throw invalidRequest(`role_name is longer than maximum of ${MAX_INPUT_LENGTH} bytes`);
  if (!ROLE_NAME.test(written)) throw invalidRequest(`invalid role_name "${written}": use letters, digits, "_", "-" and "."`);
  return written.toLowerCase();
}

/** A fresh role with Vault's defaults (bind_secret_id on, everything else unset). */
export function newRole(name: string): RoleEntry {
  return {
    id: randomUUID(),
    name,
    roleId: randomUUID(),
    bindSecretId: true,
    secretIdBoundCidrs: [],
    secretIdNumUses: 0,
    secretIdTtl: 0,
    localSecretIds: false,
    token: defaultTokenParams(),
  };
}

export async function loadRole(store: MountStorage, name: string): Promise<{ role: RoleEntry; version: number } | undefined> {
  const found = await store.getVersioned<RoleEntry>(roleKey(name));
  return found && { role: found.value, version: found.version };
}

/** The role a role_id belongs to, through the role_id index. */
export async function roleByRoleId(store: MountStorage, hasher: Hasher, roleId: string): Promise<RoleEntry | undefined> {
  const index = await store.get<{ name: string }>(roleIdIndexKey(hasher, roleId));
  if (!index) return undefined;
  return (await loadRole(store, index.name))?.role;
}

/**
 * Writes a role and its role_id index in one transaction: the role must still be the version read
 * (or absent for a new one), and a new role_id must not be indexed yet — that is what keeps role
 * ids unique across roles, even when two writers race for the same one.
 */
export async function saveRole(
  store: MountStorage,
  hasher: Hasher,
  role: RoleEntry,
  previous: { role: RoleEntry; version: number } | undefined,
): Promise<void> {
  const ops: JsonOp[] = [{ type: 'put', key: roleKey(role.name), value: role }];
  const conditions: Condition[] = [
    previous ? { type: 'version', key: roleKey(role.name), version: previous.version } : { type: 'absent', key: roleKey(role.name) },
  ];
  const indexKey = roleIdIndexKey(hasher, role.roleId);
  const roleIdChanged = !previous || previous.role.roleId !== role.roleId;
  if (roleIdChanged) {
    ops.push({ type: 'put', key: indexKey, value: { name: role.name } });
    conditions.push({ type: 'absent', key: indexKey });
    if (previous) ops.push({ type: 'delete', key: roleIdIndexKey(hasher, previous.role.roleId) });
  }
  try {
    await store.transaction(ops, conditions);
  } catch (err) {
    if (!(err instanceof ConditionFailed)) throw err;
    if (roleIdChanged && err.key === store.keyOf(indexKey)) throw invalidRequest('role_id already in use');
    throw invalidRequest(`role "${role.name}" was changed by another request at the same time; try again`);
  }
}

/**
 * Removes role_id index entries whose role is gone or now has another role ID, so the role ID can
 * be given out again. The API never leaves such entries (role and index change together); this
 * repairs storage changed behind its back. Returns how many were removed.
 */
export async function tidyRoleIdIndex(store: MountStorage, hasher: Hasher): Promise<number> {
  let removed = 0;
  for (const hash of await store.list('role_id/')) {
    const index = await store.getVersioned<{ name: string }>(`role_id/${hash}`);
    if (!index) continue;
    const role = await store.get<RoleEntry>(roleKey(index.value.name));
    if (role && roleIdIndexKey(hasher, role.roleId) === `role_id/${hash}`) continue;
    try {
      await store.transaction([{ type: 'delete', key: `role_id/${hash}` }], [{ type: 'version', key: `role_id/${hash}`, version: index.version }]);
      removed += 1;
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err;
    }
  }
  return removed;
}
