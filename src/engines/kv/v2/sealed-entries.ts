import type { MountStorage, SealedEntryRef } from '../../../framework/types.js';
import { versionKey } from './model.js';
import type { VersionSealer } from './sealing.js';

const VERSIONS_PREFIX = 'versions/';

/**
 * Every version entry of the mount, `versions/<path>/<n>`, with the binding its DEK was wrapped
 * under, found by listing storage keys only: no entry is read or decrypted. A destroyed or pruned
 * version has no entry, so what this yields is exactly the versions whose data still exists
 * (soft-deleted ones included: undelete brings them back). Paths may hold "/": a folder is walked
 * depth first, and a leaf whose name is a version number is a version of the folder's path
 * (`versions/a/1` is version 1 of "a"; `versions/a/1/2` version 2 of "a/1").
 */
export async function* versionEntries(store: MountStorage, sealer: VersionSealer): AsyncGenerator<SealedEntryRef> {
  const folders = [''];
  while (folders.length > 0) {
    const path = folders.pop()!;
    const children = await store.list(VERSIONS_PREFIX + (path ? `${path}/` : ''));
    // Pushed in reverse so the walk visits folders in the sorted order the listing gives.
    for (const child of [...children].reverse()) {
      if (child.endsWith('/')) folders.push(path + (path ? '/' : '') + child.slice(0, -1));
    }
    if (!path) continue;
    for (const child of children) {
      if (child.endsWith('/') || !/^[1-9][0-9]*$/.test(child)) continue;
      const version = Number(child);
      yield { key: versionKey(path, version), aad: sealer.binding(path, version) };
    }
  }
}
