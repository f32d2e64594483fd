import { invalidRequest } from '../../framework/errors.js';
import { parseDurationSeconds } from '../../framework/duration.js';

/** Vault's defaults when a leeway is 0; -1 (any negative) turns the leeway off. */
export const DEFAULT_LEEWAY = { clock_skew_leeway: 60, expiration_leeway: 150, not_before_leeway: 150 } as const;
export type LeewayName = keyof typeof DEFAULT_LEEWAY;

/** Parses a leeway as Vault takes it: seconds or a duration string, and negative to disable ("-1"). */
export function parseLeeway(input: unknown, name: LeewayName): number {
  const negative = (typeof input === 'number' && input < 0) || (typeof input === 'string' && input.trim().startsWith('-'));
  const magnitude = parseDurationSeconds(typeof input === 'number' ? Math.abs(input) : typeof input === 'string' ? input.trim().replace(/^-/, '') : input);
  if (magnitude === undefined) throw invalidRequest(`invalid duration for field "${name}": ${JSON.stringify(input)}`);
  return negative ? -magnitude || -1 : magnitude;
}

/** The leeway in effect, in seconds: the default for 0, none for a negative value. */
export function effectiveLeeway(value: number, name: LeewayName): number {
  if (value < 0) return 0;
  return value === 0 ? DEFAULT_LEEWAY[name] : value;
}
