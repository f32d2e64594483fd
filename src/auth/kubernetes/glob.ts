/**
 * Whether `value` matches `pattern`, where `*` stands for any run of characters (also none) and
 * everything else is literal — the glob Vault applies to bound_service_account_names and
 * bound_service_account_namespaces ("app-*", "*-prod", "*").
 */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*');
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!value.startsWith(first)) return false;
  let position = first.length;
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, position);
    if (found === -1) return false;
    position = found + middle.length;
  }
  // The tail must fit after everything matched so far, at the very end.
  return value.length - last.length >= position && value.endsWith(last);
}

/** Whether any pattern of the list matches (Vault's StrListContainsGlob). */
export function anyGlobMatches(patterns: readonly string[], value: string): boolean {
  return patterns.some((pattern) => globMatch(pattern, value));
}
