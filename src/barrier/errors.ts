import { CofferError } from '../framework/errors.js';

/**
 * A stored entry that does not open under the barrier: tampered, copied from another key, or sealed
 * under a key term this keyring does not hold. Never answered with the bytes it found.
 */
export class BarrierDecryptError extends CofferError {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super('stored_data_corrupt', `barrier: storage entry "${key}" cannot be decrypted: ${reason}`);
    this.name = 'BarrierDecryptError';
  }
}
