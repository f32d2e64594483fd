import { createHmac } from 'node:crypto';

/** Vault's audit hashing: HMAC-SHA256 under the device's salt, written "hmac-sha256:<hex>". */
export function auditHash(salt: Uint8Array, value: string): string {
  return `hmac-sha256:${createHmac('sha256', salt).update(value, 'utf8').digest('hex')}`;
}

/**
 * Every string inside `value` (objects and arrays walked), hashed; other values as they are.
 * With `numbers`, JSON numbers are hashed too (as their decimal text): a request body's numbers are
 * client input like its strings (a numeric password or TOTP code), and Vault hashes them because it
 * decodes request JSON numbers as strings (json.Number). Response numbers (TTLs, versions) stay readable.
 */
export function hashStrings(value: unknown, hash: (s: string) => string, numbers = false): unknown {
  if (typeof value === 'string') return hash(value);
  if (numbers && (typeof value === 'number' || typeof value === 'bigint')) return hash(String(value));
  if (Array.isArray(value)) return value.map((v) => hashStrings(v, hash, numbers));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, hashStrings(v, hash, numbers)]));
  }
  return value;
}

/** Every number inside `value` as its decimal text (so that hashing the strings then hashes it); the rest as it is. */
export function numbersAsText(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.map((v) => numbersAsText(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, numbersAsText(v)]));
  }
  return value;
}
