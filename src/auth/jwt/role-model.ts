import { defaultTokenParams, type TokenParams } from '../../framework/token-params.js';
import { ConditionFailed, type MountStorage } from '../../framework/types.js';

/** A role (Vault: auth/<mount>/role/:name), as stored. */
export interface JwtRole {
  role_type: 'jwt' | 'oidc';
  bound_audiences: string[];
  bound_subject: string;
  bound_claims_type: 'string' | 'glob';
  bound_claims: Record<string, unknown>;
  claim_mappings: Record<string, string>;
  user_claim: string;
  user_claim_json_pointer: boolean;
  groups_claim: string;
  /** Kept for oidc roles; the interactive OIDC flow that uses them is not served. */
  allowed_redirect_uris: string[];
  oidc_scopes: string[];
  /** Accepted and ignored: Coffer never logs token contents. */
  verbose_oidc_logging: boolean;
  /** Seconds; 0 = Vault's default, negative = off (see leeway.ts). */
  clock_skew_leeway: number;
  expiration_leeway: number;
  not_before_leeway: number;
  token: TokenParams;
}

/** A new role before the request's fields apply. Vault's role_type defaults to "oidc". */
export const defaultRole = (): JwtRole => ({
  role_type: 'oidc',
  bound_audiences: [],
  bound_subject: '',
  bound_claims_type: 'string',
  bound_claims: {},
  claim_mappings: {},
  user_claim: 'sub',
  user_claim_json_pointer: false,
  groups_claim: '',
  allowed_redirect_uris: [],
  oidc_scopes: [],
  verbose_oidc_logging: false,
  clock_skew_leeway: 60,
  expiration_leeway: 150,
  not_before_leeway: 150,
  token: defaultTokenParams(),
});

export const ROLE_PREFIX = 'role/';
const roleKey = (name: string) => ROLE_PREFIX + name;

/** Vault's name rule for roles (framework.GenericNameRegex). */
export const ROLE_NAME = /^\w(?:[\w.-]*\w)?$/;

export async function loadRole(store: MountStorage, name: string): Promise<JwtRole | undefined> {
  return ROLE_NAME.test(name) ? store.get<JwtRole>(roleKey(name)) : undefined;
}

/**
 * Read-modify-write of one role as a conditional transaction: `change` sees the current role (or
 * none) and returns the new one; when another writer got there first, it runs again on fresh state.
 */
export async function updateRole(store: MountStorage, name: string, change: (current: JwtRole | undefined) => JwtRole): Promise<void> {
  const key = roleKey(name);
  for (let attempt = 1; ; attempt++) {
    const current = await store.getVersioned<JwtRole>(key);
    const next = change(current?.value);
    const guard = current ? { type: 'version' as const, key, version: current.version } : { type: 'absent' as const, key };
    try {
      await store.transaction([{ type: 'put', key, value: next }], [guard]);
      return;
    } catch (err) {
      if (!(err instanceof ConditionFailed) || attempt >= 20) throw err;
    }
  }
}

export async function deleteRole(store: MountStorage, name: string): Promise<void> {
  await store.delete(roleKey(name));
}

export async function listRoles(store: MountStorage): Promise<string[]> {
  return (await store.list(ROLE_PREFIX)).filter((key) => !key.endsWith('/'));
}
