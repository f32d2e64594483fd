import { CofferError } from './errors.js';

/**
 * One sealed value as it is stored: the ciphertext under its own data key (DEK), that DEK wrapped by
 * the KMS, and the id of the KMS key that wrapped it (so a read after a KMS key rotation knows which
 * key to ask for, and an error can name it). All binary fields are base64.
 */
export interface SealedVersion {
  ciphertext: string;
  wrapped_dek: string;
  kms_key_id: string;
}

/**
 * The per-version data-key service as an engine sees it (KV v2): the core implements it
 * (core/data-keys.ts, with the KMS and the DEK cache); the engine never sees a KMS or a key.
 */
export interface DataKeyService {
  /** Seals plaintext under a fresh DEK bound to `aad`; the DEK is wrapped by the KMS. */
  seal(plaintext: Uint8Array, aad: string): Promise<SealedVersion>;
  /** Opens a sealed value under its binding; the caller zeroizes the plaintext. */
  open(sealed: SealedVersion, aad: string): Promise<Buffer>;
  /** The value's DEK leaves the cache (its wrapped form leaves storage). */
  forget(sealed: Pick<SealedVersion, 'wrapped_dek'>): void;
}

/** A sealed value that does not open under its own DEK and binding: tampered, swapped or moved. */
export class SealedDataCorrupt extends CofferError {
  constructor(aad: string, why: string) {
    super(500, `stored data for "${aad}" cannot be decrypted: ${why}; refusing to answer it`);
    this.name = 'SealedDataCorrupt';
  }
}

/** Whether a stored value has the shape `seal` produces. */
export function isSealedVersion(value: unknown): value is SealedVersion {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.ciphertext === 'string' && typeof v.wrapped_dek === 'string' && typeof v.kms_key_id === 'string';
}
