import { invalidRequest } from '../../framework/errors.js';
import type { LoginRenewal, LoginRenewalLimits, MountStorage } from '../../framework/types.js';
import { loadRole } from './role-model.js';

/** Vault's jwt pathLoginRenew: renews only while the role exists, under its current TTLs and period. */
export async function renewLogin(login: LoginRenewal, store: MountStorage): Promise<LoginRenewalLimits> {
  const name = login.internal.role ?? '';
  const role = name === '' ? undefined : await loadRole(store, name);
  if (!role) throw invalidRequest(`role "${name}" could not be found, not renewing`);
  return { ttl: role.token.ttl, maxTtl: role.token.maxTtl, period: role.token.period };
}
