import { createHmac, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Vault's prefix for service tokens; secret scanners and clients recognise tokens by it. */
export const SERVICE_TOKEN_PREFIX = 'hvs.';

/** 62^43 > 2^256, so 43 base62 digits hold any 256-bit number. */
const TOKEN_DIGITS = 43;
/** Vault's accessors are 24 base62 characters. */
const ACCESSOR_LENGTH = 24;

/** The length of every token newServiceToken makes (Vault's otp_length for generate-root equals it). */
export const SERVICE_TOKEN_LENGTH = SERVICE_TOKEN_PREFIX.length + TOKEN_DIGITS;

/** A new service token: 256 random bits in base62 after Vault's "hvs." prefix. */
export function newServiceToken(): string {
  let n = BigInt(`0x${randomBytes(32).toString('hex')}`);
  let digits = '';
  for (let i = 0; i < TOKEN_DIGITS; i++) {
    digits = BASE62[Number(n % 62n)] + digits;
    n /= 62n;
  }
  return SERVICE_TOKEN_PREFIX + digits;
}

/** A new accessor: 24 uniformly random base62 characters. */
export function newAccessor(): string {
  return randomBase62(ACCESSOR_LENGTH);
}

/** `length` uniformly random base62 characters (rejection sampling keeps them unbiased). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(32)) {
      // 248 = 4 * 62: bytes above would favour the first digits.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** HMAC-SHA256 of a value under the store's salt, hex: what storage keys are named by instead of secrets. */
export function saltedHash(salt: Uint8Array, value: string): string {
  return createHmac('sha256', salt).update(value, 'utf8').digest('hex');
}
