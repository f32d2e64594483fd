/** Vault-style one-level listing: direct children of prefix, folders as "name/", sorted, unique. */
export function listChildren(prefix: string, keys: Iterable<string>): string[] {
  const children = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(prefix) || key === prefix) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    children.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  return [...children].sort();
}
