import { isRetryable } from './errors.js';

/** The opt-in read cache of a client (`new CofferClient({ cache: {...} })`). */
export interface CacheOptions {
  /** At most this many answers are kept (least recently used go first); default 1,000. */
  maxEntries?: number;
  /** At most this many bytes of answers are kept; default 16 MiB. */
  maxBytes?: number;
  /** How long an answer is served from memory; default 30 s (a shorter lease_duration wins). */
  ttlMs?: number;
  /**
   * Stale-if-error: for this long after an answer expired, a read that fails because the server
   * is unreachable, overloaded or failing (a retryable error) is answered from the expired copy.
   * 0 (the default) never serves a stale answer.
   */
  maxStaleMs?: number;
  /** Which paths may be cached; default: everything outside sys/ and auth/. */
  cacheable?: (path: string) => boolean;
}

/** Counters of a cache, for tests and metrics. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Answers served from an expired copy because the server could not answer. */
  stale: number;
  entries: number;
  bytes: number;
}

/** What a fetch for the cache answered: the body, and how long it may be kept (undefined: not at all). */
export interface Fetched {
  text: string;
  ttlMs: number | undefined;
}

interface Entry {
  /** The answer's bytes: a Buffer so it can be zeroed when dropped (a string cannot). */
  body: Buffer;
  path: string;
  list: boolean;
  expiresAt: number;
}

const DEFAULTS = { maxEntries: 1000, maxBytes: 16 * 1024 * 1024, ttlMs: 30_000, maxStaleMs: 0 };

/**
 * Answers of GET requests, in memory only, keyed by token, namespace, path and query. Concurrent
 * reads of one key make one request (single flight). The client stores only answers without a
 * lease, a token or a wrapping token; a write through the client drops the answers it changes.
 * Why not lru-cache: its fetch() answers a stale value on any rejection (a 403 or 404 must never be
 * answered from memory) and cannot bound staleness; the LRU order itself is a Map's insertion order.
 */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly settings: Required<Omit<CacheOptions, 'cacheable'>>;
  readonly cacheable: (path: string) => boolean;
  private bytes = 0;
  /** Bumped by every invalidation, so a read that started before one does not store what it read. */
  private generation = 0;
  private readonly counters = { hits: 0, misses: 0, stale: 0 };
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: CacheOptions = {}) {
    this.settings = {
      maxEntries: options.maxEntries ?? DEFAULTS.maxEntries,
      maxBytes: options.maxBytes ?? DEFAULTS.maxBytes,
      ttlMs: options.ttlMs ?? DEFAULTS.ttlMs,
      maxStaleMs: options.maxStaleMs ?? DEFAULTS.maxStaleMs,
    };
    this.cacheable = options.cacheable ?? ((path) => !/^\/*(sys|auth)\//.test(path));
    // Plaintext past its last possible use does not wait for the next read to be dropped.
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, this.settings.ttlMs)).unref();
  }

  get stats(): CacheStats {
    return { ...this.counters, entries: this.entries.size, bytes: this.bytes };
  }

  /** The answer for `key`: from memory while fresh, else from `fetch` (once for all concurrent callers). */
  read(key: string, path: string, list: boolean, fetch: () => Promise<Fetched>): Promise<string> {
    const entry = this.entries.get(key);
    const now = Date.now();
    if (entry && now < entry.expiresAt) {
      this.counters.hits++;
      this.entries.delete(key);
      this.entries.set(key, entry);
      return Promise.resolve(entry.body.toString('utf8'));
    }
    const pending = this.inflight.get(key);
    if (pending) {
      this.counters.hits++;
      return pending;
    }
    this.counters.misses++;
    const startedAt = this.generation;
    const flight = fetch()
      .then(
        (fetched) => {
          if (fetched.ttlMs !== undefined && fetched.ttlMs > 0 && this.generation === startedAt) this.store(key, path, list, fetched.text, fetched.ttlMs);
          else this.drop(key);
          return fetched.text;
        },
        (err: unknown) => {
          const kept = this.entries.get(key);
          if (kept && isRetryable(err) && Date.now() - kept.expiresAt <= this.settings.maxStaleMs) {
            this.counters.stale++;
            return kept.body.toString('utf8');
          }
          // A refusal or a 404 means the copy is wrong now, not just old.
          this.drop(key);
          throw err;
        },
      )
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, flight);
    return flight;
  }

  /**
   * Drops what a write to `path` may have changed: answers for the same secret (KV v2's data/ and
   * metadata/ forms are one secret) and listings of the folders above it.
   */
  invalidate(path: string): void {
    this.generation++;
    const written = secretOf(path);
    for (const [key, entry] of this.entries) {
      const cached = secretOf(entry.path);
      if (cached === written || (entry.list && written.startsWith(cached))) this.drop(key);
    }
  }

  /** Drops every answer under a path prefix ("" for all). */
  invalidatePrefix(prefix: string): void {
    this.generation++;
    const clean = prefix.replace(/^\/+/, '');
    for (const [key, entry] of this.entries) if (entry.path.startsWith(clean)) this.drop(key);
  }

  /** Zeroes and drops everything and stops the sweeper; the cache stays usable (empty). */
  clear(): void {
    this.generation++;
    for (const key of [...this.entries.keys()]) this.drop(key);
  }

  close(): void {
    this.clear();
    clearInterval(this.sweeper);
  }

  private store(key: string, path: string, list: boolean, text: string, ttlMs: number): void {
    const body = Buffer.from(text, 'utf8');
    if (body.length > this.settings.maxBytes) return;
    this.drop(key);
    this.entries.set(key, { body, path: path.replace(/^\/+/, ''), list, expiresAt: Date.now() + Math.min(ttlMs, this.settings.ttlMs) });
    this.bytes += body.length;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.settings.maxEntries && this.bytes <= this.settings.maxBytes) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.body.length;
    entry.body.fill(0);
  }

  private sweep(): void {
    const cutoff = Date.now() - this.settings.maxStaleMs;
    for (const [key, entry] of this.entries) if (entry.expiresAt < cutoff) this.drop(key);
  }
}

/** A path with KV v2's operation segment folded (secret/data/a and secret/metadata/a are one secret). */
function secretOf(path: string): string {
  return path.replace(/^\/+|\/+$/g, '').replace(/^([^/]+(?:\/[^/]+)*?)\/(data|metadata|delete|undelete|destroy|subkeys)(\/|$)/, '$1/*$3');
}
