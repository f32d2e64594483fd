import assert from 'node:assert/strict';
import type { ApiResponse } from './http.js';

/**
 * THE error-answer assertion: the status, Vault's `{"errors": [...]}` shape (a JSON array of
 * strings), and — when given — that one of the errors matches `message`.
 */
export function assertErrorAnswer(res: ApiResponse<unknown>, status: number, message?: RegExp): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status} ${res.text}`);
  const errors = (res.body as { errors?: unknown } | null)?.errors;
  assert.ok(Array.isArray(errors) && errors.every((e) => typeof e === 'string'), `expected an errors array of strings, got ${res.text}`);
  if (message) assert.ok(errors.some((e) => message.test(e)), `no error matches ${message}: ${res.text}`);
}
