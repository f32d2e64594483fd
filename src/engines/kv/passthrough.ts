import { invalidRequest } from '../../framework/errors.js';
import { field } from '../../framework/fields.js';
import { definePath, noContent, notFound, ok, SECRET_READS, type MountStorage, type PathDef, type Req, type Resp } from '../../framework/types.js';

const fields = { path: field.string({ description: 'Location of the secret.' }) };
type PassthroughReq = Req<typeof fields>;

/** Picks the storage a request works in: the mount's own (KV v1) or the caller's private part of it (cubbyhole). */
export type StorageScope = (req: PassthroughReq, store: MountStorage) => MountStorage;

const listPrefix = (path: string) => (path === '' || path.endsWith('/') ? path : `${path}/`);

/**
 * One value per path, stored exactly as written (Vault's passthrough: KV v1 and cubbyhole). The body is
 * the secret, so the path takes arbitrary fields; each path's value is one storage entry keyed by the path.
 */
export function passthroughPath(scope: StorageScope, description: string): PathDef {
  async function read(req: PassthroughReq, store: MountStorage): Promise<Resp> {
    const value = await scope(req, store).get<Record<string, unknown>>(req.fields.path);
    return value === undefined ? notFound() : ok(value);
  }

  async function write(req: PassthroughReq, store: MountStorage): Promise<Resp> {
    const { path } = req.fields;
    if (path === '') throw invalidRequest('missing path');
    if (Object.keys(req.raw).length === 0) throw invalidRequest('missing data fields');
    await scope(req, store).put(path, req.raw);
    return noContent();
  }

  async function remove(req: PassthroughReq, store: MountStorage): Promise<Resp> {
    await scope(req, store).delete(req.fields.path);
    return noContent();
  }

  async function list(req: PassthroughReq, store: MountStorage): Promise<Resp> {
    const keys = await scope(req, store).list(listPrefix(req.fields.path));
    // Vault's HTTP layer answers an empty listing with 404.
    return keys.length > 0 ? ok({ keys }) : notFound();
  }

  return definePath({
    pattern: ':path*',
    fields,
    arbitraryData: true,
    returnsSecret: SECRET_READS,
    storedData: 'whole',
    operations: { read, create: write, update: write, delete: remove, list },
    existenceCheck: async (req, store) => (await scope(req, store).get(req.fields.path)) !== undefined,
    description,
  });
}
