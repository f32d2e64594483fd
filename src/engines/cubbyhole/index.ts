import { permissionDenied } from '../../framework/errors.js';
import { cubbyholeStorage } from '../../framework/cubbyhole-layout.js';
import type { Backend } from '../../framework/types.js';
import { passthroughPath } from '../kv/passthrough.js';

/** The cubbyhole engine: like KV v1, but every token sees only its own paths, and they die with it. */
export function cubbyholeBackend(): Backend {
  return {
    type: 'cubbyhole',
    paths: [
      passthroughPath((req, store) => {
        // The pipeline authenticates every cubbyhole path; without a caller there is no cubbyhole to open.
        if (!req.caller) throw permissionDenied();
        return cubbyholeStorage(store, req.caller.tokenId);
      }, "Read, write, delete and list secrets in the calling token's private storage."),
    ],
  };
}
