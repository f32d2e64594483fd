import { AeadOpenError, open, seal } from '../crypto/aead.js';
import { zeroize } from '../crypto/zeroize.js';
import { constantTimeEqual } from '../crypto/constant-time.js';
import type { RecoveryConfig, ShamirConfig } from './barrier.js';

/**
 * A KMS seal's recovery key is a random 32-byte key split like a Shamir unseal key, but it wraps
 * nothing: the store keeps only a verifier, a known value sealed (XChaCha20-Poly1305) under the
 * key, so shares submitted later (rekey, seal migration) can be checked. The key has 256 random
 * bits, so the verifier gives no offline guessing foothold.
 */
const VERIFIER_AAD = 'coffer/seal/recovery-key/verifier/v1';
const KNOWN_VALUE = Buffer.from('coffer recovery key verifier', 'utf8');

/** The stored record of a recovery key: its split and a fresh verifier. */
export function recoveryConfigFor(recoveryKey: Uint8Array, split: ShamirConfig): RecoveryConfig {
  return { shares: split.shares, threshold: split.threshold, verifier: seal(recoveryKey, KNOWN_VALUE, VERIFIER_AAD).toString('base64') };
}

/** Whether `candidate` is the recovery key `config` was made for. */
export function isRecoveryKey(candidate: Uint8Array, config: RecoveryConfig): boolean {
  let opened: Buffer;
  try {
    opened = open(candidate, Buffer.from(config.verifier, 'base64'), VERIFIER_AAD);
  } catch (err) {
    if (err instanceof AeadOpenError) return false;
    throw err;
  }
  try {
    return constantTimeEqual(opened, KNOWN_VALUE);
  } finally {
    zeroize(opened);
  }
}
