import { randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { constantTimeEqual } from '../../crypto/constant-time.js';

/**
 * A stored password: scrypt parameters, salt and derived key, never the password. The parameters
 * travel with each hash so that raising the cost later leaves existing users able to log in.
 */
export interface PasswordHash {
  scheme: 'scrypt';
  /** CPU/memory cost (a power of two). */
  n: number;
  r: number;
  p: number;
  /** Base64. */
  salt: string;
  /** Base64. */
  hash: string;
}

/** 2^15 × r=8 needs 32 MiB per hash (128·N·r bytes) and takes tens of milliseconds: costly to guess, cheap to log in. */
const COST = { n: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, params: { n: number; r: number; p: number }): Promise<Buffer> {
  // Node refuses anything over 32 MiB by default, which is exactly what N=2^15, r=8 needs, plus overhead.
  const options: ScryptOptions = { N: params.n, r: params.r, p: params.p, maxmem: 256 * params.n * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST);
  return { scheme: 'scrypt', ...COST, salt: salt.toString('base64'), hash: key.toString('base64') };
}

/** Whether `password` is the one `stored` was made from; the comparison takes constant time. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const key = await derive(password, Buffer.from(stored.salt, 'base64'), stored);
  return constantTimeEqual(key, Buffer.from(stored.hash, 'base64'));
}

/**
 * A hash of a random password nobody knows. A login for an unknown user is checked against it, so
 * that it costs the same scrypt run as a wrong password for a real user and timing does not tell
 * which user names exist.
 */
export function dummyHash(): Promise<PasswordHash> {
  return hashPassword(randomBytes(32).toString('base64'));
}
