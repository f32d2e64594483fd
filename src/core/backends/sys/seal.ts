import type { Core } from '../../core.js';
import { definePath, type PathDef } from '../../../framework/types.js';

/**
 * Vault's sys/seal (sudo): zeroizes the keys in memory; afterwards every request but the status
 * endpoints answers 503 until an unseal. The seal runs after the request's response is audited.
 */
export function sealPaths(core: Core): PathDef[] {
  return [
    definePath({
      pattern: 'seal',
      fields: {},
      sudo: true,
      operations: {
        update: async () => ({
          afterResponse: async () => {
            core.logger.info('sealing on request (sys/seal)');
            await core.seal();
          },
        }),
      },
    }),
  ];
}
