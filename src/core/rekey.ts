import type { ShamirConfig } from '../barrier/barrier.js';
import { isRecoveryKey, recoveryConfigFor } from '../barrier/recovery-key.js';
import { ShareCollector } from '../barrier/share-collector.js';
import { checkShamirConfig, newUnsealKeyShares, UnsealKeyKms } from '../barrier/unseal-key.js';
import { zeroize } from '../crypto/zeroize.js';
import type { Core } from './core.js';
import { invalidRequest } from '../framework/errors.js';

/** Which key a rekey replaces: the Shamir unseal key (sys/rekey) or a KMS seal's recovery key (sys/rekey-recovery-key). */
export type RekeyTarget = 'unseal' | 'recovery';

/** What a finished rekey answers: the new shares, once (Vault's sys/rekey/update completion). */
export interface RekeyResult {
  complete: true;
  nonce: string;
  keys: string[];
  keys_base64: string[];
  pgp_fingerprints: null;
  backup: false;
  verification_required: false;
}

/**
 * One rekey attempt at a time, in memory on this node (Vault's too). Shares of the CURRENT key
 * (unseal or recovery) authorize it; at the threshold they are checked against the store and a new
 * random key is split as asked. For the unseal key the root key is wrapped again under the new key;
 * the root key, keyring and data are untouched. Submissions run one at a time.
 */
export class Rekey {
  private attempt: { collector: ShareCollector; next: ShamirConfig } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly core: Core,
    private readonly target: RekeyTarget,
  ) {}

  /** Vault's rekey status: `t`/`n` are the new split, `required` the current threshold. */
  async status(): Promise<Record<string, unknown>> {
    const current = await this.currentSplit();
    const attempt = this.attempt;
    return {
      nonce: attempt?.collector.nonce ?? '',
      started: attempt !== undefined,
      t: attempt?.next.threshold ?? 0,
      n: attempt?.next.shares ?? 0,
      progress: attempt?.collector.progress ?? 0,
      required: current.threshold,
      pgp_fingerprints: null,
      backup: false,
      verification_required: false,
    };
  }

  /** Starts an attempt for a new `shares`/`threshold` split; 400 when one is running or the split is invalid. */
  async start(next: ShamirConfig): Promise<Record<string, unknown>> {
    await this.currentSplit();
    const problem = checkShamirConfig(next.shares, next.threshold);
    if (problem) throw invalidRequest(problem);
    if (this.attempt) throw invalidRequest('rekey already in progress');
    this.attempt = { collector: new ShareCollector(await this.currentSplit()), next: { shares: next.shares, threshold: next.threshold } };
    return this.status();
  }

  /** Forgets the running attempt and its shares (DELETE sys/rekey/init). */
  cancel(): void {
    this.attempt?.collector.clear();
    this.attempt = undefined;
  }

  /** Adds one share of the current key; answers the new shares once the threshold is met, else the status. */
  update(keyText: string, nonce: string): Promise<RekeyResult | Record<string, unknown>> {
    const run = this.queue.then(() => this.updateNow(keyText, nonce));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async updateNow(keyText: string, nonce: string): Promise<RekeyResult | Record<string, unknown>> {
    const attempt = this.attempt;
    if (!attempt) throw invalidRequest('no rekey in progress');
    if (!nonce) throw invalidRequest('missing rekey nonce');
    if (nonce !== attempt.collector.nonce) throw invalidRequest(`incorrect nonce supplied; nonce for this rekey operation is ${attempt.collector.nonce}`);
    if (!keyText) throw invalidRequest("'key' must be specified in request body as JSON");
    const currentKey = await attempt.collector.add(keyText);
    if (!currentKey) return this.status();
    try {
      if (!(await this.isCurrentKey(currentKey))) {
        throw invalidRequest(`rekey failed: the key shares do not reconstruct the current ${this.target} key; rekey progress was reset`);
      }
    } finally {
      zeroize(currentKey);
    }
    const split = await newUnsealKeyShares(attempt.next.shares, attempt.next.threshold);
    try {
      if (this.target === 'unseal') {
        const kms = new UnsealKeyKms(split.unsealKey);
        try {
          await this.core.barrier.rewrapRootKey(kms, { shamir: attempt.next });
        } finally {
          kms.destroy();
        }
      } else {
        await this.core.barrier.rewrapRootKey(undefined, { recovery: recoveryConfigFor(split.unsealKey, attempt.next) });
      }
      this.attempt = undefined;
      this.core.logger.info(`${this.target} key rekeyed: ${attempt.next.shares} new shares, threshold ${attempt.next.threshold}`);
      return {
        complete: true,
        nonce: attempt.collector.nonce,
        keys: split.shares.map((share) => share.toString('hex')),
        keys_base64: split.shares.map((share) => share.toString('base64')),
        pgp_fingerprints: null,
        backup: false,
        verification_required: false,
      };
    } finally {
      zeroize(split.unsealKey, ...split.shares);
    }
  }

  /** The split of the key this rekey replaces; 400 when the seal has no such key. */
  private async currentSplit(): Promise<ShamirConfig> {
    const config = await this.core.barrier.sealConfig();
    if (!config) throw invalidRequest('Vault is not initialized');
    if (this.target === 'unseal') {
      if (!config.shamir) throw invalidRequest(`the root key is wrapped by the ${config.sealType} seal, not by a Shamir unseal key: rekey its recovery key with sys/rekey-recovery-key`);
      return config.shamir;
    }
    if (!config.recovery) {
      throw invalidRequest(config.shamir ? 'a Shamir seal has no recovery key: rekey its unseal key with sys/rekey' : `the ${config.sealType} seal of this store has no recovery key`);
    }
    return config.recovery;
  }

  private async isCurrentKey(key: Buffer): Promise<boolean> {
    const config = await this.core.barrier.sealConfig();
    if (this.target === 'recovery') return config?.recovery !== undefined && isRecoveryKey(key, config.recovery);
    const kms = new UnsealKeyKms(key);
    try {
      return await this.core.barrier.canUnwrapRootKey(kms);
    } finally {
      kms.destroy();
    }
  }
}
