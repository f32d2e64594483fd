import { invalidRequest, type CofferError } from '../../framework/errors.js';
import type { TokenParams } from '../../framework/token-params.js';
import { ConditionFailed, type Condition, type JsonOp, type MountStorage } from '../../framework/types.js';
import type { PasswordHash } from './password-hash.js';

/**
 * Storage layout of a userpass mount (keys relative to the mount's own, barrier-encrypted area):
 *   user/<name>  UserEntry: the password's scrypt hash and the token settings
 *   totp/<name>  TotpEntry (totp.ts): the user's TOTP seed and last accepted time step
 * Names are lower-cased before they become keys.
 */
export interface UserEntry {
  password: PasswordHash;
  token: TokenParams;
}

export const userKey = (name: string) => `user/${name}`;
export const totpKey = (name: string) => `totp/${name}`;

export function loadUser(store: MountStorage, name: string): Promise<UserEntry | undefined> {
  return store.get<UserEntry>(userKey(name));
}

/** Every user name, sorted. */
export async function listUsers(store: MountStorage): Promise<string[]> {
  return (await store.list('user/')).filter((key) => !key.endsWith('/')).sort();
}

/** How often a conditional write is retried after losing a race before the request gives up. */
const ATTEMPTS = 10;

/**
 * Rewrites a user entry from its current value (undefined when absent) in one transaction
 * conditioned on what was read, so concurrent partial updates never lose each other's fields.
 * A user that comes into existence starts without MFA: a seed left over from an earlier user of
 * the same name is removed in the same transaction.
 */
export async function writeUser(store: MountStorage, name: string, next: (current: UserEntry | undefined) => UserEntry): Promise<void> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await store.getVersioned<UserEntry>(userKey(name));
    const entry = next(current?.value);
    const ops: JsonOp[] = [{ type: 'put', key: userKey(name), value: entry }];
    const conditions: Condition[] = [];
    if (current) {
      conditions.push({ type: 'version', key: userKey(name), version: current.version });
    } else {
      conditions.push({ type: 'absent', key: userKey(name) });
      ops.push({ type: 'delete', key: totpKey(name) });
    }
    if (await commit(store, ops, conditions)) return;
  }
  throw contended(name);
}

/** Deletes a user and their TOTP seed together. */
export async function deleteUser(store: MountStorage, name: string): Promise<void> {
  await store.transaction([
    { type: 'delete', key: userKey(name) },
    { type: 'delete', key: totpKey(name) },
  ]);
}

/** Runs a conditional transaction; false when a condition failed (someone else wrote first). */
export async function commit(store: MountStorage, ops: JsonOp[], conditions: Condition[]): Promise<boolean> {
  try {
    await store.transaction(ops, conditions);
    return true;
  } catch (err) {
    if (err instanceof ConditionFailed) return false;
    throw err;
  }
}

/** Too many concurrent writers on one user: the client may retry. */
export function contended(name: string): CofferError {
  return invalidRequest(`user "${name}" is being changed by other requests; try again`);
}
