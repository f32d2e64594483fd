import { parseDurationMs } from '../wire/index.js';
import { invalidRequest } from './errors.js';

export { parseDurationMs };

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
