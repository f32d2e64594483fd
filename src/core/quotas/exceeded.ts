import { CofferError } from '../../framework/errors.js';

/**
 * 429 for a request over its rate-limit quota, with the headers the HTTP layer sends with it
 * (Retry-After always; X-Ratelimit-* when sys/quotas/config enables them).
 */
export class RateLimitExceeded extends CofferError {
  constructor(
    path: string,
    headers: Record<string, string>,
    /** Whether sys/quotas/config asks for refused requests in the audit log (off by default, as in Vault). */
    readonly audited: boolean,
  ) {
    super('rate_limited', `request path ${JSON.stringify(path)}: rate limit quota exceeded`, { headers });
    this.name = 'RateLimitExceeded';
  }
}
