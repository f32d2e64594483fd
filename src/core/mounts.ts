import { randomBytes, randomUUID } from 'node:crypto';
import { invalidRequest } from '../framework/errors.js';
import type { MountInfo, MountStorage } from '../framework/types.js';

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

export type NewMount = Pick<MountEntry, 'path' | 'type' | 'table'> & Partial<Pick<MountEntry, 'description' | 'options' | 'config'>>;

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
 * The mount table: which backend serves which path prefix. Persisted as one entry per table so a
 * change is a single atomic write. Routing picks the longest matching prefix, as Vault's router does.
 */
export class MountTable {
  private entries = new Map<string, MountEntry>();

  constructor(private readonly store: MountStorage) {}

  /** Loads both tables from storage. */
  async load(): Promise<void> {
    this.entries.clear();
    for (const table of ['secret', 'auth'] as const) {
      for (const entry of (await this.store.get<MountEntry[]>(table)) ?? []) this.entries.set(this.routeKey(entry), entry);
    }
  }

  /** The key a mount is routed by: "secret/" or "auth/token/". */
  routeKey(entry: Pick<MountEntry, 'table' | 'path'>): string {
    return entry.table === 'auth' ? `auth/${entry.path}` : entry.path;
  }

  /** Adds a mount; 400 when the path is taken, reserved, or nested in another mount. */
  async add(spec: NewMount, { system = false } = {}): Promise<MountEntry> {
    const path = normaliseMountPath(spec.path);
    const key = this.routeKey({ table: spec.table, path });
    if (!system && spec.table === 'secret' && RESERVED.some((r) => key.startsWith(r))) {
      throw invalidRequest(`cannot mount under reserved path "${key}"`);
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
    };
    await this.persist(spec.table, [...this.list(spec.table), entry]);
    this.entries.set(key, entry);
    return entry;
  }

  /** Removes a mount by route key; returns the removed entry (undefined when none). */
  async remove(key: string): Promise<MountEntry | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    await this.persist(entry.table, this.list(entry.table).filter((e) => e !== entry));
    this.entries.delete(key);
    return entry;
  }

  /** Replaces a mount's tunable settings. */
  async update(entry: MountEntry, change: Partial<Pick<MountEntry, 'description' | 'options' | 'config'>>): Promise<MountEntry> {
    const updated: MountEntry = { ...entry, ...change };
    await this.persist(entry.table, this.list(entry.table).map((e) => (e === entry ? updated : e)));
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
    const newKey = this.routeKey({ table: entry.table, path });
    const conflict = this.conflict(newKey);
    if (conflict !== undefined) throw invalidRequest(`path already in use at "${conflict}"`);
    const moved: MountEntry = { ...entry, path };
    await this.persist(entry.table, this.list(entry.table).map((e) => (e === entry ? moved : e)));
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

  list(table: MountEntry['table']): MountEntry[] {
    return [...this.entries.values()].filter((e) => e.table === table);
  }

  /** The mount with the longest prefix of `path`; "secret" also finds "secret/". */
  match(path: string): { entry: MountEntry; key: string; relative: string } | undefined {
    let best: string | undefined;
    for (const key of this.entries.keys()) {
      if ((path.startsWith(key) || path === key.slice(0, -1)) && (!best || key.length > best.length)) best = key;
    }
    if (best === undefined) return undefined;
    return { entry: this.entries.get(best)!, key: best, relative: path.slice(best.length) };
  }

  private persist(table: MountEntry['table'], entries: MountEntry[]): Promise<void> {
    return this.store.put(table, entries);
  }
}
