import type { Core } from '../../core.js';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type PathDef } from '../../../framework/types.js';
import type { TokenEntry } from '../../token/index.js';

const pathFields = { path: field.strings(), paths: field.strings() };

/** sys/capabilities, -self and -accessor: what a token may do on some paths, in Vault's answer shape. */
export function capabilityPaths(core: Core): PathDef[] {
  const answer = async (entry: TokenEntry | undefined, raw: { path: string[]; paths: string[] }) => {
    const paths = [...raw.paths, ...raw.path];
    if (paths.length === 0) throw invalidRequest('missing paths');
    if (!entry) throw invalidRequest('invalid token');
    const acl = await core.aclFor(entry);
    const data: Record<string, string[]> = {};
    for (const path of paths) data[path] = acl.capabilities(path.replace(/^\/+/, ''));
    // With a single path Vault also answers under "capabilities" (kept for old clients).
    return ok(paths.length === 1 ? { ...data, capabilities: data[paths[0]!] } : data);
  };

  return [
    definePath({
      pattern: 'capabilities',
      fields: { ...pathFields, token: field.string({ required: true }) },
      operations: { update: async (req) => answer(await core.tokens.lookup(req.fields.token), req.fields) },
    }),
    definePath({
      pattern: 'capabilities-self',
      fields: pathFields,
      operations: {
        update: async (req) => answer(req.caller && (await core.tokens.lookup(req.caller.token)), req.fields),
      },
    }),
    definePath({
      pattern: 'capabilities-accessor',
      fields: { ...pathFields, accessor: field.string({ required: true }) },
      operations: { update: async (req) => answer(await core.tokens.lookupByAccessor(req.fields.accessor), req.fields) },
    }),
  ];
}
