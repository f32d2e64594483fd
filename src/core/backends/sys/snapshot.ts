import { Readable } from 'node:stream';
import type { Core } from '../../core.js';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, type PathDef, type Resp } from '../../../framework/types.js';
import { currentKeyIdentity, verifySnapshot, writeSnapshot } from '../../snapshot.js';

const SNAPSHOT_FIELDS = {
  snapshot: field.string({ description: 'The snapshot file, base64 (the HTTP layer fills it from an application/octet-stream body).' }),
};

/**
 * Vault's snapshot API, at both sys/storage/raft/snapshot* (Vault's paths) and sys/storage/snapshot*
 * (every backend, not only Raft): GET answers the snapshot bytes, POST restores one sealed under the
 * same seal key, POST …/snapshot-force restores one sealed under any keys. All sudo.
 */
export function snapshotPaths(core: Core): PathDef[] {
  return ['storage/snapshot', 'storage/raft/snapshot'].flatMap((base) => [
    definePath({
      pattern: base,
      fields: SNAPSHOT_FIELDS,
      sudo: true,
      description: 'Save (GET) or restore (POST) a point-in-time copy of the whole encrypted store.',
      operations: {
        read: async () => saveSnapshot(core),
        update: async (req) => restoreSnapshot(core, req.fields.snapshot, false),
      },
    }),
    definePath({
      pattern: `${base}-force`,
      fields: SNAPSHOT_FIELDS,
      sudo: true,
      description: 'Restore a snapshot even when it was sealed under other keys.',
      operations: { update: async (req) => restoreSnapshot(core, req.fields.snapshot, true) },
    }),
  ]);
}

async function saveSnapshot(core: Core): Promise<Resp> {
  const physical = core.barrier.physicalStore;
  if (!physical.snapshot) throw invalidRequest(`the ${core.storageType} storage backend does not support snapshots`);
  const identity = await currentKeyIdentity(physical);
  if (!identity) throw new Error('the barrier root key record is missing or unreadable');
  const header = { created: new Date().toISOString(), storage_type: core.storageType, key_identity: identity.identity, seal_type: identity.sealType };
  // The entries are read lazily as the client downloads; the backend's point-in-time copy keeps
  // writes made meanwhile out of it.
  return { raw: { contentType: 'application/octet-stream', body: Readable.from(writeSnapshot(header, physical.snapshot())) } };
}

/**
 * Verifies everything before changing anything (a bad file is a 400 and the store is untouched).
 * The swap runs after the response is audited, with the core sealed around it: sealing stops
 * background work and drops every cache (mounts, policies, identity, tokens, audit devices), the
 * unseal with the configured seal loads them again from the restored data. A snapshot of other
 * keys cannot be opened by this server's seal, so after a forced restore it stays sealed until
 * unsealed with the keys the snapshot's store was sealed under.
 */
async function restoreSnapshot(core: Core, encoded: string, force: boolean): Promise<Resp> {
  const physical = core.barrier.physicalStore;
  if (!physical.restore) throw invalidRequest(`the ${core.storageType} storage backend does not support snapshot restore`);
  if (!encoded) throw invalidRequest('missing snapshot: send the snapshot file as the request body with Content-Type: application/octet-stream');
  const snapshot = verifySnapshot(Buffer.from(encoded, 'base64'));
  const current = await currentKeyIdentity(physical);
  const sameKeys = current?.identity === snapshot.keyIdentity;
  if (!sameKeys && !force) {
    throw invalidRequest(
      'snapshot was sealed under other keys; use snapshot-force (coffer operator snapshot restore -force) to restore it anyway: ' +
        'the server then stays sealed until it is unsealed with the keys of the store the snapshot came from',
    );
  }
  const restore = physical.restore.bind(physical);
  // A Shamir seal has no key of its own to unseal with: the operators' shares are needed again.
  const warning = !sameKeys
    ? "the snapshot was sealed under other keys than this server's seal: the server is now sealed until it is unsealed with the keys of the store the snapshot came from"
    : core.sealType === 'shamir'
      ? 'the server is now sealed: unseal it with the unseal key shares'
      : undefined;
  return {
    ...(warning ? { data: null, warnings: [warning] } : { status: 204 }),
    afterResponse: async () => {
      core.logger.warn({ entries: snapshot.entries.length, created: snapshot.header.created, forced: force }, 'restoring a storage snapshot: sealing, replacing the store, unsealing');
      try {
        await core.replaceStore(() => restore(snapshot.entries));
      } catch (err) {
        core.logger.warn({ reason: err instanceof Error ? err.message : 'unknown' }, 'snapshot restore: the server stays sealed (the restore failed, or the configured seal cannot open the restored store)');
      }
    },
  };
}
