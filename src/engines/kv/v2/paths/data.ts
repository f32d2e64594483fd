import { invalidRequest } from '../../../../framework/errors.js';
import { field } from '../../../../framework/fields.js';
import {
  definePath,
  noContent,
  notFound,
  ok,
  type JsonOp,
  type MountStorage,
  type PathDef,
  type Req,
  type Resp,
} from '../../../../framework/types.js';
import { checkAndSet, parseCas } from '../cas.js';
import { commitGuarded, type Change } from '../commit.js';
import type { KvV2Context } from '../context.js';
import { requireVersionNumber } from '../input.js';
import { mergePatch } from '../merge-patch.js';
import {
  addVersion,
  describeVersion,
  emptyMetadata,
  isLive,
  loadConfig,
  loadMetadata,
  readVersion,
  metadataKey,
  versionKey,
  type KeyMetadata,
} from '../model.js';
import type { StoredVersion } from '../sealing.js';
import { formatTimestamp } from '../time.js';
import { rejectSecretPath } from './invalid.js';

const fields = {
  path: field.string({ description: 'Location of the secret.' }),
  version: field.int({ description: 'Version to read; 0 is the latest.' }),
  data: field.map({ description: 'The secret to store (write) or the merge patch to apply (patch).' }),
  options: field.map({ description: 'cas: the version the write expects to be current (0: path must be new).' }),
};
type DataReq = Req<typeof fields>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Ops and response for a new version holding `data`: the version's own entry, the data of versions
 * pruned by max_versions, and the metadata last (its entry guards the whole transaction).
 */
async function appendVersion(
  ctx: KvV2Context,
  store: MountStorage,
  path: string,
  meta: KeyMetadata,
  data: Record<string, unknown>,
): Promise<Change<Resp>> {
  const config = await loadConfig(store);
  const { version, pruned } = addVersion(meta, config, ctx.clock());
  const entry: StoredVersion = await ctx.sealer.seal(path, version, data);
  const ops: JsonOp[] = [
    { type: 'put', key: versionKey(path, version), value: entry },
    ...pruned.map((n): JsonOp => ({ type: 'delete', key: versionKey(path, n) })),
    { type: 'put', key: metadataKey(path), value: meta },
  ];
  return { ops, result: ok(describeVersion(meta, version)) };
}

/** data/:path — read, write, patch and soft-delete versions of a secret (Vault: /:mount/data/:path). */
export function dataPath(ctx: KvV2Context): PathDef {
  async function readData(req: DataReq, store: MountStorage): Promise<Resp> {
    const { path } = req.fields;
    const rejected = rejectSecretPath(path, req.path, req.operation);
    if (rejected) return rejected;
    const read = await readVersion(store, ctx.sealer, path, requireVersionNumber(req.fields.version), ctx.clock());
    if (read.state === 'missing') return notFound();
    if (read.state === 'gone') return notFound({ data: null, metadata: read.metadata });
    return ok({ data: read.data, metadata: read.metadata });
  }

  async function writeData(req: DataReq, store: MountStorage): Promise<Resp> {
    const { path } = req.fields;
    const rejected = rejectSecretPath(path, req.path, req.operation);
    if (rejected) return rejected;
    if (!req.provided('data')) throw invalidRequest('no data provided');
    const cas = parseCas(req.fields.options);
    return commitGuarded<KeyMetadata, Resp>(store, ctx.lock, metadataKey(path), async (current) => {
      const meta = current ?? emptyMetadata();
      checkAndSet(cas, await loadConfig(store), meta);
      return appendVersion(ctx, store, path, meta, req.fields.data);
    });
  }

  async function patchData(req: DataReq, store: MountStorage): Promise<Resp> {
    const { path } = req.fields;
    const rejected = rejectSecretPath(path, req.path, req.operation);
    if (rejected) return rejected;
    if (!req.provided('data')) throw invalidRequest('no data provided');
    const cas = parseCas(req.fields.options);
    return commitGuarded<KeyMetadata, Resp>(store, ctx.lock, metadataKey(path), async (meta) => {
      const unchanged = (result: Resp): Change<Resp> => ({ ops: [], result });
      if (!meta) return unchanged(notFound());
      checkAndSet(cas, await loadConfig(store), meta);
      const latest = meta.versions[meta.current_version];
      if (!latest) return unchanged(notFound());
      // Vault answers a patch of a deleted or destroyed latest version with its metadata, flat.
      if (!isLive(latest, ctx.clock())) return unchanged(notFound(describeVersion(meta, meta.current_version)));
      const stored = await store.get<StoredVersion>(versionKey(path, meta.current_version));
      if (!stored) return unchanged(notFound(describeVersion(meta, meta.current_version)));
      const patched = mergePatch(await ctx.sealer.open(path, meta.current_version, stored), req.fields.data);
      if (!isObject(patched)) throw invalidRequest('patched data must be an object');
      return appendVersion(ctx, store, path, meta, patched);
    });
  }

  async function deleteLatest(req: DataReq, store: MountStorage): Promise<Resp> {
    const { path } = req.fields;
    const rejected = rejectSecretPath(path, req.path, req.operation);
    if (rejected) return rejected;
    return commitGuarded<KeyMetadata, Resp>(store, ctx.lock, metadataKey(path), async (meta) => {
      const now = ctx.clock();
      const latest = meta?.versions[meta.current_version];
      if (!meta || !latest || !isLive(latest, now)) return { ops: [], result: noContent() };
      latest.deletion_time = formatTimestamp(now);
      return { ops: [{ type: 'put', key: metadataKey(path), value: meta }], result: noContent() };
    });
  }

  return definePath({
    pattern: 'data/:path*',
    fields,
    operations: { read: readData, create: writeData, update: writeData, patch: patchData, delete: deleteLatest },
    existenceCheck: async (req, store) => (await loadMetadata(store, req.fields.path)) !== undefined,
    description: 'Write, patch, read and soft-delete versions of a secret.',
  });
}
