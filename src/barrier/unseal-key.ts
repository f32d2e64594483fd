import { combine, split } from 'shamir-secret-sharing';
import { AeadOpenError, KEY_BYTES, open, seal } from '../crypto/aead.js';
import { randomKey } from '../crypto/random.js';
import { zeroize } from '../crypto/zeroize.js';
import { KmsUnwrapError, type Kms } from '../kms/kms.js';

/** Largest share count and threshold: GF(256) has 255 usable x coordinates. */
export const MAX_SHARES = 255;

/** First byte of a root key wrapped by an unseal key, so the format can change without guessing. */
const WRAP_FORMAT = 1;
/** Additional data prefix: what the unseal key may wrap, and nothing else. */
const PURPOSE = 'coffer/seal/shamir/unseal-key/v1:';

/**
 * The Shamir seal's wrapping key: the unseal key, reconstructed from shares, wraps the barrier's
 * root key with XChaCha20-Poly1305. It implements `Kms` so the barrier treats it like any other
 * seal; it lives only for one initialization or one unseal and is destroyed right after.
 */
export class UnsealKeyKms implements Kms {
  readonly type = 'shamir';
  /** Not a fingerprint of the key: a Shamir store has one unseal key at a time, so a fixed id says all. */
  readonly keyId = 'shamir';
  private key: Buffer | undefined;

  /** Keeps a copy of `unsealKey`; the caller wipes its own. */
  constructor(unsealKey: Uint8Array) {
    if (unsealKey.byteLength !== KEY_BYTES) throw new KmsUnwrapError('shamir', `the unseal key must be ${KEY_BYTES} bytes, got ${unsealKey.byteLength}`);
    this.key = Buffer.from(unsealKey);
  }

  async wrap(plaintextKey: Uint8Array, aad: string): Promise<Uint8Array> {
    return Buffer.concat([Buffer.of(WRAP_FORMAT), seal(this.current(), plaintextKey, PURPOSE + aad)]);
  }

  async unwrap(wrapped: Uint8Array, aad: string): Promise<Uint8Array> {
    if (wrapped[0] !== WRAP_FORMAT) throw new KmsUnwrapError(this.keyId, `unknown wrap format ${wrapped[0]}`);
    try {
      return open(this.current(), wrapped.subarray(1), PURPOSE + aad);
    } catch (err) {
      // Wrong shares combine into some other 32 bytes: this is where that is noticed.
      if (err instanceof AeadOpenError) throw new KmsUnwrapError(this.keyId, 'the unseal key shares do not reconstruct the unseal key');
      throw err;
    }
  }

  /** Zeroizes the unseal key. */
  destroy(): void {
    zeroize(this.key);
    this.key = undefined;
  }

  private current(): Buffer {
    if (!this.key) throw new Error('the unseal key has been destroyed');
    return this.key;
  }
}

/**
 * A fresh random unseal key and its shares. With one share (threshold 1) the share is the key
 * itself, as in Vault; otherwise Shamir's scheme over GF(256) (the audited shamir-secret-sharing
 * library): each share is 33 bytes, the last one its x coordinate.
 */
export async function newUnsealKeyShares(shares: number, threshold: number): Promise<{ unsealKey: Buffer; shares: Buffer[] }> {
  const unsealKey = randomKey();
  if (shares === 1) return { unsealKey, shares: [Buffer.from(unsealKey)] };
  // The library accepts plain Uint8Arrays only (not Buffer): hand it a copy and wipe it after.
  const secret = new Uint8Array(unsealKey);
  try {
    const parts = await split(secret, shares, threshold);
    const out = parts.map((part) => Buffer.from(part));
    zeroize(...parts);
    return { unsealKey, shares: out };
  } finally {
    zeroize(secret);
  }
}

/** The unseal key from `threshold` shares (or the key itself for a 1-of-1 seal). Wrong shares give a wrong key, not an error. */
export async function combineUnsealKey(shares: Buffer[]): Promise<Buffer> {
  if (shares.length === 1) return Buffer.from(shares[0]!);
  const plain = shares.map((share) => new Uint8Array(share));
  try {
    const combined = await combine(plain);
    const unsealKey = Buffer.from(combined);
    zeroize(combined);
    return unsealKey;
  } finally {
    zeroize(...plain);
  }
}

/**
 * Vault's rules for secret_shares / secret_threshold; the message to answer with 400, or undefined
 * when they are acceptable.
 */
export function checkShamirConfig(shares: number, threshold: number): string | undefined {
  if (!Number.isSafeInteger(shares) || shares < 1) return 'invalid seal configuration: number of shares must be at least one';
  if (!Number.isSafeInteger(threshold) || threshold < 1) return 'invalid seal configuration: threshold must be at least one';
  if (shares > MAX_SHARES) return `invalid seal configuration: number of shares must be at most ${MAX_SHARES}`;
  if (threshold > shares) return 'invalid seal configuration: threshold cannot be larger than the number of shares';
  if (shares > 1 && threshold === 1) return 'invalid seal configuration: threshold must be greater than one for multiple shares';
  return undefined;
}

/** A share as an operator types it: hex (Vault's `keys`) or base64 (`keys_base64`). Undefined when it is neither. */
export function decodeShare(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length % 2 === 0) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return Buffer.from(trimmed, 'base64');
  return undefined;
}
