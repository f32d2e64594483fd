import { invalidRequest } from './errors.js';

const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 };
const GO_DURATION = /^(\d+(?:\.\d+)?(ns|us|µs|ms|s|m|h|d))+$/;

/**
 * Parses a Vault duration into whole seconds: a number of seconds (number or numeric string),
 * or a Go-style duration string such as "1h30m", "5m", "90s" (Vault also accepts "d").
 * Returns undefined for anything else.
 */
export function parseDurationSeconds(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? Math.floor(input) : undefined;
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  if (text === '') return 0;
  if (/^\d+$/.test(text)) return Number(text);
  if (!GO_DURATION.test(text)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/g)) {
    seconds += Number(amount) * UNIT_SECONDS[unit as string]!;
  }
  return Number.isFinite(seconds) ? Math.floor(seconds) : undefined;
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
