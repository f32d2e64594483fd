import { CofferError } from '../framework/errors.js';
import { addressAllowed } from '../framework/cidr.js';
import type { Operation, PathDef } from '../framework/types.js';

/**
 * A listener's allowlist for secret reads (secret_read_allowed_cidrs) decides who may take secret
 * data out of Coffer. A secret read is an operation a path declares in `returnsSecret`: reads and
 * lists of KV (v1, v2: data, metadata, subkeys, config) and cubbyhole, `sys/wrapping/unwrap`,
 * `transit/decrypt/:name`. The core knows no engine: the path says it.
 */
export function isSecretRead(def: PathDef, operation: Operation): boolean {
  return def.returnsSecret?.includes(operation) ?? false;
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
