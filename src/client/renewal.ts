/**
 * When to act on something that expires in `ttlSeconds`: at 2/3 of the TTL with ±10% jitter (so a
 * fleet that logged in together does not renew together), never later than 90% of it.
 */
export function renewalDelayMs(ttlSeconds: number, random: () => number = Math.random): number {
  const fraction = Math.min(0.9, (2 / 3) * (1 + (random() - 0.5) * 0.2));
  return Math.max(0, ttlSeconds * 1000 * fraction);
}

/** Delays between failed attempts: doubling from `minMs` up to `maxMs`, each drawn from its upper half. */
export interface Backoff {
  minMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { minMs: 1000, maxMs: 30_000 };

/** The delay before attempt `failures + 1` (failures ≥ 1). */
export function backoffDelayMs(failures: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.max(0, failures - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** A timer that does not keep the process alive: a service's own server does; a finished script should exit. */
export function backgroundTimer(callback: () => void, delayMs: number): NodeJS.Timeout {
  // setTimeout fires at once beyond 2^31-1 ms (24.8 days): clamp, and the caller reschedules.
  return setTimeout(callback, Math.min(delayMs, 2 ** 31 - 1)).unref();
}
