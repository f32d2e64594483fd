import type { Backend } from '../../core/framework/types.js';

/** The `approle` auth method. */
export function approleBackend(): Backend {
  return { type: 'approle', paths: [] };
}
