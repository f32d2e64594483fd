import { invalidRequest } from '../../../../framework/errors.js';
import { field } from '../../../../framework/fields.js';
import { definePath, noContent, type JsonOp, type MountStorage, type PathDef, type Req, type Resp } from '../../../../framework/types.js';
import { commitGuarded } from '../commit.js';
import type { KvV2Context } from '../context.js';
import { parseVersionList } from '../input.js';
import { formatTimestamp, isBefore } from '../time.js';
import { loadConfig, metadataKey, scheduledDeletion, versionKey, type KeyMetadata, type MountConfig } from '../model.js';
import type { StoredVersion } from '../sealing.js';

const fields = {
  path: field.string({ description: 'Location of the secret.' }),
  versions: field.any({ description: 'Version numbers: [1, 2] or "1,2".' }),
};
type VersionsReq = Req<typeof fields>;

interface VersionsChange {
  path: string;
  meta: KeyMetadata;
  versions: number[];
  nowMs: number;
  config: MountConfig;
  store: MountStorage;
}

/**
 * A path that changes the state of listed versions of one key. `apply` mutates the metadata and returns
 * extra ops (destroy removes data); everything commits in one transaction guarded by the metadata entry.
 */
function versionsPath(
  ctx: KvV2Context,
  pattern: string,
  missingMessage: string,
  description: string,
  apply: (change: VersionsChange) => JsonOp[] | Promise<JsonOp[]>,
): PathDef {
  async function update(req: VersionsReq, store: MountStorage): Promise<Resp> {
    const { path } = req.fields;
    const versions = parseVersionList(req.fields.versions);
    if (versions.length === 0) throw invalidRequest(missingMessage);
    return commitGuarded<KeyMetadata, Resp>(store, ctx.lock, metadataKey(path), async (meta) => {
      if (!meta) return { ops: [], result: noContent() };
      const extra = await apply({ path, meta, versions, nowMs: ctx.clock(), config: await loadConfig(store), store });
      return { ops: [...extra, { type: 'put', key: metadataKey(path), value: meta }], result: noContent() };
    });
  }
  return definePath({ pattern, fields, operations: { update }, description });
}

/** delete/:path — soft-deletes the listed versions (Vault: /:mount/delete/:path). */
export function deleteVersionsPath(ctx: KvV2Context): PathDef {
  return versionsPath(ctx, 'delete/:path*', 'No version number provided', 'Soft-delete versions.', ({ meta, versions, nowMs }) => {
    for (const n of versions) {
      const entry = meta.versions[n];
      if (!entry || entry.destroyed) continue;
      // Already deleted stays deleted at its original time.
      if (isBefore(entry.deletion_time, nowMs)) continue;
      entry.deletion_time = formatTimestamp(nowMs);
    }
    return [];
  });
}

/** undelete/:path — restores soft-deleted versions, rescheduling delete_version_after (Vault: /:mount/undelete/:path). */
export function undeleteVersionsPath(ctx: KvV2Context): PathDef {
  return versionsPath(ctx, 'undelete/:path*', 'No version number provided', 'Undo soft-deletes.', ({ meta, versions, nowMs, config }) => {
    for (const n of versions) {
      const entry = meta.versions[n];
      if (!entry || entry.destroyed) continue;
      entry.deletion_time = scheduledDeletion(nowMs, config, meta);
    }
    return [];
  });
}

/**
 * destroy/:path — removes the listed versions' data for good; metadata marks them destroyed (Vault:
 * /:mount/destroy/:path). Deleting a version's entry deletes its wrapped DEK with its ciphertext, in
 * the same transaction as the metadata: the version is crypto-shredded, so a copy of its ciphertext
 * kept elsewhere no longer opens. Its unwrapped DEK leaves the cache too.
 */
export function destroyVersionsPath(ctx: KvV2Context): PathDef {
  return versionsPath(ctx, 'destroy/:path*', 'no version number provided', 'Permanently remove versions.', async ({ path, meta, versions, store }) => {
    const ops: JsonOp[] = [];
    for (const n of versions) {
      const entry = meta.versions[n];
      if (!entry) continue;
      entry.destroyed = true;
      ctx.sealer.forget(await store.get<StoredVersion>(versionKey(path, n)));
      ops.push({ type: 'delete', key: versionKey(path, n) });
    }
    return ops;
  });
}
