import { invalidRequest } from './errors.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const GO_DURATION = /^(\d+(?:\.\d+)?(ns|us|µs|ms|s|m|h|d))+$/;

/**
 * The one duration parser (request fields and the server config alike): a number of seconds
 * (number or numeric string) or a Go-style duration string ("1h30m", "250ms"; Vault also accepts
 * "d"), in milliseconds. Undefined for anything else, "" included.
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

/** A Vault duration field in whole seconds (Vault truncates); "" is 0, a negative number is refused. */
export function parseDurationSeconds(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? Math.floor(input) : undefined;
  if (typeof input === 'string' && input.trim() === '') return 0;
  const ms = parseDurationMs(input);
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}

/** Like parseDurationSeconds, but a 400 naming the field when the input is not a duration. */
export function requireDuration(input: unknown, name: string): number {
  const seconds = parseDurationSeconds(input);
  if (seconds === undefined) throw invalidRequest(`invalid duration for field "${name}": ${JSON.stringify(input)}`);
  return seconds;
}

/** Formats seconds the way Go prints a time.Duration: "768h0m0s", "5m0s", "0s". */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
