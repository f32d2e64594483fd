import type { Core } from '../../core.js';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type NamespaceRef, type PathDef, type Req } from '../../../framework/types.js';
import { ROOT_NAMESPACE, requestNamespace } from '../../namespaces/index.js';
import type { TokenEntry } from '../../token/index.js';

const pathFields = { path: field.strings(), paths: field.strings() };

/**
 * sys/capabilities, -self and -accessor: what a token may do on some paths, in Vault's answer
 * shape. Paths are relative to the namespace whose sys/ was asked; a token is only known there
 * when it belongs to that namespace or one below it, and may do nothing outside its own.
 */
export function capabilityPaths(core: Core): PathDef[] {
  const visible = (req: Req, entry: TokenEntry | undefined) => {
    const home = entry && (core.namespaceOf(entry) ?? (entry.namespaceId ? undefined : ROOT_NAMESPACE));
    return home && home.path.startsWith(requestNamespace(req).path) ? { entry, home } : undefined;
  };
  const answer = async (req: Req, token: { entry: TokenEntry; home: NamespaceRef } | undefined, raw: { path: string[]; paths: string[] }) => {
    const paths = [...raw.paths, ...raw.path];
    if (paths.length === 0) throw invalidRequest('missing paths');
    if (!token) throw invalidRequest('invalid token');
    const acl = await core.aclFor(token.entry);
    const data: Record<string, string[]> = {};
    for (const path of paths) {
      const full = `${requestNamespace(req).path}${path.replace(/^\/+/, '')}`;
      data[path] = full.startsWith(token.home.path) ? acl.capabilities(full.slice(token.home.path.length)) : ['deny'];
    }
    // With a single path Vault also answers under "capabilities" (kept for old clients).
    return ok(paths.length === 1 ? { ...data, capabilities: data[paths[0]!] } : data);
  };

  return [
    definePath({
      pattern: 'capabilities',
      fields: { ...pathFields, token: field.string({ required: true }) },
      operations: { update: async (req) => answer(req, visible(req, await core.tokens.lookup(req.fields.token)), req.fields) },
    }),
    definePath({
      pattern: 'capabilities-self',
      fields: pathFields,
      operations: {
        // The caller's own token reached this sys/, so it is of this namespace or one above it.
        update: async (req) => {
          const entry = req.caller && (await core.tokens.lookup(req.caller.token));
          const home = entry && (core.namespaceOf(entry) ?? ROOT_NAMESPACE);
          return answer(req, entry && home && { entry, home }, req.fields);
        },
      },
    }),
    definePath({
      pattern: 'capabilities-accessor',
      fields: { ...pathFields, accessor: field.string({ required: true }) },
      operations: { update: async (req) => answer(req, visible(req, await core.tokens.lookupByAccessor(req.fields.accessor)), req.fields) },
    }),
  ];
}
