import type { Core } from '../../core.js';
import { definePath, noContent, type PathDef } from '../../../framework/types.js';

/**
 * sys/rotate (sudo, as in Vault) adds a term to the barrier keyring: new writes use it, entries sealed
 * under older terms still open. sys/key-status reports the active term and when it was installed
 * (no sudo, as in Vault). The barrier does the work, so the keyring is wrapped however the seal
 * wraps it; nothing here touches key material.
 */
export function rotatePaths(core: Core): PathDef[] {
  const status = () => {
    const { term, installTime } = core.barrier.keyStatus();
    return { term, install_time: installTime.toISOString() };
  };
  return [
    definePath({
      pattern: 'rotate',
      fields: {},
      sudo: true,
      operations: {
        update: async () => {
          await core.barrier.rotate();
          return noContent();
        },
      },
      description: 'Rotate the barrier encryption key: new writes use a new key term.',
    }),
    definePath({
      pattern: 'key-status',
      fields: {},
      operations: {
        // Vault answers these fields both at the top level (older clients read them there) and in data.
        read: async () => {
          const current = status();
          return { bare: { ...current, data: current } };
        },
      },
      description: 'The active barrier key term and its install time.',
    }),
  ];
}
