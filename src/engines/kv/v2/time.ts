import { formatDuration } from '../../../framework/duration.js';

/** Milliseconds since the epoch, possibly fractional; tests pass a fake one to move time without sleeping. */
export type Clock = () => number;

/** Wall-clock milliseconds with the sub-millisecond part taken from the monotonic clock. */
export const systemClock: Clock = () => Date.now() + (performance.now() % 1);

/**
 * Formats a time the way Go's RFC3339Nano does in UTC: fraction up to 9 digits, trailing zeros dropped.
 * A double holding epoch milliseconds is exact to about a microsecond, so that is the precision kept.
 */
export function formatTimestamp(ms: number): string {
  const second = Math.floor(ms / 1000) * 1000;
  const nanos = Math.min(999_999, Math.round((ms - second) * 1e3)) * 1e3;
  const base = new Date(second).toISOString().slice(0, 19);
  const fraction = nanos === 0 ? '' : '.' + String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${base}${fraction}Z`;
}

/** Whether an RFC3339 timestamp ("" meaning never) lies strictly before now, as Vault's deletion checks do. */
export function isBefore(timestamp: string, nowMs: number): boolean {
  return timestamp !== '' && Date.parse(timestamp) < nowMs;
}

/** Go's time.Duration.String() for whole seconds, negative ones included ("-1s" marks a disabled setting). */
export function formatSignedDuration(seconds: number): string {
  return seconds < 0 ? `-${formatDuration(-seconds)}` : formatDuration(seconds);
}
