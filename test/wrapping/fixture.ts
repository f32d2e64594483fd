import assert from 'node:assert/strict';
import type { ApiResponse } from '../harness/http.js';
import { clockReaches } from '../harness/poll.js';
import { closingApi, type Api } from '../sys/fixture.js';

export { metricSample } from '../harness/prometheus.js';

// Shared vocabulary of the response-wrapping tests (https://developer.hashicorp.com/vault/docs/concepts/response-wrapping).

/** Vault's one answer for a wrapping token that was used, expired, revoked or never existed. */
export const INVALID_WRAPPING_TOKEN = 'wrapping token is not valid or does not exist';

import type { WrapInfo } from '../../src/framework/types.js';

export type { WrapInfo };

/** Vault's response envelope, as far as these tests look at it. */
export interface Envelope {
  data: Record<string, unknown> | null;
  auth: { client_token: string; accessor: string; policies: string[] } | null;
  wrap_info: WrapInfo | null;
  lease_id?: string;
  errors?: string[];
}

/** Vault's RFC 3339 timestamps, with or without fractional seconds and zone offset. */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A wrapped answer: status 200, nothing but wrap_info; returns the wrap_info. */
export function expectWrapped(res: ApiResponse<Envelope>, what: string): WrapInfo {
  assert.equal(res.status, 200, `${what}: expected 200, got ${res.status} ${res.text}`);
  assert.equal(res.body.data, null, `${what}: a wrapped answer carries no data: ${res.text}`);
  assert.equal(res.body.auth, null, `${what}: a wrapped answer carries no auth: ${res.text}`);
  const wrap = res.body.wrap_info;
  assert.ok(wrap && typeof wrap.token === 'string' && wrap.token.length > 0, `${what}: no wrap_info.token: ${res.text}`);
  return wrap;
}

/** Asserts Vault's 400 for an unusable wrapping token, with exactly its message. */
export function expectInvalidWrappingToken(res: ApiResponse<unknown>, what: string): void {
  assert.equal(res.status, 400, `${what}: expected 400, got ${res.status} ${res.text}`);
  assert.deepEqual(res.body, { errors: [INVALID_WRAPPING_TOKEN] }, `${what}: ${res.text}`);
}

/** Client for one server: every call over its own connection (in-process servers then close promptly). */
export function clientFor(address: string, call: Api = closingApi) {
  return {
    call: <T = Envelope>(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
      call<T>(address, method, path, options),
    /** A request answered wrapped for `ttl`. */
    wrapped: (method: string, path: string, ttl: string, options: { token?: string; body?: unknown } = {}) =>
      call<Envelope>(address, method, path, { ...options, headers: { 'X-Vault-Wrap-TTL': ttl } }),
    /** sys/wrapping/unwrap with the wrapping token in the body, authenticated as `caller`. */
    unwrap: (wrappingToken: string, caller: string) =>
      call<Envelope>(address, 'POST', 'sys/wrapping/unwrap', { token: caller, body: { token: wrappingToken } }),
    /** sys/wrapping/unwrap authenticated by the wrapping token itself, empty body. */
    unwrapSelf: (wrappingToken: string) => call<Envelope>(address, 'POST', 'sys/wrapping/unwrap', { token: wrappingToken }),
    /** sys/wrapping/wrap of `data` as `caller`, for `ttl`. */
    wrap: async (data: Record<string, unknown>, caller: string, ttl = '5m') =>
      expectWrapped(await call<Envelope>(address, 'POST', 'sys/wrapping/wrap', { token: caller, body: data, headers: { 'X-Vault-Wrap-TTL': ttl } }), 'sys/wrapping/wrap'),
  };
}

/**
 * Waits until the wall clock is past a wrapping token's expiry (creation_time + ttl) plus a margin.
 * This waits for time itself, not for server state (the tests then prove what the server does with
 * a token past its expiry), so it waits on the clock.
 */
export async function untilExpired(wrap: WrapInfo, marginMs = 250): Promise<void> {
  const expiresAt = Date.parse(wrap.creation_time) + wrap.ttl * 1000 + marginMs;
  assert.ok(Number.isFinite(expiresAt), `creation_time is not a time: ${wrap.creation_time}`);
  await clockReaches(expiresAt, 'the clock to pass the wrapping token\'s expiry');
}

/** GET sys/metrics?format=prometheus as `token`; returns the response (text in `.text`). */
export function prometheusText(address: string, token: string, call: Api = closingApi): Promise<ApiResponse<unknown>> {
  return call(address, 'GET', 'sys/metrics?format=prometheus', { token });
}
