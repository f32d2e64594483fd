/** What one rate-limit check answers for one client. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Requests allowed per interval. */
  limit: number;
  /** Requests left in the current interval (0 while blocked). */
  remaining: number;
  /** Whole seconds until the client may try again (interval reset, or end of its block). */
  resetSeconds: number;
}

interface Bucket {
  /** Start of the client's current interval (ms). */
  windowStart: number;
  used: number;
}

/**
 * The per-client budget of one rate-limit quota, kept in memory on this node only (Vault does not
 * replicate rate-limit state either). Each client address gets `limit` requests per interval; the
 * interval starts at the client's first request and restarts on its ticks, so the whole budget
 * comes back at once, as in the limiter Vault uses (sethvargo/go-limiter). A client that runs out
 * while a block interval is set is refused everything until the block ends, even if its interval
 * has reset.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly blocked = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    readonly limit: number,
    private readonly intervalMs: number,
    private readonly blockMs: number,
  ) {}

  /** Spends one request of `client`'s budget, or says how long it must wait. */
  take(client: string, now = Date.now()): RateLimitDecision {
    this.sweep(now);
    const blockedUntil = this.blocked.get(client);
    if (blockedUntil !== undefined) {
      if (now < blockedUntil) return { allowed: false, limit: this.limit, remaining: 0, resetSeconds: secondsUntil(blockedUntil, now) };
      this.blocked.delete(client);
    }
    const bucket = this.bucketOf(client, now);
    const resetSeconds = secondsUntil(bucket.windowStart + this.intervalMs, now);
    if (bucket.used >= this.limit) {
      if (this.blockMs > 0) {
        this.blocked.set(client, now + this.blockMs);
        return { allowed: false, limit: this.limit, remaining: 0, resetSeconds: secondsUntil(now + this.blockMs, now) };
      }
      return { allowed: false, limit: this.limit, remaining: 0, resetSeconds };
    }
    bucket.used++;
    return { allowed: true, limit: this.limit, remaining: this.limit - bucket.used, resetSeconds };
  }

  private bucketOf(client: string, now: number): Bucket {
    const bucket = this.buckets.get(client);
    if (!bucket) {
      const fresh = { windowStart: now, used: 0 };
      this.buckets.set(client, fresh);
      return fresh;
    }
    if (now >= bucket.windowStart + this.intervalMs) {
      // Back on the client's own ticks, so a steady client sees the same reset times.
      bucket.windowStart += Math.floor((now - bucket.windowStart) / this.intervalMs) * this.intervalMs;
      bucket.used = 0;
    }
    return bucket;
  }

  /** Forgets clients whose interval and block are over, at most once per interval (memory stays bounded by active clients). */
  private sweep(now: number): void {
    if (now - this.lastSweep < Math.max(this.intervalMs, 1000)) return;
    this.lastSweep = now;
    for (const [client, bucket] of this.buckets) if (now >= bucket.windowStart + this.intervalMs) this.buckets.delete(client);
    for (const [client, until] of this.blocked) if (now >= until) this.blocked.delete(client);
  }
}

/** Rounded up, so a client told to wait never comes back a moment too early. */
function secondsUntil(time: number, now: number): number {
  return Math.max(1, Math.ceil((time - now) / 1000));
}
