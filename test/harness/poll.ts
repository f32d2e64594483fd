/** Options of `poll`. */
export interface PollOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 25 ms). */
  intervalMs?: number;
  /** More context for the failure message (say, a server's output so far). */
  detail?: () => string;
}

/**
 * THE wait-until helper: calls `probe` until it gives something other than undefined, false or
 * null, and answers that. A probe may throw to fail at once (say, "the process exited"). On
 * timeout it fails with `what`, the last value or error seen, and `detail()`.
 */
export async function poll<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, options: PollOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 25 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadline) {
      const detail = options.detail?.();
      throw new Error(`${what}: not so within ${timeoutMs} ms${detail ? `\n${detail}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
