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

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const GO_DURATION = /^(\d+(?:\.\d+)?(ns|us|µs|ms|s|m|h|d))+$/;

/**
 * The one duration parser (request fields and the server config; the SDK's and the agent's
 * settings): a number of seconds (number or numeric string) or a Go-style duration string
 * ("1h30m", "250ms"; Vault also accepts "d"), in milliseconds. Undefined for anything else, "" included.
 */
export function parseDurationMs(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input * 1000 : undefined;
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!GO_DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/g)) ms += Number(amount) * UNIT_MS[unit as string]!;
  return Number.isFinite(ms) ? ms : undefined;
}
