import type { Core } from '../../core.js';
import { definePath, type PathDef } from '../../../framework/types.js';

/**
 * sys/kms/rewrap (sudo) starts a re-wrap pass now, whether or not the worker watches for rotations
 * (kms_rewrap), and answers 202 with the status at once: a pass is paced (max_per_sec) and may take
 * long, so the caller polls sys/kms/rewrap/status until `running` is false. A pass already running
 * is joined, not doubled. sys/kms/rewrap/status (sudo) reports the worker's state, counting the
 * versions still wrapped by another key than the KMS's current one (each read from storage; no DEK
 * is unwrapped).
 */
export function kmsRewrapPaths(core: Core): PathDef[] {
  return [
    definePath({
      pattern: 'kms/rewrap',
      fields: {},
      sudo: true,
      operations: {
        update: async () => {
          core.rewrap.force();
          return { status: 202, data: { ...(await core.rewrap.status()) } };
        },
      },
      description: 'Re-wrap every KV version data key onto the KMS current key now.',
    }),
    definePath({
      pattern: 'kms/rewrap/status',
      fields: {},
      sudo: true,
      operations: {
        read: async () => ({ data: { ...(await core.rewrap.status()) } }),
      },
      description: 'Progress of the KMS re-wrap worker.',
    }),
  ];
}
