import { invalidRequest } from '../../framework/errors.js';
import type { LoginRenewal, LoginRenewalLimits, MountStorage } from '../../framework/types.js';
import { loadRole } from './role-store.js';

/** Vault's AppRole pathLoginRenew: renews only while the role exists, under its current TTLs and period. */
export async function renewLogin(login: LoginRenewal, store: MountStorage): Promise<LoginRenewalLimits> {
  const name = login.internal.role_name ?? '';
  const found = name === '' ? undefined : await loadRole(store, name.toLowerCase());
  if (!found) throw invalidRequest(`role "${name}" does not exist during renewal`);
  const { role } = found;
  return { ttl: role.token.ttl, maxTtl: role.token.maxTtl, period: role.token.period };
}
