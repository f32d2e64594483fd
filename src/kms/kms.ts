import { CofferError } from '../framework/errors.js';
/**
 * A key-management provider: it never hands out its own key, it only wraps and unwraps the
 * barrier's keys. Local (a key in env or a file) is the first; AWS KMS, Transit and PKCS#11
 * providers implement the same three members, so the barrier never knows which one it talks to.
 */
export interface Kms {
  /** The provider kind ("local", "awskms", "transit", "pkcs11"); shown by sys/seal-status. */
  readonly type: string;
  /**
   * Identifies the wrapping key (not secret). Stored next to what it wrapped, so an unseal with
   * another key can say so, and so rotation can tell old wraps from new ones.
   */
  readonly keyId: string;
  /** Encrypts a data key; `aad` names what the key is for and must be given again to unwrap. */
  wrap(plaintextKey: Uint8Array, aad: string): Promise<Uint8Array>;
  /** Decrypts what `wrap` returned; throws KmsUnwrapError for a wrong key, wrong aad or tampering. */
  unwrap(wrapped: Uint8Array, aad: string): Promise<Uint8Array>;
  /** Re-encrypts a wrapped key onto the KMS's current key version without the plaintext leaving the KMS, where it can. */
  rewrap?(wrapped: Uint8Array, aad: string): Promise<Uint8Array>;
  /** Asks the KMS for its current key version (e.g. AWS's latest rotation); `keyId` follows it. */
  currentKeyVersion?(): Promise<string>;
}

/** A wrapped key that this KMS cannot open (wrong root key, wrong aad, or tampered bytes). */
export class KmsUnwrapError extends CofferError {
  constructor(
    readonly keyId: string,
    reason: string,
  ) {
    super('key_unwrap_failed', `KMS key ${keyId} could not unwrap the key: ${reason}`);
    this.name = 'KmsUnwrapError';
  }
}
