import { invalidRequest } from '../../../framework/errors.js';
import { requireDuration } from '../../../framework/duration.js';

/** A version number from `?version=`: 0 means latest; negative is refused. */
export function requireVersionNumber(version: number, name = 'version'): number {
  if (version < 0) throw invalidRequest(`invalid ${name}: must be 0 or greater, got ${version}`);
  return version;
}

/**
 * The `versions` of delete/undelete/destroy, accepted as Vault's comma-int-slice is: [1, 2], ["1", "2"],
 * "1,2" or 2. Anything else, negatives included, is a 400.
 */
export function parseVersionList(raw: unknown): number[] {
  if (raw === undefined || raw === null) return [];
  const items = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : [raw];
  return items
    .filter((item) => !(typeof item === 'string' && item.trim() === ''))
    .map((item) => {
      const n = typeof item === 'string' && /^\d+$/.test(item.trim()) ? Number(item) : item;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
        throw invalidRequest(`error converting input ${JSON.stringify(raw)} for field "versions": expected a list of version numbers`);
      }
      return n;
    });
}

/** A duration that may be negative ("-1s", -1): the mount config uses a negative to disable a setting. */
export function parseSignedDuration(raw: unknown, name: string): number {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw < 0) return raw;
  if (typeof raw === 'string' && raw.trim().startsWith('-')) return -requireDuration(raw.trim().slice(1), name);
  return requireDuration(raw, name);
}

/** A count that must not be negative (max_versions). */
export function requireNonNegative(value: number, name: string): number {
  if (value < 0) throw invalidRequest(`invalid ${name}: must be 0 or greater, got ${value}`);
  return value;
}
