import { checkShamirConfig, newUnsealKeyShares, UnsealKeyKms } from '../barrier/unseal-key.js';
import { recoveryConfigFor } from '../barrier/recovery-key.js';
import { zeroize } from '../crypto/zeroize.js';
import { invalidRequest } from '../framework/errors.js';
import type { Core } from './core.js';

/** What sys/init asks for: unseal key shares (seal "shamir") or recovery key shares (a KMS seal). */
export interface KeyShareRequest {
  seal: 'shamir' | 'kms';
  shares: number;
  threshold: number;
}

/** sys/init's answer (Vault's InitResponse): the shares are shown once, never stored. */
export interface KeyShareResponse {
  keys: string[];
  keys_base64: string[];
  recovery_keys?: string[];
  recovery_keys_base64?: string[];
  root_token: string;
}

/**
 * The key ceremony of sys/init, the one place outside the barrier that splits keys (sys/init calls
 * it; no backend touches barrier/). Seal "shamir": a fresh unseal key is split into `shares`, the
 * store is initialized under it and sealed again, as Vault does: the operators unseal it with their
 * shares. A KMS seal: the KMS wraps the root key, and a random recovery key is split into `shares`
 * (any `threshold` of which authorize a recovery rekey or a seal migration); only its verifier is
 * stored. Every key and share is zeroized before this returns.
 */
export async function initializeWithKeyShares(core: Core, { seal, shares, threshold }: KeyShareRequest): Promise<KeyShareResponse> {
  const problem = checkShamirConfig(shares, threshold);
  if (problem) throw invalidRequest(seal === 'shamir' ? problem : problem.replace('invalid seal configuration', 'invalid recovery configuration'));
  if (await core.isInitialized()) throw invalidRequest('Vault is already initialized');
  const split = await newUnsealKeyShares(shares, threshold);
  if (seal === 'kms') {
    try {
      const { rootToken } = await core.initializeStore({ recovery: recoveryConfigFor(split.unsealKey, { shares, threshold }) });
      return {
        keys: [],
        keys_base64: [],
        recovery_keys: split.shares.map((share) => share.toString('hex')),
        recovery_keys_base64: split.shares.map((share) => share.toString('base64')),
        root_token: rootToken,
      };
    } finally {
      zeroize(split.unsealKey, ...split.shares);
    }
  }
  const unsealKms = new UnsealKeyKms(split.unsealKey);
  zeroize(split.unsealKey);
  try {
    const { rootToken } = await core.initializeStore({ seal: unsealKms, shamir: { shares, threshold } });
    await core.seal();
    return {
      keys: split.shares.map((share) => share.toString('hex')),
      keys_base64: split.shares.map((share) => share.toString('base64')),
      root_token: rootToken,
    };
  } finally {
    unsealKms.destroy();
    zeroize(...split.shares);
  }
}
