import type { NamespaceRef } from '../../framework/types.js';
import type { LeaseEntry } from './entry.js';

/** What lease ids need of the namespaces: finding one by id. */
export interface NamespaceLookup {
  getById(id: string): NamespaceRef | undefined;
}

/**
 * A lease's id as its namespace's clients know it. The store keys every lease by its full path
 * ("team-a/database/creds/ro/<random>"), so a prefix of one namespace never reaches another's; the
 * client sees, as in Vault, the path inside the namespace with ".<namespace id>" after it
 * ("database/creds/ro/<random>.Xy12z"), which names its namespace wherever it is sent.
 */
export function publicLeaseId(entry: Pick<LeaseEntry, 'id'>, namespace: NamespaceRef | undefined): string {
  if (!namespace || namespace.path === '') return entry.id;
  return `${entry.id.slice(namespace.path.length)}.${namespace.id}`;
}

/**
 * The stored id a client's lease id names, asked in namespace `here`: one ending in a namespace's
 * id is that namespace's (which must be `here` or below it: a lease is not found from a sibling);
 * one without is `here`'s own. Undefined when it names a namespace out of reach.
 */
export function storedLeaseId(id: string, here: NamespaceRef, namespaces: NamespaceLookup): string | undefined {
  const dot = id.lastIndexOf('.');
  // The random part of a lease id is base62: a dot after the last slash is a namespace suffix.
  const owner = dot > id.lastIndexOf('/') ? namespaces.getById(id.slice(dot + 1)) : undefined;
  if (!owner) return `${here.path}${id}`;
  if (!owner.path.startsWith(here.path)) return undefined;
  return `${owner.path}${id.slice(0, dot)}`;
}
