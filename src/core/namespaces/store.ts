import { randomBytes } from 'node:crypto';
import { invalidRequest } from '../../framework/errors.js';
import type { MountStorage, NamespaceRef } from '../../framework/types.js';

/** A namespace as stored: one storage entry each (no list entry that grows with their number). */
export interface NamespaceEntry extends NamespaceRef {
  customMetadata: Record<string, string>;
  /** Being deleted (Vault's "tainted"): nothing is served in it, and its deletion resumes after a restart. */
  tainted?: boolean;
}

/** The root namespace: today's whole server; it has no entry and cannot be changed. */
export const ROOT_NAMESPACE: NamespaceRef = { id: 'root', path: '' };

// Vault refuses these as namespace names: they would shadow the paths every namespace has.
const RESERVED_NAMES = new Set(['root', 'sys', 'audit', 'auth', 'cubbyhole', 'identity']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** The namespace whose mount a request reached (the root's for its own mounts): what its paths are relative to. */
export function requestNamespace(req: { mount: { namespace?: NamespaceRef } }): NamespaceRef {
  return req.mount.namespace ?? ROOT_NAMESPACE;
}

/** Normalises a namespace path: no leading slash, one trailing slash ("" for the root). */
export function namespacePath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/**
 * The namespaces of the server, each under `<id>` in its storage area, all held in memory by path
 * once loaded (a request finds its namespace by the longest matching path prefix).
 */
export class NamespaceStore {
  private readonly byPath = new Map<string, NamespaceEntry>();
  private readonly byId = new Map<string, NamespaceEntry>();

  constructor(private readonly storage: MountStorage) {}

  async load(): Promise<void> {
    this.byPath.clear();
    this.byId.clear();
    for (const key of await this.storage.list('')) {
      const entry = await this.storage.get<NamespaceEntry>(key);
      if (entry) this.remember(entry);
    }
  }

  /** Every namespace but the root, by path. */
  all(): NamespaceEntry[] {
    return [...this.byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  get(path: string): NamespaceEntry | undefined {
    return this.byPath.get(namespacePath(path));
  }

  getById(id: string): NamespaceRef | undefined {
    return id === ROOT_NAMESPACE.id ? ROOT_NAMESPACE : this.byId.get(id);
  }

  /** The direct children of a namespace ("" for the root's). */
  children(parent: NamespaceRef): NamespaceEntry[] {
    return this.all().filter((ns) => ns.path !== parent.path && ns.path.startsWith(parent.path) && !ns.path.slice(parent.path.length, -1).includes('/'));
  }

  /** The deepest namespace whose path is a prefix of `fullPath` (the root when none is). */
  resolve(fullPath: string): NamespaceRef {
    let best: NamespaceRef = ROOT_NAMESPACE;
    for (const ns of this.byPath.values()) {
      if ((fullPath.startsWith(ns.path) || `${fullPath}/` === ns.path) && ns.path.length > best.path.length) best = ns;
    }
    return best;
  }

  /** Creates `name` under `parent`; 400 for a bad or reserved name, or one that exists. */
  async create(parent: NamespaceRef, name: string, customMetadata: Record<string, string>): Promise<NamespaceEntry> {
    const clean = name.replace(/^\/+|\/+$/g, '');
    if (!NAME.test(clean) || RESERVED_NAMES.has(clean.toLowerCase())) throw invalidRequest(`invalid namespace name "${name}"`);
    const path = `${parent.path}${clean}/`;
    if (this.byPath.has(path)) throw invalidRequest(`namespace "${path}" already exists`);
    const entry: NamespaceEntry = { id: this.newId(), path, customMetadata };
    await this.storage.put(entry.id, entry);
    this.remember(entry);
    return entry;
  }

  async setMetadata(entry: NamespaceEntry, customMetadata: Record<string, string>): Promise<NamespaceEntry> {
    const updated = { ...entry, customMetadata };
    await this.storage.put(entry.id, updated);
    this.remember(updated);
    return updated;
  }

  /** Marks a namespace as being deleted, durably: a deletion cut short resumes from this mark. */
  async taint(entry: NamespaceEntry): Promise<NamespaceEntry> {
    const updated = { ...entry, tainted: true };
    await this.storage.put(entry.id, updated);
    this.remember(updated);
    return updated;
  }

  async delete(entry: NamespaceEntry): Promise<void> {
    await this.storage.delete(entry.id);
    this.byPath.delete(entry.path);
    this.byId.delete(entry.id);
  }

  private remember(entry: NamespaceEntry): void {
    this.byPath.set(entry.path, entry);
    this.byId.set(entry.id, entry);
  }

  /** Vault's namespace ids: five random letters and digits. */
  private newId(): string {
    for (;;) {
      const id = [...randomBytes(5)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
      if (!this.byId.has(id) && id !== ROOT_NAMESPACE.id) return id;
    }
  }
}
