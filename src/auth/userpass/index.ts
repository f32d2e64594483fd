import type { Backend } from '../../core/framework/types.js';

/** The `userpass` auth method. */
export function userpassBackend(): Backend {
  return { type: 'userpass', paths: [] };
}
