import { definePath, type Operation, type PathDef, type Resp } from '../../../../framework/types.js';

const SUBCOMMAND: Record<Operation, string> = {
  read: 'get',
  create: 'put',
  update: 'put',
  patch: 'patch',
  list: 'list',
  delete: 'delete',
};

const ROOTS = new Set(['data', 'metadata', 'delete', 'undelete', 'destroy', 'subkeys']);

/** Vault's 404 for a path outside the KV v2 API, with the warning that points at the right CLI verb. */
export function invalidPathResponse(path: string, operation: Operation): Resp {
  const root = path.replace(/\/$/, '');
  const warning = ROOTS.has(root)
    ? 'Non-listing operations on the root of a K/V v2 mount are not supported.'
    : `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${SUBCOMMAND[operation]}' for this operation.`;
  return { status: 404, data: null, warnings: [warning] };
}

/** data/ needs a secret path that does not end in "/" (Vault routes anything else to its invalid path). */
export function rejectSecretPath(secretPath: string, requestPath: string, operation: Operation): Resp | undefined {
  if (secretPath === '' || secretPath.endsWith('/')) return invalidPathResponse(requestPath, operation);
  return undefined;
}

const handler = async (req: { path: string; operation: Operation }): Promise<Resp> => invalidPathResponse(req.path, req.operation);

/** Catch-all, last in the table: a KV v1 style path on a v2 mount gets a 404 that explains why. */
export const invalidPath: PathDef = definePath({
  pattern: ':path*',
  fields: {},
  arbitraryData: true,
  operations: { read: handler, create: handler, update: handler, patch: handler, list: handler, delete: handler },
  description: 'Anything outside the KV v2 API.',
});
