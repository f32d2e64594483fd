import { randomBytes, randomUUID } from 'node:crypto';
import { invalidRequest } from '../framework/errors.js';
import type { MountInfo, MountStorage, NamespaceRef } from '../framework/types.js';

/** Lease TTL settings of a mount; 0 means "use the system default". */
export interface MountConfig {
  default_lease_ttl: number;
  max_lease_ttl: number;
}

/** One row of the mount table, as persisted in the barrier. */
export interface MountEntry extends MountInfo {
  /** 'secret' mounts live under their path; 'auth' mounts under "auth/<path>". */
  table: 'secret' | 'auth';
  description: string;
  config: MountConfig;
  local: boolean;
  sealWrap: boolean;
}

export type NewMount = Pick<MountEntry, 'path' | 'type' | 'table'> & Partial<Pick<MountEntry, 'description' | 'options' | 'config' | 'namespace'>>;

/**
 * Vault's mountAliases: an engine's old name keeps working. The table keeps the name it was mounted
 * with (sys/mounts reports a "generic" mount as "generic"); the backend is the alias's.
 */
const MOUNT_ALIASES: Readonly<Record<string, string>> = { generic: 'kv' };

/** The backend type that serves a mount type ("generic" is served by "kv"). */
export function backendType(type: string): string {
  return Object.hasOwn(MOUNT_ALIASES, type) ? MOUNT_ALIASES[type]! : type;
}

/** Paths the core owns; nothing may be mounted over or under them. */
const RESERVED = ['sys/', 'auth/', 'cubbyhole/', 'identity/'];

/** Normalises a mount path: no leading slash, exactly one trailing slash. */
export function normaliseMountPath(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '' || trimmed.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw invalidRequest(`invalid mount path "${path}"`);
  }
  return `${trimmed}/`;
}

/**
 * The mount table: which backend serves which path prefix. Each namespace's two tables are one
 * entry each (the root's under "secret" and "auth", a namespace's under "<id>/secret" and
 * "<id>/auth"), so a change is a single atomic write. A mount in a namespace is routed by the
 * namespace's path and its own ("team-a/secret/"); routing picks the longest matching prefix, as
 * Vault's router does.
 */
export class MountTable {
  private entries = new Map<string, MountEntry>();

  constructor(private readonly store: MountStorage) {}

  /** Loads the tables of the root and of each namespace given. */
  async load(namespaces: readonly NamespaceRef[] = []): Promise<void> {
    this.entries.clear();
    for (const namespace of [undefined, ...namespaces]) {
      for (const table of ['secret', 'auth'] as const) {
        for (const entry of (await this.store.get<MountEntry[]>(tableKey(table, namespace))) ?? []) {
          const inNamespace = namespace ? { ...entry, namespace: { id: namespace.id, path: namespace.path } } : entry;
          this.entries.set(this.routeKey(inNamespace), inNamespace);
        }
      }
    }
  }

  /** The key a mount is routed by: "secret/", "auth/token/", or in a namespace "team-a/secret/". */
  routeKey(entry: Pick<MountEntry, 'table' | 'path' | 'namespace'>): string {
    return `${entry.namespace?.path ?? ''}${entry.table === 'auth' ? 'auth/' : ''}${entry.path}`;
  }

  /** Adds a mount; 400 when the path is taken, reserved, or nested in another mount. */
  async add(spec: NewMount, { system = false } = {}): Promise<MountEntry> {
    const path = normaliseMountPath(spec.path);
    const key = this.routeKey({ table: spec.table, path, namespace: spec.namespace });
    if (!system && spec.table === 'secret' && RESERVED.some((r) => path.startsWith(r))) {
      throw invalidRequest(`cannot mount under reserved path "${path}"`);
    }
    const existing = this.conflict(key);
    if (existing !== undefined) throw invalidRequest(`path is already in use at ${existing}`);
    const entry: MountEntry = {
      path,
      type: spec.type,
      table: spec.table,
      description: spec.description ?? '',
      accessor: `${spec.type.replace(/[^a-z0-9]/gi, '')}_${randomBytes(4).toString('hex')}`,
      uuid: randomUUID(),
      options: spec.options ?? {},
      config: { default_lease_ttl: 0, max_lease_ttl: 0, ...spec.config },
      local: false,
      sealWrap: false,
      ...(spec.namespace ? { namespace: { id: spec.namespace.id, path: spec.namespace.path } } : {}),
    };
    await this.persist(entry, [...this.tableOf(entry), entry]);
    this.entries.set(key, entry);
    return entry;
  }

  /** Removes a mount by route key; returns the removed entry (undefined when none). */
  async remove(key: string): Promise<MountEntry | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    await this.persist(entry, this.tableOf(entry).filter((e) => e !== entry));
    this.entries.delete(key);
    return entry;
  }

  /** Replaces a mount's tunable settings. */
  async update(entry: MountEntry, change: Partial<Pick<MountEntry, 'description' | 'options' | 'config'>>): Promise<MountEntry> {
    const updated: MountEntry = { ...entry, ...change };
    await this.persist(entry, this.tableOf(entry).map((e) => (e === entry ? updated : e)));
    this.entries.set(this.routeKey(entry), updated);
    return updated;
  }

  /**
   * Moves a mount to another path of the same table (sys/remount). Its uuid, accessor and data stay,
   * so nothing under its storage moves: the table is rewritten in one write. 400 when the new path
   * is taken or nests with another mount.
   */
  async move(key: string, newPath: string): Promise<MountEntry> {
    const entry = this.entries.get(key);
    if (!entry) throw invalidRequest(`no matching mount at "${key}"`);
    const path = normaliseMountPath(newPath);
    const newKey = this.routeKey({ table: entry.table, path, namespace: entry.namespace });
    const conflict = this.conflict(newKey);
    if (conflict !== undefined) throw invalidRequest(`path already in use at "${conflict}"`);
    const moved: MountEntry = { ...entry, path };
    await this.persist(entry, this.tableOf(entry).map((e) => (e === entry ? moved : e)));
    this.entries.delete(key);
    this.entries.set(newKey, moved);
    return moved;
  }

  /** The route key of a mount that `key` would overlap (equal, inside it, or around it), if any. */
  conflict(key: string): string | undefined {
    for (const existing of this.entries.keys()) {
      if (existing.startsWith(key) || key.startsWith(existing)) return existing;
    }
    return undefined;
  }

  get(key: string): MountEntry | undefined {
    return this.entries.get(key);
  }

  /** Every mount of a table, in every namespace. */
  list(table: MountEntry['table']): MountEntry[] {
    return [...this.entries.values()].filter((e) => e.table === table);
  }

  /** The mounts of a table in one namespace (undefined: the root). */
  listIn(table: MountEntry['table'], namespace: NamespaceRef | undefined): MountEntry[] {
    return this.list(table).filter((e) => (e.namespace?.id ?? undefined) === (namespace && namespace.path !== '' ? namespace.id : undefined));
  }

  /** The mount with the longest prefix of `path`; "secret" also finds "secret/". */
  match(path: string): { entry: MountEntry; key: string; relative: string } | undefined {
    // Route keys end in "/": the path's own prefixes up to each "/", longest first, are the only
    // candidates, so a lookup costs the path's depth, not the number of mounts (namespaces add many).
    if (!path.endsWith('/')) {
      const whole = this.entries.get(`${path}/`);
      if (whole) return { entry: whole, key: `${path}/`, relative: '' };
    }
    for (let slash = path.lastIndexOf('/'); slash >= 0; slash = path.lastIndexOf('/', slash - 1)) {
      const key = path.slice(0, slash + 1);
      const entry = this.entries.get(key);
      if (entry) return { entry, key, relative: path.slice(key.length) };
      if (slash === 0) break;
    }
    return undefined;
  }

  /** A deleted namespace's two tables go with it (its mounts removed first, one by one). */
  async dropNamespace(namespace: NamespaceRef): Promise<void> {
    for (const table of ['secret', 'auth'] as const) {
      for (const entry of this.listIn(table, namespace)) this.entries.delete(this.routeKey(entry));
      await this.store.delete(tableKey(table, namespace));
    }
  }

  /** The entries persisted together with `entry`: its table in its namespace. */
  private tableOf(entry: Pick<MountEntry, 'table' | 'namespace'>): MountEntry[] {
    return this.listIn(entry.table, entry.namespace);
  }

  private persist(entry: Pick<MountEntry, 'table' | 'namespace'>, entries: MountEntry[]): Promise<void> {
    // The namespace is the key's, not each row's: a row moves with its namespace's entry.
    const rows = entries.map(({ namespace: _namespace, ...row }) => row);
    return this.store.put(tableKey(entry.table, entry.namespace), rows);
  }
}

function tableKey(table: MountEntry['table'], namespace: NamespaceRef | undefined): string {
  return namespace && namespace.path !== '' ? `${namespace.id}/${table}` : table;
}
