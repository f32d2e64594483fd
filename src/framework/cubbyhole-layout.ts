import type { MountStorage } from './types.js';

/**
 * Where a token's cubbyhole lives inside the cubbyhole mount's storage: the contract between the
 * core and the cubbyhole engine, so it lives in framework/. The core deletes the area when
 * the token is revoked, and wrapping writes the wrapped response there; the engine only serves it.
 */
export function cubbyholeKeyPrefix(tokenId: string): string {
  return `${tokenId}/`;
}

/** A token's private cubbyhole storage. */
export function cubbyholeStorage(mountStore: MountStorage, tokenId: string): MountStorage {
  return mountStore.scoped(cubbyholeKeyPrefix(tokenId));
}
