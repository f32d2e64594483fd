import { CofferError } from '../framework/errors.js';
import { addressAllowed } from '../framework/cidr.js';
import type { Operation } from '../framework/types.js';

/**
 * A listener's allowlist for secret reads (secret_read_allowed_cidrs) decides who may take secret
 * data out of Coffer. What counts as a secret read:
 *
 * - a read or list (GET, HEAD, LIST) of any path of a `kv` mount, version 1 or 2 (data, but also
 *   metadata, subkeys and config: names and structure of secrets are not for outsiders either);
 * - a read or list of `cubbyhole/`;
 * - `sys/wrapping/unwrap`, whatever the method: it hands out the wrapped response.
 *
 * Writes, deletes and every other path (logins, token, sys) are not secret reads and are never
 * refused by the allowlist.
 */
export function isSecretRead(mountType: string, pattern: string, operation: Operation): boolean {
  if (mountType === 'system') return pattern === 'wrapping/unwrap';
  if (mountType === 'kv' || mountType === 'cubbyhole') return operation === 'read' || operation === 'list';
  return false;
}

/**
 * Whether `address` may read secrets under `cidrs`. Fails closed: an empty list allows nobody, and
 * an unparsable address or block matches nothing (addressAllowed). IPv4-mapped IPv6 counts as IPv4.
 */
export function secretReadAllowed(address: string, cidrs: readonly string[]): boolean {
  return cidrs.length > 0 && addressAllowed(address, cidrs);
}

/** 403, saying which rule refused: the client knows its own address, and the operator reads it in the audit log. */
export const secretReadRefused = () => new CofferError('secret_read_refused');
