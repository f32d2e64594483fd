import type { CofferClient } from './client.js';
import { CofferApiError } from './errors.js';
import type { Secret, WrapInfo } from './types.js';

/** What sys/wrapping/lookup tells about a wrapping token without using it up. */
export interface WrappingLookup {
  /** The path whose response the token wraps (auth/token/create, auth/approle/role/web/secret-id...). */
  creation_path: string;
  creation_time: string;
  /** Seconds the token lives from its creation. */
  creation_ttl: number;
}

/**
 * Where a wrapping token must have been made: an exact path ("auth/token/create"), a path ending
 * in "*" as a prefix (as in policies), a RegExp, or a predicate.
 */
export type CreationPathRule = string | RegExp | ((creationPath: string) => boolean);

/**
 * A wrapping token that must not be used: it does not exist (already unwrapped — perhaps by
 * someone who intercepted it — or expired) or was made at another path than expected (a token
 * swapped for one wrapping something else). Either is worth an alert: `reason` tells which.
 */
export class WrappingTokenError extends Error {
  override readonly name = 'WrappingTokenError';

  constructor(
    readonly reason: 'invalid' | 'creation_path',
    message: string,
    /** The creation path the token had, when it had one. */
    readonly creationPath?: string,
    /**
     * Why the server refused it, when it says (Coffer's X-Coffer-Wrapping-Failure header):
     * already_used (someone unwrapped it first), expired, or invalid (never issued, or forgotten).
     */
    readonly failure?: WrappingFailure,
  ) {
    super(message);
  }
}

export type WrappingFailure = 'already_used' | 'expired' | 'invalid';

/** The refusal of a wrapping token, with the server's reason when it gave one. */
function refused(err: CofferApiError, message: string, creationPath?: string): WrappingTokenError {
  const header = err.headers['x-coffer-wrapping-failure'];
  const failure = header === 'already_used' || header === 'expired' || header === 'invalid' ? header : undefined;
  const why = failure ? ` (${failure.replace('_', ' ')})` : '';
  return new WrappingTokenError('invalid', `${message}${why}`, creationPath, failure);
}

/** Response wrapping (sys/wrapping/*), as `client.wrapping`. */
export class WrappingClient {
  constructor(private readonly client: CofferClient) {}

  /** Reads `path` wrapped: the answer is a single-use token for it, valid for `ttl`. */
  async wrap(path: string, ttl: string | number, options: { data?: Record<string, unknown>; method?: 'GET' | 'POST' } = {}): Promise<WrapInfo> {
    const method = options.method ?? (options.data ? 'POST' : 'GET');
    const answer = await this.client.request<Secret>(method, path, { body: options.data, wrapTTL: ttl, cache: false });
    return wrapInfoOf(answer, path);
  }

  /** Wraps `data` itself (sys/wrapping/wrap): a single-use token that unwraps to exactly this data. */
  async wrapData(data: Record<string, unknown>, ttl: string | number = '5m'): Promise<WrapInfo> {
    const answer = await this.client.request<Secret>('POST', 'sys/wrapping/wrap', { body: data, wrapTTL: ttl });
    return wrapInfoOf(answer, 'sys/wrapping/wrap');
  }

  /** Looks a wrapping token up without using it (sent in the body, as Vault's CLI does). */
  async lookup(token: string): Promise<WrappingLookup> {
    try {
      const answer = await this.client.request<Secret<WrappingLookup>>('POST', 'sys/wrapping/lookup', { body: { token }, token: null, wrapTTL: null });
      if (!answer?.data) throw new WrappingTokenError('invalid', 'wrapping token lookup answered no data');
      return answer.data;
    } catch (err) {
      if (err instanceof CofferApiError && err.status === 400) throw refused(err, 'wrapping token is not valid or does not exist');
      throw err;
    }
  }

  /**
   * Unwraps a token after checking, with a lookup that does not use it up, that it was made at a
   * path `expected` allows. Refuses (WrappingTokenError) a token that is gone or was made
   * elsewhere; the token is then left untouched, for whoever investigates.
   */
  async unwrap(token: string, expected: CreationPathRule): Promise<Secret> {
    const { creation_path: creationPath } = await this.lookup(token);
    if (!creationPathAllowed(creationPath, expected)) {
      throw new WrappingTokenError('creation_path', `wrapping token was created at "${creationPath}", not where expected (${describeRule(expected)})`, creationPath);
    }
    try {
      const answer = await this.client.unwrap(token);
      if (!answer) throw new WrappingTokenError('invalid', 'unwrap answered nothing');
      return answer;
    } catch (err) {
      // Someone else unwrapped it between our lookup and our unwrap.
      if (err instanceof CofferApiError && err.status === 400) throw refused(err, 'wrapping token was used up before it could be unwrapped', creationPath);
      throw err;
    }
  }

  /** Exchanges a wrapping token for a new one wrapping the same response (the old one is used up). */
  async rewrap(token: string): Promise<WrapInfo> {
    const answer = await this.client.request<Secret>('POST', 'sys/wrapping/rewrap', { body: { token }, wrapTTL: null });
    return wrapInfoOf(answer, 'sys/wrapping/rewrap');
  }
}

/** Whether `creationPath` satisfies the rule. */
export function creationPathAllowed(creationPath: string, rule: CreationPathRule): boolean {
  const path = creationPath.replace(/^\/+|\/+$/g, '');
  if (typeof rule === 'function') return rule(path);
  if (rule instanceof RegExp) return rule.test(path);
  const wanted = rule.replace(/^\/+/, '');
  return wanted.endsWith('*') ? path.startsWith(wanted.slice(0, -1)) : path === wanted.replace(/\/+$/, '');
}

function describeRule(rule: CreationPathRule): string {
  if (typeof rule === 'function') return 'a creation-path check';
  return rule instanceof RegExp ? String(rule) : `"${rule}"`;
}

function wrapInfoOf(answer: Secret | undefined, path: string): WrapInfo {
  if (!answer?.wrap_info) throw new Error(`${path} answered without wrapping (the server or a policy did not wrap it)`);
  return answer.wrap_info;
}
