import type { Core } from '../../core/core.js';
import type { Backend } from '../../core/framework/types.js';

/** The identity backend (mounted at identity/): entities, aliases and groups over the core's identity store. */
export function identityBackend(_core: Core): Backend {
  return { type: 'identity', paths: [] };
}
