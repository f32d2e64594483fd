import type { ShamirConfig } from '../barrier/barrier.js';
import { isRecoveryKey, recoveryConfigFor } from '../barrier/recovery-key.js';
import { ShareCollector } from '../barrier/share-collector.js';
import { UnsealKeyKms } from '../barrier/unseal-key.js';
import { zeroize } from '../crypto/zeroize.js';
import type { Kms } from '../kms/kms.js';
import type { Core } from './core.js';
import { CofferError, invalidRequest } from '../framework/errors.js';

/** A seal of a migration: a KMS, or "shamir" (the unseal key rebuilt from shares). */
export type MigrationSeal = Kms | 'shamir';

/**
 * Seal migration between Shamir and a KMS, Vault's way: the config names the new seal and keeps the
 * old one with disabled = "true"; the server starts sealed, and sys/unseal with migrate=true takes
 * shares until the threshold. Shamir → KMS: the unseal key shares unseal, then the root key is
 * wrapped by the KMS and the old shares become the recovery key shares (as Vault reuses them).
 * KMS → Shamir: the recovery key shares are checked against the stored verifier, the old KMS
 * unseals, and the recovery key becomes the unseal key (same shares, same threshold). Either way
 * the root key never changes: one conditioned write replaces its wrapping.
 */
export class SealMigration {
  private pending = false;
  private collector: ShareCollector | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly from: MigrationSeal,
    readonly to: MigrationSeal,
  ) {}

  /** A seal's type as the root key record names it. */
  static typeOf(seal: MigrationSeal): string {
    return seal === 'shamir' ? 'shamir' : seal.type;
  }

  /** At start: a migration is pending when the stored root key is still wrapped by the old seal. */
  async detect(core: Core): Promise<boolean> {
    const config = await core.barrier.sealConfig();
    this.pending = config?.sealType === SealMigration.typeOf(this.from);
    return this.pending;
  }

  get inProgress(): boolean {
    return this.pending;
  }

  /** Progress and nonce of the shares given so far, for sys/seal-status. */
  status(): { progress: number; nonce: string } {
    return { progress: this.collector?.progress ?? 0, nonce: this.collector?.nonce ?? '' };
  }

  reset(): void {
    this.collector?.clear();
    this.collector = undefined;
  }

  /** One share (unseal key share from Shamir, recovery key share from a KMS); migrates at the threshold. */
  submit(core: Core, keyText: string): Promise<void> {
    const run = this.queue.then(() => this.submitNow(core, keyText));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async submitNow(core: Core, keyText: string): Promise<void> {
    if (!this.pending) throw invalidRequest('seal migration is not in progress');
    const config = await core.barrier.sealConfig();
    if (!config) throw invalidRequest('Vault is not initialized');
    const split = this.from === 'shamir' ? config.shamir : config.recovery;
    if (!split) throw invalidRequest(`the ${config.sealType} seal of this store has no recovery key, so it cannot be migrated to shamir`);
    this.collector ??= new ShareCollector({ shares: split.shares, threshold: split.threshold });
    const key = await this.collector.add(keyText).catch((err: unknown) => {
      if (this.collector?.progress === 0) this.collector = undefined;
      throw err;
    });
    if (!key) return;
    this.collector = undefined;
    try {
      await this.migrate(core, key, { shares: split.shares, threshold: split.threshold });
    } finally {
      zeroize(key);
    }
  }

  private async migrate(core: Core, key: Buffer, split: ShamirConfig): Promise<void> {
    const config = await core.barrier.sealConfig();
    if (this.from === 'shamir') {
      const unsealKms = new UnsealKeyKms(key);
      try {
        await core.unseal(unsealKms);
      } catch (err) {
        if (err instanceof CofferError && err.code === 'unseal_key_invalid') throw invalidRequest(`seal migration failed: ${err.message}; progress was reset`);
        throw err;
      } finally {
        unsealKms.destroy();
      }
      await this.rewrap(core, this.to as Kms, { recovery: recoveryConfigFor(key, split) });
    } else {
      if (!config?.recovery || !isRecoveryKey(key, config.recovery)) {
        throw invalidRequest('seal migration failed: the recovery key shares do not reconstruct the recovery key; progress was reset');
      }
      await core.unseal(this.from);
      const unsealKms = new UnsealKeyKms(key);
      try {
        await this.rewrap(core, unsealKms, { shamir: split });
      } finally {
        unsealKms.destroy();
      }
    }
    this.pending = false;
    core.logger.info(`seal migration from ${SealMigration.typeOf(this.from)} to ${SealMigration.typeOf(this.to)} complete; remove the disabled seal stanza once no data key needs it`);
  }

  /** Re-wraps the root key; on failure the store is sealed again, still under the old seal. */
  private async rewrap(core: Core, kms: Kms, protection: Parameters<Core['barrier']['rewrapRootKey']>[1]): Promise<void> {
    try {
      await core.barrier.rewrapRootKey(kms, protection);
    } catch (err) {
      await core.seal();
      throw err;
    }
  }
}
