import { ConditionFailed, type Condition, type MountStorage } from '../../../framework/types.js';

/**
 * A token role (Vault's tsRoleEntry), stored as JSON at `roles/<name>` in the token mount's own
 * storage. The legacy `period`, `explicitMaxTtl` and `boundCidrs` keep what was written under the
 * old field names so a read answers them back; the `token*` fields are what creation uses.
 */
export interface TokenRole {
  name: string;
  /** Sanitized like token policies: lowercase, sorted, deduplicated. */
  allowedPolicies: string[];
  disallowedPolicies: string[];
  allowedPoliciesGlob: string[];
  disallowedPoliciesGlob: string[];
  orphan: boolean;
  renewable: boolean;
  pathSuffix: string;
  /** Lowercased; globs allowed. */
  allowedEntityAliases: string[];
  /** Canonical CIDR blocks (see framework/cidr.ts). */
  tokenBoundCidrs: string[];
  /** Seconds. */
  tokenExplicitMaxTtl: number;
  tokenNoDefaultPolicy: boolean;
  tokenNumUses: number;
  /** Seconds. */
  tokenPeriod: number;
  /** Batch tokens do not exist in Coffer, so only the service flavours. */
  tokenType: 'default-service' | 'service';
  period: number;
  explicitMaxTtl: number;
  boundCidrs: string[];
}

const roleKey = (name: string) => `roles/${name}`;

/** Vault's framework.GenericNameRegex: word characters, with "-" and "." inside. */
const ROLE_NAME = /^\w(?:[\w.-]*\w)?$/;

/** Whether a role name is one Vault's path table would route. */
export const isValidRoleName = (name: string) => ROLE_NAME.test(name);

/** The role as stored, or undefined. */
export function loadRole(store: MountStorage, name: string): Promise<TokenRole | undefined> {
  return store.get<TokenRole>(roleKey(name));
}

/**
 * Writes the role `change` makes of the stored one (undefined when there is none), conditioned on
 * the version read, so concurrent updates of one role never lose each other's fields. `change`
 * may throw (bad input) and then nothing is written; it is run again after a conflict.
 */
export async function updateRole(store: MountStorage, name: string, change: (current: TokenRole | undefined) => TokenRole): Promise<void> {
  const key = roleKey(name);
  // Each conflict means another writer succeeded, so this ends; the bound only guards against bugs.
  for (let attempt = 0; attempt < 1000; attempt++) {
    const stored = await store.getVersioned<TokenRole>(key);
    const next = change(stored?.value);
    const condition: Condition = stored ? { type: 'version', key, version: stored.version } : { type: 'absent', key };
    try {
      await store.transaction([{ type: 'put', key, value: next }], [condition]);
      return;
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err;
    }
  }
  throw new Error('token role update did not settle');
}

export function deleteRole(store: MountStorage, name: string): Promise<void> {
  return store.delete(roleKey(name));
}

/** Role names, sorted (storage lists them in key order already). */
export async function listRoles(store: MountStorage): Promise<string[]> {
  return (await store.list('roles/')).filter((key) => !key.endsWith('/'));
}

/** A role before any field was set: Vault's zero values, renewable by default. */
export function emptyRole(name: string): TokenRole {
  return {
    name,
    allowedPolicies: [],
    disallowedPolicies: [],
    allowedPoliciesGlob: [],
    disallowedPoliciesGlob: [],
    orphan: false,
    renewable: true,
    pathSuffix: '',
    allowedEntityAliases: [],
    tokenBoundCidrs: [],
    tokenExplicitMaxTtl: 0,
    tokenNoDefaultPolicy: false,
    tokenNumUses: 0,
    tokenPeriod: 0,
    tokenType: 'default-service',
    period: 0,
    explicitMaxTtl: 0,
    boundCidrs: [],
  };
}
