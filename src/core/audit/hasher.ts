import { createHmac } from 'node:crypto';

/** Vault's audit hashing: HMAC-SHA256 under the device's salt, written "hmac-sha256:<hex>". */
export function auditHash(salt: Uint8Array, value: string): string {
  return `hmac-sha256:${createHmac('sha256', salt).update(value, 'utf8').digest('hex')}`;
}

/** Every string inside `value` (objects and arrays walked), hashed; other values as they are. */
export function hashStrings(value: unknown, hash: (s: string) => string): unknown {
  if (typeof value === 'string') return hash(value);
  if (Array.isArray(value)) return value.map((v) => hashStrings(v, hash));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, hashStrings(v, hash)]));
  }
  return value;
}
