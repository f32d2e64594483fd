import type { CofferClient } from './client.js';
import { CofferApiError } from './errors.js';
import type { TokenCreateRequest } from './token.js';
import type { Secret, WrapInfo } from './types.js';
import { WrappingTokenError, type CreationPathRule } from './wrapping.js';

/** A single-use token handed to someone, and what they need to know about it. */
export interface Handoff {
  /** The wrapping token: give this, and only this, to the recipient. */
  token: string;
  /** Its accessor: lets the sender look it up or revoke it without holding the token. */
  accessor: string;
  /** Where it was made: the recipient checks this before unwrapping. */
  creationPath: string;
  ttlSeconds: number;
  expiresAt: Date;
  /** For a wrapped token: the accessor of the token inside (to revoke it later); "" otherwise. */
  wrappedAccessor: string;
}

/**
 * Hands secrets on through response wrapping: the sender gets a short-lived, single-use token
 * instead of the secret, so nothing sensitive sits in a ticket, a pod spec or a CI log, and the
 * recipient proves on receipt that nobody used it first and that it wraps what it should.
 */
export class SecretDistributor {
  constructor(
    private readonly client: CofferClient,
    private readonly defaults: { ttl?: string | number } = {},
  ) {}

  /** Wraps the answer of reading `path` (a KV secret, database credentials, a PKI issue...). */
  async shareSecret(path: string, ttl = this.defaults.ttl ?? '5m'): Promise<Handoff> {
    return handoffOf(await this.client.wrapping.wrap(path, ttl));
  }

  /** Wraps data the sender has in hand (sys/wrapping/wrap). */
  async shareData(data: Record<string, unknown>, ttl = this.defaults.ttl ?? '5m'): Promise<Handoff> {
    return handoffOf(await this.client.wrapping.wrapData(data, ttl));
  }

  /** Creates a token for a service and wraps it: the service unwraps it once and has its identity (secret zero). */
  async shareToken(params: TokenCreateRequest, options: { ttl?: string | number; role?: string; orphan?: boolean } = {}): Promise<Handoff> {
    const answer = await this.client.tokens.create(params, { role: options.role, orphan: options.orphan, wrapTTL: String(options.ttl ?? this.defaults.ttl ?? '5m') });
    if (!answer?.wrap_info) throw new Error('token create answered without wrapping');
    return handoffOf(answer.wrap_info);
  }

  /** The recipient's side: unwraps `token` after checking it was made at `expected`. */
  receive(token: string, expected: CreationPathRule): Promise<Secret> {
    return this.client.wrapping.unwrap(token, expected);
  }

  /** Whether a handed-on token is still unused (so the recipient has not received it yet). */
  async unused(token: string): Promise<boolean> {
    try {
      await this.client.wrapping.lookup(token);
      return true;
    } catch (err) {
      if (err instanceof WrappingTokenError) return false;
      throw err;
    }
  }

  /**
   * Withdraws a handoff that was not received: its wrapping token is revoked by accessor. Answers
   * false when there was nothing left to withdraw (received, expired or withdrawn already).
   */
  async withdraw(handoff: Pick<Handoff, 'accessor'>): Promise<boolean> {
    try {
      const answer = await this.client.request<Secret>('POST', 'auth/token/revoke-accessor', { body: { accessor: handoff.accessor } });
      // An accessor no token has is answered 200 with a warning, not an error: nothing was revoked.
      return !answer?.warnings?.some((warning) => /no token found/i.test(warning));
    } catch (err) {
      if (err instanceof CofferApiError && err.status === 400) return false;
      throw err;
    }
  }
}

function handoffOf(info: WrapInfo): Handoff {
  const created = Date.parse(info.creation_time);
  return {
    token: info.token,
    accessor: info.accessor,
    creationPath: info.creation_path,
    ttlSeconds: info.ttl,
    expiresAt: new Date((Number.isNaN(created) ? Date.now() : created) + info.ttl * 1000),
    wrappedAccessor: info.wrapped_accessor ?? '',
  };
}
