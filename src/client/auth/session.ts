import { EventEmitter } from 'node:events';
import type { CofferClient } from '../client.js';
import { CofferApiError } from '../errors.js';
import { backgroundTimer, backoffDelayMs, DEFAULT_BACKOFF, renewalDelayMs, type Backoff } from '../renewal.js';
import type { AuthInfo, Secret } from '../types.js';
import { LoginNotRepeatable, type LoginMethod } from './methods.js';

export interface AuthSessionOptions {
  /** Delays between failed renewals or logins; default 1 s doubling to 30 s. */
  backoff?: Backoff;
  /** For tests: the jitter source (default Math.random). */
  random?: () => number;
}

/** The events of a session, with what each carries. */
export interface AuthSessionEvents {
  /** The token was renewed (the new auth block: its lease_duration is the new TTL). */
  renewed: [AuthInfo];
  /** A new login replaced the token (not renewable, max TTL reached, or gone). */
  reauthenticated: [AuthInfo];
  /** A renewal or login failed; the session tries again with backoff unless it cannot. */
  error: [Error];
  /** close() finished. */
  closed: [];
}

type Next = 'renew' | 'login';

/**
 * A logged-in token kept alive. It renews the token at about 2/3 of its TTL (with jitter, never
 * later than 90%), logs in again when the token is not renewable or the server stops extending it
 * (its max TTL is near), and recovers when the token turns out to be gone. The client it belongs
 * to sends its token. `error` is emitted only when someone listens (an unheard EventEmitter error
 * would crash the process from a timer); `lastError` keeps the latest either way.
 */
export class AuthSession extends EventEmitter<AuthSessionEvents> {
  private current: AuthInfo;
  /** The TTL asked for at each renewal: what the login granted. */
  private readonly increment: number;
  private timer: NodeJS.Timeout | undefined;
  private relogin: Promise<boolean> | undefined;
  private failures = 0;
  private closed = false;
  private expiry: number | undefined;
  lastError: Error | undefined;

  private constructor(
    private readonly client: CofferClient,
    readonly method: LoginMethod,
    auth: AuthInfo,
    private readonly options: AuthSessionOptions,
  ) {
    super();
    this.current = auth;
    this.increment = auth.lease_duration;
  }

  /** Logs in with `method` (once; a failure is the caller's) and starts the schedule. */
  static async start(client: CofferClient, method: LoginMethod, options: AuthSessionOptions = {}): Promise<AuthSession> {
    const auth = await method.login(client);
    const session = new AuthSession(client, method, auth, options);
    client.token = auth.client_token;
    session.scheduleAfter(auth, 'renew');
    return session;
  }

  /** The token in use now. */
  get token(): string {
    return this.current.client_token;
  }

  /** The auth block of the latest login or renewal. */
  get auth(): AuthInfo {
    return this.current;
  }

  /** When the token expires (ms since the epoch), or undefined when it never does. */
  get expiresAt(): number | undefined {
    return this.expiry;
  }

  /** Renews the token now (auth/token/renew-self), asking for the TTL the login granted. */
  async renew(): Promise<AuthInfo> {
    const body = this.increment > 0 ? { increment: this.increment } : {};
    const answer = await this.client.request<Secret>('POST', 'auth/token/renew-self', { body, token: this.token, wrapTTL: null, idempotent: true });
    const auth = answer?.auth;
    if (!auth) throw new Error('renew-self answered no auth block');
    // A renewal keeps the token; some servers leave client_token out of the answer.
    this.current = { ...auth, client_token: auth.client_token || this.token };
    this.emit('renewed', this.current);
    // The server gave less than asked: the max TTL is near, so the next step is a new login.
    this.scheduleAfter(this.current, auth.lease_duration < this.increment ? 'login' : 'renew');
    return this.current;
  }

  /** Logs in again now; concurrent callers share one login. Answers whether a new token was obtained. */
  reauthenticate(): Promise<boolean> {
    this.relogin ??= this.loginAgain().finally(() => (this.relogin = undefined));
    return this.relogin;
  }

  /**
   * Called by the client when `usedToken` was refused with 403. If that token is gone (lookup-self
   * refuses it too), logs in again and answers true so the request is resent once; if it is still
   * valid, the refusal was a real "permission denied" and this answers false.
   */
  async recover(usedToken: string): Promise<boolean> {
    if (this.closed) return false;
    if (usedToken !== this.token) return true; // another request already logged in again
    try {
      await this.client.request('GET', 'auth/token/lookup-self', { token: usedToken, wrapTTL: null, cache: false });
      return false;
    } catch (err) {
      if (!(err instanceof CofferApiError && err.status === 403)) return false;
    }
    // A concurrent request may have logged in again while this one looked its token up.
    if (usedToken !== this.token) return true;
    return this.reauthenticate();
  }

  /** Stops the timers; with `revoke`, revokes the token too (errors doing so are ignored: it is going away). */
  async close(options: { revoke?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    if (options.revoke) {
      await this.client.request('POST', 'auth/token/revoke-self', { token: this.token, wrapTTL: null }).catch(() => undefined);
    }
    this.emit('closed');
  }

  private async loginAgain(): Promise<boolean> {
    if (this.closed) return false;
    const previous = this.token;
    try {
      const auth = await this.method.login(this.client);
      if (this.closed) return false;
      this.current = auth;
      this.failures = 0;
      this.client.adoptSessionToken(this, previous);
      this.emit('reauthenticated', auth);
      this.scheduleAfter(auth, 'renew');
      return true;
    } catch (err) {
      this.fail(err, 'login');
      return false;
    }
  }

  /** Plans the next step for a token whose auth block is `auth`. */
  private scheduleAfter(auth: AuthInfo, next: Next): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    const ttl = auth.lease_duration;
    if (!ttl) {
      this.expiry = undefined;
      // A renewal that granted nothing: log in now. A login without a TTL (root) needs nothing.
      if (next === 'login') this.timer = backgroundTimer(() => void this.run('login'), 0);
      return;
    }
    this.expiry = Date.now() + ttl * 1000;
    const step = auth.renewable && next === 'renew' ? 'renew' : 'login';
    this.timer = backgroundTimer(() => void this.run(step), renewalDelayMs(ttl, this.options.random));
  }

  private async run(step: Next): Promise<void> {
    if (step === 'login') {
      await this.reauthenticate();
      return;
    }
    try {
      await this.renew();
      this.failures = 0;
    } catch (err) {
      // A token the server no longer knows cannot be renewed: log in again at once.
      if (err instanceof CofferApiError && err.status === 403) await this.reauthenticate();
      else this.fail(err, 'renew');
    }
  }

  private fail(err: unknown, during: Next): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.lastError = error;
    if (this.listenerCount('error') > 0) this.emit('error', error);
    if (this.closed || err instanceof LoginNotRepeatable) return;
    this.failures++;
    const delay = backoffDelayMs(this.failures, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random);
    // Renewing a token that will have expired by then is pointless: log in instead.
    const step: Next = during === 'renew' && this.expiry !== undefined && Date.now() + delay < this.expiry ? 'renew' : 'login';
    clearTimeout(this.timer);
    this.timer = backgroundTimer(() => void this.run(step), delay);
  }
}
