import { invalidRequest } from '../../../framework/errors.js';
import { DEFAULT_POLICY, sanitizePolicies } from '../../../framework/policy-names.js';
import type { TokenEntry } from '../../token/index.js';
import type { TokenRole } from './role-store.js';

/** Whether a role sets its own policy rules (then the parent's policies no longer bound the token). */
export function hasPolicyRules(role: TokenRole): boolean {
  return (
    role.allowedPolicies.length > 0 ||
    role.disallowedPolicies.length > 0 ||
    role.allowedPoliciesGlob.length > 0 ||
    role.disallowedPoliciesGlob.length > 0
  );
}

/**
 * Vault's handleCreateCommon for a role with policy rules: requested policies must be within the
 * role's allowed ones (exact or glob) plus "default"; none asked → the allowed ones (or, with no
 * allowed list, the parent's); none may be disallowed (exact or glob), whichever way they came.
 * "default" is added unless the request or the role says not to, or the role disallows it.
 */
export function rolePolicies(role: TokenRole, parent: TokenEntry, requested: string[], noDefaultPolicy: boolean): string[] {
  const addDefault =
    !noDefaultPolicy && !role.disallowedPolicies.includes(DEFAULT_POLICY) && !matchesAnyGlob(role.disallowedPoliciesGlob, DEFAULT_POLICY);
  let policies = requested.length > 0 ? sanitizePolicies(requested, addDefault) : [];

  if (role.allowedPolicies.length > 0 || role.allowedPoliciesGlob.length > 0) {
    const allowed = sanitizePolicies(role.allowedPolicies, addDefault);
    if (policies.length === 0) {
      policies = allowed;
    } else {
      const globs = sanitizePolicies(role.allowedPoliciesGlob, false);
      for (const policy of policies) {
        if (!allowed.includes(policy) && !matchesAnyGlob(globs, policy)) {
          throw invalidRequest(
            `token policies (${goQuoted(policies)}) must be subset of the role's allowed policies (${goQuoted(allowed)}) or glob policies (${goQuoted(globs)})`,
          );
        }
      }
    }
  } else if (policies.length === 0) {
    policies = sanitizePolicies(parent.policies, addDefault);
  }

  // Vault refuses rather than trims: an allowed list that overlaps the disallowed one is a role error.
  for (const policy of policies) {
    if (role.disallowedPolicies.includes(policy) || matchesAnyGlob(role.disallowedPoliciesGlob, policy)) {
      throw invalidRequest(`token policy ${JSON.stringify(policy)} is disallowed by this role`);
    }
  }
  return policies;
}

/** Whether `value` matches one of the patterns (Vault's strutil.StrListContainsGlob). */
export function matchesAnyGlob(patterns: readonly string[], value: string): boolean {
  return patterns.some((pattern) => globMatches(pattern, value));
}

/** go-glob, as Vault's roles use it: "*" anywhere stands for any run of characters; nothing else is special. */
export function globMatches(pattern: string, value: string): boolean {
  // Runs of "*" mean the same as one, and collapsing them keeps the regex from backtracking on them.
  const source = pattern
    .replace(/\*+/g, '*')
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(value);
}

/** A list as Go's %q prints a []string, which Vault's error messages use: ["a" "b"]. */
function goQuoted(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}
