import { field } from '../../../../framework/fields.js';
import { definePath, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../../framework/types.js';
import type { KvV2Context } from '../context.js';
import { requireVersionNumber } from '../input.js';
import { readVersion } from '../model.js';
import { rejectSecretPath } from './invalid.js';

const fields = {
  path: field.string({ description: 'Location of the secret.' }),
  version: field.int({ description: 'Version to read; 0 is the latest.' }),
  depth: field.int({ description: 'Deepest nesting level to show; 0 means no limit.' }),
};
type SubkeysReq = Req<typeof fields>;

/** Vault's hard cap on nesting walked by subkeys, whatever depth asks for. */
const MAX_DEPTH = 100;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The key structure of a secret without its values: non-empty objects are walked, every other value
 * (and every object at the depth limit) becomes null, so no secret value can leak through.
 */
export function stripValues(data: Record<string, unknown>, depthLimit: number, depth = 1): Record<string, unknown> {
  const entries = Object.entries(data).map(([key, value]): [string, unknown] => {
    const next = depth + 1;
    const walk = isObject(value) && Object.keys(value).length > 0 && next <= MAX_DEPTH && (depthLimit === 0 || next <= depthLimit);
    return [key, walk ? stripValues(value, depthLimit, next) : null];
  });
  return Object.fromEntries(entries);
}

/** subkeys/:path — the shape of a version's data with values removed (Vault: /:mount/subkeys/:path). */
export function subkeysPath(ctx: KvV2Context): PathDef {
  async function readSubkeys(req: SubkeysReq, store: MountStorage): Promise<Resp> {
    const { path } = req.fields;
    const rejected = rejectSecretPath(path, req.path, req.operation);
    if (rejected) return rejected;
    const depthLimit = requireVersionNumber(req.fields.depth, 'depth');
    const read = await readVersion(store, ctx.sealer, path, requireVersionNumber(req.fields.version), ctx.clock());
    if (read.state === 'missing') return notFound();
    if (read.state === 'gone') return notFound({ subkeys: null, metadata: read.metadata });
    return ok({ subkeys: stripValues(read.data, depthLimit), metadata: read.metadata });
  }

  return definePath({ pattern: 'subkeys/:path*', fields, operations: { read: readSubkeys }, description: 'Key structure of a secret, values removed.' });
}
