/** The claims of a verified token: the JSON object of its payload. */
export type Claims = Record<string, unknown>;

/**
 * A claim by name, or by JSON pointer ("/groups/0", "/https:~1~1example.com~1team"), which Vault's
 * bound_claims and claim_mappings use for names starting with "/" (and user_claim when asked).
 */
export function getClaim(claims: Claims, name: string, pointer = name.startsWith('/')): unknown {
  // Own properties only: a claim named "constructor" or "__proto__" must not reach Object.prototype.
  if (!pointer) return Object.hasOwn(claims, name) ? claims[name] : undefined;
  let node: unknown = claims;
  for (const raw of name.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(token)) node = node[Number(token)];
    else if (typeof node === 'object' && node !== null && !Array.isArray(node) && Object.hasOwn(node, token)) node = (node as Claims)[token];
    else return undefined;
  }
  return node;
}

type Scalar = string | number | boolean;
const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** A claim or bound value as a list of scalars (a single value is a list of one); undefined when it is neither. */
export function scalarList(value: unknown): Scalar[] | undefined {
  if (isScalar(value)) return [value];
  if (Array.isArray(value) && value.every(isScalar)) return value;
  return undefined;
}

/** Vault's glob (ryanuber/go-glob): `*` matches any run of characters, nothing else is special. */
export function globMatch(pattern: string, value: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!value.startsWith(first) || value.length < first.length + last.length) return false;
  let at = first.length;
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, at);
    if (found < 0) return false;
    at = found + middle.length;
  }
  return value.length - last.length >= at && value.endsWith(last);
}

/**
 * Checks a role's bound_claims (Vault: every bound claim must be present, and one of its values must
 * match one of the token's). Returns the reason for the first mismatch, or undefined when all match.
 */
export function boundClaimsMismatch(bound: Record<string, unknown>, claims: Claims, useGlobs: boolean): string | undefined {
  for (const [name, expected] of Object.entries(bound)) {
    const actual = getClaim(claims, name);
    if (actual === undefined || actual === null) return `claim "${name}" is missing`;
    const actualValues = scalarList(actual);
    if (!actualValues) return `claim "${name}" is not a string or list`;
    const expectedValues = scalarList(expected) ?? [];
    const matches = expectedValues.some((want) =>
      actualValues.some((have) => (useGlobs ? typeof want === 'string' && typeof have === 'string' && globMatch(want, have) : want === have)),
    );
    if (!matches) return `claim "${name}" does not match any associated bound claim values`;
  }
  return undefined;
}

/**
 * Copies claims into alias metadata by the role's claim_mappings (claim → metadata key). Strings,
 * numbers and booleans are copied as text; a claim absent from the token is skipped, as in Vault.
 */
export function mappedMetadata(mappings: Record<string, string>, claims: Claims): { metadata: Record<string, string> } | { error: string } {
  const metadata: Record<string, string> = {};
  for (const [claim, key] of Object.entries(mappings)) {
    const value = getClaim(claims, claim);
    if (value === undefined || value === null) continue;
    if (!isScalar(value)) return { error: `error converting claim "${claim}" to string` };
    metadata[key] = String(value);
  }
  return { metadata };
}
