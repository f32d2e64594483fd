import { InvalidSecretKeyError } from './errors.js';

/** Characters that separate a key's segments; each becomes a "/" of the KV path. */
const SEPARATORS = /[._/]/g;
/** What one path segment may hold: no separator, nothing a URL or a Vault path would treat specially. */
const SEGMENT = /^[A-Za-z0-9-]+$/;
/** The key is kept as a custom_metadata value, which Vault caps at 512 bytes. */
const MAX_KEY_BYTES = 512;

/**
 * The KV path of a key: "github.token.user.123", "github_token_user_123" and "github/token/user/123"
 * all become "github/token/user/123". Throws InvalidSecretKeyError for a key that cannot be one.
 */
export function keyToPath(key: string): string {
  const quoted = JSON.stringify(key);
  if (typeof key !== 'string' || key === '') throw new InvalidSecretKeyError('secret key must not be empty');
  if (key.includes('..')) throw new InvalidSecretKeyError(`secret key ${quoted} must not contain ".."`);
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new InvalidSecretKeyError(`secret key ${quoted} is longer than ${MAX_KEY_BYTES} bytes`);
  const segments = key.split(SEPARATORS);
  for (const segment of segments) {
    if (segment === '') throw new InvalidSecretKeyError(`secret key ${quoted} has an empty segment (a leading, trailing or doubled ".", "_" or "/")`);
    if (!SEGMENT.test(segment)) {
      throw new InvalidSecretKeyError(`secret key ${quoted} has a segment with characters other than letters, digits and "-" (segments are separated by ".", "_" or "/")`);
    }
  }
  return segments.join('/');
}

/** Whether `key` is a valid key that maps to `path`. */
export function keyMapsTo(key: string, path: string): boolean {
  try {
    return keyToPath(key) === path;
  } catch {
    return false;
  }
}

/**
 * Where to start listing for a key prefix: the path prefix every matching key's path starts with
 * (the mapping works character by character, so it keeps prefixes), and the folder up to its last
 * "/". Undefined when no valid key can start with `prefix`.
 */
export function listingStart(prefix: string): { pathPrefix: string; folder: string } | undefined {
  const pathPrefix = prefix.replace(SEPARATORS, '/');
  const folder = pathPrefix.slice(0, pathPrefix.lastIndexOf('/') + 1);
  if (folder !== '' && !folder.slice(0, -1).split('/').every((s) => SEGMENT.test(s))) return undefined;
  return { pathPrefix, folder };
}
