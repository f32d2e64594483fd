import type { Backend } from '../../core/framework/types.js';

/** The `kubernetes` auth method. */
export function kubernetesBackend(): Backend {
  return { type: 'kubernetes', paths: [] };
}
