/** Options of `poll`. */
export interface PollOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 25 ms). */
  intervalMs?: number;
  /** More context for the failure message (say, a server's output so far). */
  detail?: () => string;
}

/** What `poll` throws when its deadline passes, so a caller that counts give-ups can tell it from a probe's own failure. */
export class PollTimeout extends Error {
  override name = 'PollTimeout';
}

/**
 * THE wait-until helper: calls `probe` until it gives something other than undefined, false or
 * null, and answers that. A probe may throw to fail at once (say, "the process exited"). On
 * timeout it throws a PollTimeout naming `what`, and `detail()`.
 */
export async function poll<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, options: PollOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 25 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadline) {
      const detail = options.detail?.();
      throw new PollTimeout(`${what}: not so within ${timeoutMs} ms${detail ? `\n${detail}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Waits until the wall clock reaches `at` (ms since the epoch). Only for tests where time itself
 * must pass — a TOTP step, a rate-limit interval, a TTL — and no server state can be polled instead.
 */
export async function clockReaches(at: number, what = 'the clock'): Promise<void> {
  await poll(`${what} to reach ${new Date(at).toISOString()}`, () => Date.now() >= at, {
    timeoutMs: Math.max(0, at - Date.now()) + 5_000,
    intervalMs: Math.max(1, Math.min(100, at - Date.now())),
  });
}
