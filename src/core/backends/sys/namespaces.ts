import type { Core } from '../../core.js';
import { invalidRequest, notFoundError } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, ok, type NamespaceRef, type PathDef, type Req } from '../../../framework/types.js';
import { ensureBuiltinMounts } from '../../builtin-mounts.js';
import { ROOT_NAMESPACE, namespacePath, requestNamespace, type NamespaceEntry } from '../../namespaces/index.js';

/**
 * sys/namespaces (Vault Enterprise's and OpenBao's API): list the children of the namespace the
 * request is in, create one (nested paths allowed), read, patch its custom metadata, delete it.
 */
export function namespacePaths(core: Core): PathDef[] {
  // The request's namespace: the one whose sys/ it reached.
  const named = (req: Req, path: string): NamespaceEntry | undefined => core.namespaces.get(`${requestNamespace(req).path}${namespacePath(path)}`);

  /** The children of `parent`, keyed by their path below the request's namespace (404 when none). */
  const listChildren = (req: Req, parent: NamespaceRef | undefined) => {
    const children = parent ? core.namespaces.children(parent) : [];
    if (children.length === 0) return { status: 404, data: null };
    const key = (ns: NamespaceEntry) => ns.path.slice(requestNamespace(req).path.length);
    return ok({ keys: children.map(key), key_info: Object.fromEntries(children.map((ns) => [key(ns), describe(ns)])) });
  };
  const list = definePath({
    pattern: 'namespaces',
    fields: {},
    operations: { list: async (req) => listChildren(req, requestNamespace(req)) },
  });

  const one = definePath({
    pattern: 'namespaces/:path*',
    fields: { path: field.string(), custom_metadata: field.map() },
    operations: {
      list: async (req) => listChildren(req, req.fields.path === '' ? requestNamespace(req) : named(req, req.fields.path)),
      read: async (req) => {
        const ns = named(req, req.fields.path);
        if (!ns) throw notFoundError(`namespace "${namespacePath(req.fields.path)}" does not exist`);
        return ok(describe(ns));
      },
      update: async (req) => {
        const relative = namespacePath(req.fields.path);
        const existing = named(req, relative);
        if (existing?.tainted) throw invalidRequest(`namespace "${existing.path}" is being deleted`);
        if (existing) return ok(describe(existing));
        const segments = relative.slice(0, -1).split('/');
        const parentPath = `${requestNamespace(req).path}${segments.slice(0, -1).map((s) => `${s}/`).join('')}`;
        const parent = parentPath === '' ? ROOT_NAMESPACE : core.namespaces.get(parentPath);
        if (!parent) throw invalidRequest(`parent namespace "${parentPath}" does not exist`);
        if ('tainted' in parent && parent.tainted) throw invalidRequest(`parent namespace "${parentPath}" is being deleted`);
        const siblingMount = core.mounts.conflict(`${parent.path}${segments.at(-1)}/`);
        if (siblingMount !== undefined) throw invalidRequest(`a mount is in the way at "${siblingMount}"`);
        const created = await core.namespaces.create(parent, segments.at(-1)!, metadataOf(req.fields.custom_metadata));
        await core.openNamespaceIdentity(created);
        for (const entry of await ensureBuiltinMounts(core.mounts, created)) core.startBackend(entry);
        await core.policiesIn(created).ensureDefault();
        return ok(describe(created));
      },
      patch: async (req) => {
        const ns = named(req, req.fields.path);
        if (!ns) throw notFoundError(`namespace "${namespacePath(req.fields.path)}" does not exist`);
        if (ns.tainted) throw invalidRequest(`namespace "${ns.path}" is being deleted`);
        const metadata = { ...ns.customMetadata };
        // A merge patch: a key set to null goes away.
        for (const [key, value] of Object.entries((req.raw.custom_metadata as Record<string, unknown> | undefined) ?? {})) {
          if (value === null) delete metadata[key];
          else metadata[key] = String(value);
        }
        return ok(describe(await core.namespaces.setMetadata(ns, metadataOf(metadata))));
      },
      // Vault's asynchronous delete: the namespace is tainted at once and emptied in the background
      // (namespace-deletion.ts); reads show it tainted until it is gone, then a delete answers 204.
      delete: async (req) => {
        const ns = named(req, req.fields.path);
        if (!ns) return noContent();
        if (core.namespaces.children(ns).length > 0) throw invalidRequest(`cannot delete namespace "${ns.path}": it has child namespaces`);
        await core.namespaceDeletion.start(ns);
        return ok({ status: 'in-progress' });
      },
    },
  });
  return [list, one];
}

function describe(ns: NamespaceEntry): Record<string, unknown> {
  return { id: ns.id, path: ns.path, custom_metadata: ns.customMetadata, ...(ns.tainted ? { tainted: true } : {}) };
}

function metadataOf(raw: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw invalidRequest(`custom_metadata "${key}" must be a string`);
    out[key] = value;
  }
  return out;
}
