import { createHash } from 'node:crypto';

/**
 * What the server and its clients must agree on byte for byte, defined once: the wire shapes both
 * sides read and write, and the audit chain's line hash. Imports nothing of the project, so both
 * `framework/` (and through it the server) and `client/` may import it.
 */

/** Vault's wrap_info block: where the real response went, and the single-use token that fetches it. */
export interface WrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  /** The accessor of the token a wrapped login or token create made ("" otherwise). */
  wrapped_accessor: string;
}

/** SHA-256 of an audit line as written (prefix included, newline excluded), hex: what the next line's `prev_hash` holds. */
export function auditLineHash(line: string | Uint8Array): string {
  return createHash('sha256').update(line).digest('hex');
}

/** Go's strconv.ParseBool spellings, which Vault (server and CLI) accepts for every boolean it reads from text. */
const TRUE_TEXT = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_TEXT = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** A boolean written as text, as Go's strconv.ParseBool reads it; undefined for anything else. */
export function parseBoolText(text: string): boolean | undefined {
  if (TRUE_TEXT.has(text)) return true;
  if (FALSE_TEXT.has(text)) return false;
  return undefined;
}
