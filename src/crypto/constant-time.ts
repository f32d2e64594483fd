import { timingSafeEqual } from 'node:crypto';
import { toBytes } from './bytes.js';

/**
 * Compares two secrets without leaking, through timing, where they first differ. Unequal lengths
 * return false at once: lengths of hashes and tokens are public.
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const left = toBytes(a);
  const right = toBytes(b);
  return left.byteLength === right.byteLength && timingSafeEqual(left, right);
}
