import { EventEmitter } from 'node:events';
import type { CofferClient } from './client.js';
import { CofferApiError } from './errors.js';
import { backgroundTimer, backoffDelayMs, DEFAULT_BACKOFF, renewalDelayMs, type Backoff } from './renewal.js';
import type { Secret } from './types.js';

export interface LeasedSecretOptions {
  /** POST this body instead of a GET (a path that takes parameters). */
  data?: Record<string, unknown>;
  /** An answer already read from the path (with its lease): kept alive instead of reading a new one. */
  initial?: Secret;
  /** Delays between failed renewals or fetches; default 1 s doubling to 30 s. */
  backoff?: Backoff;
  /** For tests: the jitter source (default Math.random). */
  random?: () => number;
}

/** The events of a leased secret, with what each carries. */
export interface LeasedSecretEvents<D> {
  /** The lease was renewed; the secret is unchanged (its lease_duration is the new TTL). */
  renewed: [Secret<D>];
  /** A new secret replaced the old one (max TTL near, not renewable, or the lease was gone): use the new value. */
  rotated: [Secret<D>, Secret<D>];
  /** A renewal or fetch failed; it is tried again with backoff. */
  error: [Error];
  closed: [];
}

/**
 * A secret with a lease (`database/creds/readonly`), kept alive: renewed at about 2/3 of its lease
 * (with jitter, never later than 90%), replaced by a new one before its max TTL (event `rotated`),
 * and revoked on close(), together with earlier ones that have not expired yet (they may still be
 * in use while the application moves to the new value, so rotation does not revoke them).
 */
export class LeasedSecret<D = Record<string, unknown>> extends EventEmitter<LeasedSecretEvents<D>> {
  private current: Secret<D>;
  /** The lease asked for at each renewal: what the first read granted. */
  private readonly increment: number;
  private readonly earlier = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;
  private expiry = 0;
  lastError: Error | undefined;

  private constructor(
    private readonly client: CofferClient,
    readonly path: string,
    first: Secret<D>,
    private readonly options: LeasedSecretOptions,
  ) {
    super();
    this.current = first;
    this.increment = first.lease_duration;
  }

  static async start<D>(client: CofferClient, path: string, options: LeasedSecretOptions = {}): Promise<LeasedSecret<D>> {
    const first = options.initial?.lease_id ? (options.initial as Secret<D>) : await fetchLeased<D>(client, path, options);
    const secret = new LeasedSecret<D>(client, path, first, options);
    secret.scheduleAfter(secret.current, 'renew');
    return secret;
  }

  /** The secret's data now (username and password for a database role). */
  get data(): D {
    return this.current.data as D;
  }

  /** The whole current answer: lease_id, lease_duration, renewable, data. */
  get secret(): Secret<D> {
    return this.current;
  }

  get leaseId(): string {
    return this.current.lease_id;
  }

  /** When the current lease expires (ms since the epoch). */
  get expiresAt(): number {
    return this.expiry;
  }

  /** Renews the lease now (sys/leases/renew), asking for the lease the first read granted. */
  async renew(): Promise<Secret<D>> {
    const answer = await this.client.request<Secret<D>>('PUT', 'sys/leases/renew', {
      body: { lease_id: this.leaseId, increment: this.increment },
      wrapTTL: null,
      idempotent: true,
    });
    if (!answer) throw new Error('sys/leases/renew answered nothing');
    // The renewal answers the lease, not the data: keep the data.
    this.current = { ...this.current, lease_duration: answer.lease_duration, renewable: answer.renewable };
    this.emit('renewed', this.current);
    this.scheduleAfter(this.current, answer.lease_duration < this.increment ? 'rotate' : 'renew');
    return this.current;
  }

  /** Fetches a new secret now; the old lease is kept until it expires or close() revokes it. */
  async rotate(): Promise<Secret<D>> {
    const fresh = await fetchLeased<D>(this.client, this.path, this.options);
    if (this.closed) {
      await this.revoke(fresh.lease_id);
      return fresh;
    }
    const old = this.current;
    this.earlier.set(old.lease_id, this.expiry);
    this.current = fresh;
    this.emit('rotated', fresh, old);
    this.scheduleAfter(fresh, 'renew');
    return fresh;
  }

  /** Stops renewing and revokes the current lease and earlier ones not yet expired. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    const now = Date.now();
    const live = [this.leaseId, ...[...this.earlier].filter(([, expiry]) => expiry > now).map(([id]) => id)];
    this.earlier.clear();
    await Promise.all(live.map((id) => this.revoke(id)));
    this.emit('closed');
  }

  private async revoke(leaseId: string): Promise<void> {
    try {
      await this.client.request('PUT', 'sys/leases/revoke', { body: { lease_id: leaseId }, wrapTTL: null, idempotent: true });
    } catch (err) {
      this.report(err);
    }
  }

  private scheduleAfter(secret: Secret<D>, next: 'renew' | 'rotate'): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.expiry = Date.now() + secret.lease_duration * 1000;
    const step = secret.renewable && next === 'renew' ? 'renew' : 'rotate';
    this.timer = backgroundTimer(() => void this.run(step), renewalDelayMs(secret.lease_duration, this.options.random));
  }

  private async run(step: 'renew' | 'rotate'): Promise<void> {
    try {
      if (step === 'renew') await this.renew();
      else await this.rotate();
      this.failures = 0;
    } catch (err) {
      this.report(err);
      if (this.closed) return;
      // A lease the server no longer has (revoked behind our back) cannot be renewed: fetch a new secret.
      const gone = step === 'renew' && err instanceof CofferApiError && err.status === 400;
      this.failures++;
      const delay = gone ? 0 : backoffDelayMs(this.failures, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random);
      const retry = gone || Date.now() + delay >= this.expiry ? 'rotate' : step;
      this.timer = backgroundTimer(() => void this.run(retry), delay);
    }
  }

  private report(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.lastError = error;
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}

async function fetchLeased<D>(client: CofferClient, path: string, options: LeasedSecretOptions): Promise<Secret<D>> {
  const answer = options.data
    ? await client.request<Secret<D>>('POST', path, { body: options.data, wrapTTL: null })
    : // Not resent on failure: a read whose answer was lost may still have made a credential.
      await client.request<Secret<D>>('GET', path, { wrapTTL: null, cache: false, idempotent: false });
  if (!answer?.lease_id) throw new Error(`${path} answered no lease: it is not a leased secret`);
  return answer;
}
