import type { Backend } from '../../framework/types.js';
import { cryptPaths } from './paths/crypt.js';
import { keyPaths } from './paths/keys.js';

/**
 * The transit engine (Vault's encryption as a service, reduced): named keys with versions,
 * encrypt, decrypt, rewrap and rotate. Keys live only in the mount's barrier-encrypted storage
 * and never leave the engine.
 */
export function transitBackend(): Backend {
  return { type: 'transit', paths: [...keyPaths(), ...cryptPaths()] };
}
