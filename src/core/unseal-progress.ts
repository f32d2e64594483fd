import { randomUUID } from 'node:crypto';
import { combineUnsealKey, decodeShare, UnsealKeyKms } from '../barrier/unseal-key.js';
import { KEY_BYTES } from '../crypto/aead.js';
import { zeroize } from '../crypto/zeroize.js';
import type { Core } from './core.js';
import { CofferError, invalidRequest } from '../framework/errors.js';

/**
 * The shares submitted so far to sys/unseal on this node (Vault keeps them in memory too: a
 * restart starts over). When the threshold is reached the unseal key is reconstructed, tried on
 * the root key, and every share is wiped whatever the outcome. Submissions run one at a time.
 */
export class UnsealProgress {
  private shares: Buffer[] = [];
  private nonce = '';
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly core: Core) {}

  /** What sys/seal-status reports: shares held, and the id of this unseal attempt ("" when none). */
  status(): { progress: number; nonce: string } {
    return { progress: this.shares.length, nonce: this.nonce };
  }

  /** Forgets the shares submitted so far (sys/unseal reset=true). */
  reset(): void {
    zeroize(...this.shares);
    this.shares = [];
    this.nonce = '';
  }

  /**
   * Adds one share (hex or base64). A KMS-sealed store ignores it and unseals through its KMS. A
   * share already held is ignored, as in Vault. Throws 400 for a malformed share, and for a full
   * set that does not open the root key (progress is reset then).
   */
  submit(keyText: string): Promise<void> {
    const run = this.queue.then(() => this.submitNow(keyText));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async submitNow(keyText: string): Promise<void> {
    if (!(await this.core.isInitialized())) throw invalidRequest('Vault is not initialized');
    if (!this.core.sealed) return;
    const config = await this.core.barrier.sealConfig();
    if (!config?.shamir) {
      await this.core.unseal(); // auto-unseal: the configured KMS needs no share
      return;
    }
    const share = decodeShare(keyText);
    const expected = config.shamir.shares === 1 ? KEY_BYTES : KEY_BYTES + 1;
    if (!share) throw invalidRequest("'key' must be a valid hex or base64 string");
    if (share.byteLength !== expected) {
      zeroize(share);
      throw invalidRequest(`'key' is not an unseal key share of this store: expected ${expected} bytes, got ${share.byteLength}`);
    }
    if (this.shares.some((held) => held.equals(share))) {
      zeroize(share);
      return;
    }
    if (this.shares.length === 0) this.nonce = randomUUID();
    this.shares.push(share);
    if (this.shares.length < config.shamir.threshold) return;
    await this.tryUnseal();
  }

  /** Reconstructs the unseal key from the shares held (then wiped) and unseals with it. */
  private async tryUnseal(): Promise<void> {
    const shares = this.shares;
    this.shares = [];
    this.nonce = '';
    let unsealKey: Buffer;
    try {
      unsealKey = await combineUnsealKey(shares);
    } catch {
      throw invalidRequest('unseal failed: the key shares cannot be combined (duplicate or malformed shares); unseal progress was reset');
    } finally {
      zeroize(...shares);
    }
    const kms = new UnsealKeyKms(unsealKey);
    zeroize(unsealKey);
    try {
      await this.core.unseal(kms);
    } catch (err) {
      if (err instanceof CofferError && err.code === 'unseal_key_invalid') throw invalidRequest(`${err.message}; unseal progress was reset`);
      throw err;
    } finally {
      kms.destroy();
    }
  }
}
