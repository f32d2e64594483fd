import { invalidRequest } from '../../framework/errors.js';
import type { LoginRenewal, LoginRenewalLimits, MountStorage } from '../../framework/types.js';
import { DEFAULT_POLICY, sanitizePolicies } from '../../framework/policy-names.js';
import { loadUser } from './user-store.js';

/**
 * Vault's userpass pathLoginRenew: a token renews only while its user exists and holds the same
 * policies it was issued with; the renewal gets the user's current TTLs and period.
 */
export async function renewLogin(login: LoginRenewal, store: MountStorage): Promise<LoginRenewalLimits> {
  const name = login.internal.username ?? '';
  const user = name === '' ? undefined : await loadUser(store, name);
  if (!user) throw invalidRequest(`user "${name}" no longer exists, not renewing`);
  if (!equivalentPolicies(user.token.policies, login.policies)) throw invalidRequest('policies have changed, not renewing');
  return { ttl: user.token.ttl, maxTtl: user.token.maxTtl, period: user.token.period };
}

/** Vault's policyutil.EquivalentPolicies: the same set once sanitized, "default" not counting. */
function equivalentPolicies(a: readonly string[], b: readonly string[]): boolean {
  const set = (list: readonly string[]) => sanitizePolicies(list, false).filter((p) => p !== DEFAULT_POLICY);
  const [left, right] = [set(a), set(b)];
  return left.length === right.length && left.every((p, i) => p === right[i]);
}
