import assert from 'node:assert/strict';
import { assertErrorAnswer } from '../harness/errors.js';
import type { ApiOptions, ApiResponse } from '../harness/http.js';
import { assertNoContent, closingApi } from '../sys/fixture.js';

// Shared vocabulary of the rate-limit quota tests (https://developer.hashicorp.com/vault/api-docs/system/rate-limit-quotas).

/** Vault's error for a request over its quota. */
export const QUOTA_EXCEEDED = /^request path ".*": rate limit quota exceeded$/;

let nextHost = 10;

/**
 * A client at its own loopback address (127.0.0.10, .11, ...): rate limits count per client
 * address, so each test gets budgets no other test has touched.
 */
export class Client {
  readonly localAddress: string;

  constructor(
    readonly address: string,
    readonly token?: string,
  ) {
    assert.ok(nextHost < 255, 'out of loopback addresses for quota clients');
    this.localAddress = `127.0.0.${nextHost++}`;
  }

  request<T = Record<string, unknown>>(method: string, path: string, options: ApiOptions = {}): Promise<ApiResponse<T>> {
    return closingApi<T>(this.address, method, path, { token: this.token, ...options, localAddress: this.localAddress });
  }

  /** A read of `path` (404 for a missing secret is fine: quotas do not care what the handler says). */
  read(path: string): Promise<ApiResponse> {
    return this.request('GET', path);
  }
}

/** Writes a rate-limit quota (as a fresh admin client, so the admin's own budget never runs out). */
export async function writeQuota(address: string, rootToken: string, name: string, body: Record<string, unknown>): Promise<void> {
  assertNoContent(await new Client(address, rootToken).request('POST', `sys/quotas/rate-limit/${name}`, { body }), `write quota ${name}`);
}

export async function deleteQuota(address: string, rootToken: string, name: string): Promise<void> {
  assertNoContent(await new Client(address, rootToken).request('DELETE', `sys/quotas/rate-limit/${name}`), `delete quota ${name}`);
}

export async function writeQuotaConfig(address: string, rootToken: string, body: Record<string, unknown>): Promise<void> {
  assertNoContent(await new Client(address, rootToken).request('POST', 'sys/quotas/config', { body }), 'write quota config');
}

/** Asserts a 429 from a rate limit with a Retry-After of 1..`maxRetryAfter` seconds. */
export function assertRateLimited(res: ApiResponse<unknown>, maxRetryAfter: number): void {
  assertErrorAnswer(res, 429, QUOTA_EXCEEDED);
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= maxRetryAfter, `Retry-After ${res.headers.get('retry-after')} not in 1..${maxRetryAfter}`);
}

/** Asserts the request got through the quota (any status but 429). */
export function assertAdmitted(res: ApiResponse<unknown>, what: string): void {
  assert.notEqual(res.status, 429, `${what}: refused by a rate limit: ${res.text}`);
}
