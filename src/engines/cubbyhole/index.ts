import { permissionDenied } from '../../core/errors.js';
import type { Backend, MountStorage } from '../../core/framework/types.js';
import { passthroughPath } from '../kv/passthrough.js';

/** Where a token's cubbyhole lives inside the cubbyhole mount's storage; `deleteTree` it when the token is revoked. */
export function cubbyholeKeyPrefix(tokenId: string): string {
  return `${tokenId}/`;
}

/** A token's private cubbyhole storage (wrapping writes the wrapped response here, at "response"). */
export function cubbyholeStorage(mountStore: MountStorage, tokenId: string): MountStorage {
  return mountStore.scoped(cubbyholeKeyPrefix(tokenId));
}

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
