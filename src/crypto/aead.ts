import sodium from 'sodium-native';
import { asBuffer, toBytes } from './bytes.js';

/** XChaCha20-Poly1305 (IETF) sizes. The 192-bit nonce makes random nonces safe for any volume. */
export const KEY_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES; // 32
export const NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES; // 24
export const TAG_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES; // 16

/** Raised when a sealed box cannot be opened: wrong key, wrong additional data, or tampered bytes. */
export class AeadOpenError extends Error {
  constructor() {
    super('message authentication failed: wrong key, wrong additional data, or tampered ciphertext');
    this.name = 'AeadOpenError';
  }
}

/** The additional data, or null when none was given (libsodium treats both alike). */
function additionalData(aad: string | Uint8Array | undefined): Buffer | null {
  return aad === undefined ? null : asBuffer(toBytes(aad));
}

function checkKey(key: Uint8Array): void {
  if (key.byteLength !== KEY_BYTES) throw new RangeError(`AEAD key must be ${KEY_BYTES} bytes, got ${key.byteLength}`);
}

/**
 * Encrypts and authenticates `plaintext` under `key`, binding `aad` (authenticated, not stored).
 * Returns nonce (24 bytes, fresh random) || ciphertext || tag (16 bytes).
 */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad?: string | Uint8Array): Buffer {
  checkKey(key);
  const out = Buffer.allocUnsafe(NONCE_BYTES + plaintext.byteLength + TAG_BYTES);
  const nonce = out.subarray(0, NONCE_BYTES);
  sodium.randombytes_buf(nonce);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    out.subarray(NONCE_BYTES),
    asBuffer(plaintext),
    additionalData(aad),
    null,
    nonce,
    asBuffer(key),
  );
  return out;
}

/** Opens what `seal` produced with the same key and aad; throws AeadOpenError otherwise. */
export function open(key: Uint8Array, sealed: Uint8Array, aad?: string | Uint8Array): Buffer {
  checkKey(key);
  if (sealed.byteLength < NONCE_BYTES + TAG_BYTES) throw new AeadOpenError();
  const box = asBuffer(sealed);
  const plaintext = Buffer.alloc(box.byteLength - NONCE_BYTES - TAG_BYTES);
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      plaintext,
      null,
      box.subarray(NONCE_BYTES),
      additionalData(aad),
      box.subarray(0, NONCE_BYTES),
      asBuffer(key),
    );
  } catch {
    throw new AeadOpenError();
  }
  return plaintext;
}
