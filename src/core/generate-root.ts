import type { ShamirConfig } from '../barrier/barrier.js';
import { isRecoveryKey } from '../barrier/recovery-key.js';
import { ShareCollector } from '../barrier/share-collector.js';
import { UnsealKeyKms } from '../barrier/unseal-key.js';
import { zeroize } from '../crypto/zeroize.js';
import type { Core } from './core.js';
import { invalidRequest } from '../framework/errors.js';
import { checkRootTokenOtp, encodeRootToken, newRootTokenOtp, OTP_LENGTH } from './root-token-otp.js';

/** Vault's sys/generate-root status (and update answer) fields. */
export interface GenerateRootStatus {
  started: boolean;
  nonce: string;
  progress: number;
  required: number;
  complete: boolean;
  encoded_token: string;
  encoded_root_token: string;
  pgp_fingerprint: string;
  otp: string;
  otp_length: number;
}

/**
 * Vault's root token generation: one attempt at a time, in memory on this node. Shares of the key
 * that authorizes it (the Shamir unseal key, or a KMS seal's recovery key) are collected; at the
 * threshold they are checked against the store, and a new root token is minted through the token
 * store and answered once, XORed with the attempt's OTP. The OTP and the shares are never logged.
 * Submissions run one at a time.
 */
export class GenerateRoot {
  private attempt: { collector: ShareCollector; otp: string } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly core: Core) {}

  async status(): Promise<GenerateRootStatus> {
    const required = (await this.authorizingSplit()).split.threshold;
    const attempt = this.attempt;
    return {
      started: attempt !== undefined,
      nonce: attempt?.collector.nonce ?? '',
      progress: attempt?.collector.progress ?? 0,
      required,
      complete: false,
      encoded_token: '',
      encoded_root_token: '',
      pgp_fingerprint: '',
      otp: '',
      otp_length: OTP_LENGTH,
    };
  }

  /**
   * Starts an attempt encoded with `otp`, or with a fresh OTP the server makes and answers once
   * (Vault 1.10 and later do so when sent neither an OTP nor a PGP key).
   */
  async start(otp: string): Promise<GenerateRootStatus> {
    const { split } = await this.authorizingSplit();
    if (this.attempt) throw invalidRequest('root generation already in progress');
    if (otp) checkRootTokenOtp(otp);
    const generated = otp ? undefined : newRootTokenOtp();
    this.attempt = { collector: new ShareCollector(split, 'given key has already been provided during this generation operation'), otp: otp || generated! };
    return { ...(await this.status()), otp: generated ?? '' };
  }

  /** Forgets the running attempt and its shares (DELETE sys/generate-root/attempt). */
  cancel(): void {
    this.attempt?.collector.clear();
    this.attempt = undefined;
  }

  /** Adds one share; answers the progress, or, at the threshold, the encoded new root token. */
  update(keyText: string, nonce: string): Promise<GenerateRootStatus> {
    const run = this.queue.then(() => this.updateNow(keyText, nonce));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async updateNow(keyText: string, nonce: string): Promise<GenerateRootStatus> {
    const attempt = this.attempt;
    if (!attempt) throw invalidRequest('no root generation in progress');
    if (!nonce) throw invalidRequest('missing nonce');
    if (nonce !== attempt.collector.nonce) throw invalidRequest(`incorrect nonce supplied; nonce for this root generation operation is ${attempt.collector.nonce}`);
    if (!keyText) throw invalidRequest("'key' must be specified in request body as JSON");
    const { target } = await this.authorizingSplit();
    const key = await attempt.collector.add(keyText);
    if (!key) return this.status();
    try {
      if (!(await this.isAuthorizingKey(key, target))) {
        throw invalidRequest(`root generation aborted: the key shares do not reconstruct the ${target} key; progress was reset`);
      }
    } finally {
      zeroize(key);
    }
    const { token, entry } = await this.core.tokens.createRoot();
    this.attempt = undefined;
    this.core.logger.info({ accessor: entry.accessor }, 'root generation finished: a new root token was created');
    const encoded = encodeRootToken(token, attempt.otp);
    return {
      started: true,
      nonce: attempt.collector.nonce,
      progress: attempt.collector.split.threshold,
      required: attempt.collector.split.threshold,
      complete: true,
      encoded_token: encoded,
      encoded_root_token: encoded,
      pgp_fingerprint: '',
      otp: '',
      otp_length: OTP_LENGTH,
    };
  }

  /** The split of the key whose shares authorize: the unseal key (Shamir), else the recovery key. */
  private async authorizingSplit(): Promise<{ split: ShamirConfig; target: 'unseal' | 'recovery' }> {
    const config = await this.core.barrier.sealConfig();
    if (!config) throw invalidRequest('Vault is not initialized');
    if (config.shamir) return { split: config.shamir, target: 'unseal' };
    if (config.recovery) return { split: config.recovery, target: 'recovery' };
    throw invalidRequest(`the ${config.sealType} seal of this store has no recovery key: a root token cannot be generated from key shares`);
  }

  private async isAuthorizingKey(key: Buffer, target: 'unseal' | 'recovery'): Promise<boolean> {
    if (target === 'recovery') {
      const config = await this.core.barrier.sealConfig();
      return config?.recovery !== undefined && isRecoveryKey(key, config.recovery);
    }
    const kms = new UnsealKeyKms(key);
    try {
      return await this.core.barrier.canUnwrapRootKey(kms);
    } finally {
      kms.destroy();
    }
  }
}
