import { DEFAULT_REWRAP } from '../../../core/rewrap/worker.js';
import type { ConfigBlock } from '../../config-options.js';
import { durationText } from './written.js';

/** `kms_rewrap`. */
export const KMS_REWRAP_BLOCK: ConfigBlock = {
  id: 'kms_rewrap',
  summary: "Coffer only: a background worker that moves KV v2 data keys (and the root key) onto the KMS's current key version after a KMS key rotation, so the old version can be retired. Only the active node runs it; `POST sys/kms/rewrap` starts a pass now and `sys/kms/rewrap/status` reports progress.",
  options: [
    { name: 'enabled', type: 'bool', default: String(DEFAULT_REWRAP.enabled), description: 'Run the worker.', example: 'true' },
    { name: 'max_per_sec', type: 'number', default: String(DEFAULT_REWRAP.maxPerSec), description: 'The most data keys re-wrapped per second, to spare the KMS.', example: '20' },
    { name: 'interval', type: 'duration', default: durationText(DEFAULT_REWRAP.intervalMs), description: 'How often the worker asks the KMS for its current key version; at least `"1s"`.', example: '"10m"' },
  ],
};
