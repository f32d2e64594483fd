/** Name of the policy that allows everything; it has no text and cannot be written or deleted. */
export const ROOT_POLICY = 'root';
/** Name of the policy attached to every non-root token unless asked otherwise; editable, not deletable. */
export const DEFAULT_POLICY = 'default';

/**
 * Vault's policyutil.SanitizePolicies: trims and lowercases names, drops empty ones, reduces any
 * list holding "root" to just ["root"], adds "default" when asked (never next to root), then
 * dedupes and sorts.
 */
export function sanitizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  const names = policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== '');
  if (names.includes(ROOT_POLICY)) return [ROOT_POLICY];
  if (addDefault) names.push(DEFAULT_POLICY);
  return [...new Set(names)].sort();
}

/** Whether every policy of `subset` is in `superset` (Vault's strutil.StrListSubset). */
export function isPolicySubset(superset: readonly string[], subset: readonly string[]): boolean {
  const allowed = new Set(superset);
  return subset.every((p) => allowed.has(p));
}
