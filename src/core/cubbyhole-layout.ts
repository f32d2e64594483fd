import type { MountStorage } from '../framework/types.js';

/**
 * Where a token's cubbyhole lives inside the cubbyhole mount's storage. The core owns this layout:
 * it deletes the area when the token is revoked, and wrapping (next issue) writes the wrapped
 * response there; the cubbyhole engine only serves it.
 */
export function cubbyholeKeyPrefix(tokenId: string): string {
  return `${tokenId}/`;
}

/** A token's private cubbyhole storage. */
export function cubbyholeStorage(mountStore: MountStorage, tokenId: string): MountStorage {
  return mountStore.scoped(cubbyholeKeyPrefix(tokenId));
}
