import assert from 'node:assert/strict';
import type { ApiResponse } from './http.js';

/**
 * THE error-answer assertion: the status, Vault's `{"errors": [...]}` shape (a JSON array of
 * strings), and — when given — that one of the errors matches `message` (a string: is exactly it).
 */
export function assertErrorAnswer(res: ApiResponse<unknown>, status: number, message?: RegExp | string): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status} ${res.text}`);
  const errors = (res.body as { errors?: unknown } | null)?.errors;
  assert.ok(Array.isArray(errors) && errors.every((e) => typeof e === 'string'), `expected an errors array of strings, got ${res.text}`);
  if (message !== undefined) {
    const matches = (e: string) => (typeof message === 'string' ? e === message : message.test(e));
    assert.ok(errors.some(matches), `no error matches ${typeof message === 'string' ? JSON.stringify(message) : message}: ${res.text}`);
  }
}
