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
import { commitGuarded, type Change } from '../commit.js';
import type { KvV2Context } from '../context.js';
import { parseCustomMetadata, toStored, validateCustomMetadata } from '../custom-metadata.js';
import { requireNonNegative } from '../input.js';
import {
  emptyMetadata,
  loadConfig,
  loadMetadata,
  METADATA_PREFIX,
  metadataKey,
  versionKey,
  type KeyMetadata,
} from '../model.js';
import { formatSignedDuration, formatTimestamp } from '../time.js';

const fields = {
  path: field.string({ description: 'Location of the secret.' }),
  max_versions: field.int({ description: "Versions to keep; 0 uses the mount's." }),
  cas_required: field.bool({ description: 'Require the cas option on every write to this key.' }),
  delete_version_after: field.duration({ description: "Delete versions this long after writing; 0 uses the mount's." }),
  custom_metadata: field.map({ description: 'Version-agnostic key/value pairs describing the secret.' }),
};
type MetadataReq = Req<typeof fields>;

const CAS_IGNORED_WARNING = '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';

function describeKey(meta: KeyMetadata): Record<string, unknown> {
  return {
    cas_required: meta.cas_required,
    created_time: meta.created_time,
    current_version: meta.current_version,
    custom_metadata: meta.custom_metadata,
    delete_version_after: formatSignedDuration(meta.delete_version_after),
    max_versions: meta.max_versions,
    oldest_version: meta.oldest_version,
    updated_time: meta.updated_time,
    versions: meta.versions,
  };
}

/** The settings a metadata write or patch sends, validated before anything is read or written. */
function parseSettings(req: MetadataReq) {
  return {
    maxVersions: req.provided('max_versions') ? requireNonNegative(req.fields.max_versions, 'max_versions') : undefined,
    casRequired: req.provided('cas_required') ? req.fields.cas_required : undefined,
    deleteVersionAfter: req.provided('delete_version_after') ? req.fields.delete_version_after : undefined,
  };
}

function applySettings(meta: KeyMetadata, settings: ReturnType<typeof parseSettings>): void {
  if (settings.maxVersions !== undefined) meta.max_versions = settings.maxVersions;
  if (settings.casRequired !== undefined) meta.cas_required = settings.casRequired;
  if (settings.deleteVersionAfter !== undefined) meta.delete_version_after = settings.deleteVersionAfter;
}

async function casWarnings(store: MountStorage, casRequired: boolean | undefined): Promise<string[]> {
  return casRequired === false && (await loadConfig(store)).cas_required ? [CAS_IGNORED_WARNING] : [];
}

const written = (warnings: string[]): Resp => (warnings.length > 0 ? { data: null, warnings } : noContent());

async function readMetadata(req: MetadataReq, store: MountStorage): Promise<Resp> {
  const meta = await loadMetadata(store, req.fields.path);
  return meta ? ok(describeKey(meta)) : notFound();
}

async function listKeys(req: MetadataReq, store: MountStorage): Promise<Resp> {
  const { path } = req.fields;
  const prefix = path === '' || path.endsWith('/') ? path : `${path}/`;
  const keys = await store.list(METADATA_PREFIX + prefix);
  return keys.length > 0 ? ok({ keys }) : notFound();
}

/** metadata/:path — key settings, version history, listing and permanent deletion (Vault: /:mount/metadata/:path). */
export function metadataPath(ctx: KvV2Context): PathDef {
  async function writeMetadata(req: MetadataReq, store: MountStorage): Promise<Resp> {
    const { path } = req.fields;
    if (path === '') throw invalidRequest('missing path');
    const settings = parseSettings(req);
    let customMetadata: Map<string, string> | undefined;
    if (req.provided('custom_metadata')) {
      customMetadata = parseCustomMetadata(req.fields.custom_metadata, false);
      validateCustomMetadata(customMetadata);
    }
    // Vault creates no metadata for a write that sets nothing.
    if (Object.values(settings).every((v) => v === undefined) && !customMetadata) return noContent();
    const warnings = await casWarnings(store, settings.casRequired);
    return commitGuarded<KeyMetadata, Resp>(store, ctx.lock, metadataKey(path), async (current) => {
      const meta = current ?? emptyMetadata(formatTimestamp(ctx.clock()));
      applySettings(meta, settings);
      if (customMetadata) meta.custom_metadata = toStored(customMetadata);
      return { ops: [{ type: 'put', key: metadataKey(path), value: meta }], result: written(warnings) };
    });
  }

  async function patchMetadata(req: MetadataReq, store: MountStorage): Promise<Resp> {
    const { path } = req.fields;
    if (path === '') throw invalidRequest('missing path');
    const settings = parseSettings(req);
    const patch = req.provided('custom_metadata') ? parseCustomMetadata(req.fields.custom_metadata, true) : undefined;
    const warnings = await casWarnings(store, settings.casRequired);
    return commitGuarded<KeyMetadata, Resp>(store, ctx.lock, metadataKey(path), async (meta) => {
      if (!meta) return { ops: [], result: notFound() };
      applySettings(meta, settings);
      if (patch) {
        const merged = new Map(Object.entries(meta.custom_metadata ?? {}));
        for (const [key, value] of patch) {
          if (value === null) merged.delete(key);
          else merged.set(key, value);
        }
        validateCustomMetadata(merged);
        meta.custom_metadata = toStored(merged);
      }
      return { ops: [{ type: 'put', key: metadataKey(path), value: meta }], result: written(warnings) };
    });
  }

  async function deleteKey(req: MetadataReq, store: MountStorage): Promise<Resp> {
    const { path } = req.fields;
    return commitGuarded<KeyMetadata, Resp>(store, ctx.lock, metadataKey(path), async (meta): Promise<Change<Resp>> => {
      if (!meta) return { ops: [], result: noContent() };
      const ops: JsonOp[] = Object.keys(meta.versions).map((n) => ({ type: 'delete', key: versionKey(path, Number(n)) }));
      ops.push({ type: 'delete', key: metadataKey(path) });
      return { ops, result: noContent() };
    });
  }

  return definePath({
    pattern: 'metadata/:path*',
    fields,
    operations: {
      read: readMetadata,
      list: listKeys,
      create: writeMetadata,
      update: writeMetadata,
      patch: patchMetadata,
      delete: deleteKey,
    },
    existenceCheck: async (req, store) => (await loadMetadata(store, req.fields.path)) !== undefined,
    description: 'Key settings, version history, listing, and permanent deletion of every version.',
  });
}
