import { randomUUID } from 'node:crypto';
import { KEY_BYTES } from '../crypto/aead.js';
import { zeroize } from '../crypto/zeroize.js';
import { invalidRequest } from '../framework/errors.js';
import type { ShamirConfig } from './barrier.js';
import { combineUnsealKey, decodeShare } from './unseal-key.js';

/**
 * Key shares submitted one request at a time (rekey, recovery rekey, seal migration), held in
 * memory on this node only, until `split.threshold` of them rebuild the key. A share already held
 * is ignored (or refused, if asked); a malformed one is a 400 that is not counted. Shares are wiped once combined.
 */
export class ShareCollector {
  private shares: Buffer[] = [];
  readonly nonce = randomUUID();

  /** `duplicateRefusal`: a share already held is a 400 with this message instead of being ignored (Vault's generate-root). */
  constructor(
    readonly split: ShamirConfig,
    private readonly duplicateRefusal?: string,
  ) {}

  get progress(): number {
    return this.shares.length;
  }

  /** Adds one share (hex or base64); answers the combined key (caller zeroizes it) once the threshold is reached. */
  async add(keyText: string): Promise<Buffer | undefined> {
    const share = decodeShare(keyText);
    const expected = this.split.shares === 1 ? KEY_BYTES : KEY_BYTES + 1;
    if (!share) throw invalidRequest("'key' must be a valid hex or base64 string");
    if (share.byteLength !== expected) {
      zeroize(share);
      throw invalidRequest(`'key' is not a key share of this store: expected ${expected} bytes, got ${share.byteLength}`);
    }
    if (this.shares.some((held) => held.equals(share))) {
      zeroize(share);
      if (this.duplicateRefusal) throw invalidRequest(this.duplicateRefusal);
      return undefined;
    }
    this.shares.push(share);
    if (this.shares.length < this.split.threshold) return undefined;
    const shares = this.shares;
    this.shares = [];
    try {
      return await combineUnsealKey(shares);
    } catch {
      throw invalidRequest('the key shares cannot be combined (duplicate or malformed shares); progress was reset');
    } finally {
      zeroize(...shares);
    }
  }

  /** Wipes the shares held. */
  clear(): void {
    zeroize(...this.shares);
    this.shares = [];
  }
}
