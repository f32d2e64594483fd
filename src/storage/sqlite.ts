import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { ConditionFailed, type Condition, type Entry, type Op, type SnapshotEntry, type StorageBackend } from './backend.js';
import { prefixSuccessor } from './key-range.js';
import { RevisionCache } from './revision-cache.js';

/** How long a connection waits for another connection's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    version INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  );
  INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0);
`;

interface Pending {
  ops: Op[];
  conditions: Condition[];
  resolve(): void;
  reject(err: unknown): void;
}

export interface SqliteOptions {
  /** Let other connections (tests standing in for other processes) open the file at the same time. */
  shared?: boolean;
  /** How long to wait for another connection's lock (default 5 s). */
  busyTimeoutMs?: number;
}

/** What a committed transaction wrote, for the read cache; no value: a delete. */
interface Write {
  key: string;
  value?: Uint8Array;
  revision: number;
}

interface Row {
  value: Buffer;
  version: number;
}

/**
 * The default physical store: one SQLite file in WAL mode. Every write is its own
 * `BEGIN IMMEDIATE` transaction, so concurrent processes serialise on SQLite's write lock, and
 * `synchronous=FULL` makes a write return only once it is on disk. Versions come from one
 * counter for the whole database, so a key deleted and created again never reuses a version
 * (a stale check-and-set can never match a newer entry).
 */
export class SqliteBackend implements StorageBackend {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly commitBatch: (batch: Pending[]) => (Write[] | Error)[];
  private pending: Pending[] = [];
  /**
   * Sealed bytes as stored, never plaintext (see revision-cache.ts): only when this process owns
   * the file (exclusive locking), so every write goes through this object and the cache is exact.
   */
  private readonly cache?: RevisionCache;
  /** The store's revision as of the last commit: what a read served now has seen. */
  private committed = 0;

  constructor(
    readonly path: string,
    { shared = false, busyTimeoutMs = BUSY_TIMEOUT_MS }: SqliteOptions = {},
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { timeout: busyTimeoutMs });
    try {
      this.open(shared, busyTimeoutMs);
    } catch (err) {
      this.db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') {
        throw new Error(`storage file ${path} is in use by another process (a Coffer server owns its file alone)`);
      }
      throw err;
    }
    this.statements = {
      get: this.db.prepare<[string], Row>('SELECT value, version FROM entries WHERE key = ?'),
      version: this.db.prepare<[string], number>('SELECT version FROM entries WHERE key = ?').pluck(),
      revision: this.db.prepare<[], number>("SELECT value FROM meta WHERE name = 'revision'").pluck(),
      nextRevision: this.db
        .prepare<[], number>("UPDATE meta SET value = value + 1 WHERE name = 'revision' RETURNING value")
        .pluck(),
      upsert: this.db.prepare<[string, Buffer, number]>(
        'INSERT INTO entries (key, value, version) VALUES (?, ?, ?) ' +
          'ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version',
      ),
      delete: this.db.prepare<[string]>('DELETE FROM entries WHERE key = ?'),
      // Selecting only `key` lets SQLite answer from the primary-key index without touching values.
      keysBetween: this.db
        .prepare<[string, string], string>('SELECT key FROM entries WHERE key >= ? AND key < ? ORDER BY key')
        .pluck(),
      keysFrom: this.db.prepare<[string], string>('SELECT key FROM entries WHERE key >= ? ORDER BY key').pluck(),
    };
    this.committed = this.currentRevision();
    if (!shared) this.cache = new RevisionCache();
    const transaction = this.db.transaction((ops: Op[], conditions: Condition[]): Write[] => {
      for (const condition of conditions) {
        const version = this.statements.version.get(condition.key);
        const holds = condition.type === 'absent' ? version === undefined : version === condition.version;
        if (!holds) throw new ConditionFailed(condition.key);
      }
      // Deletes take a revision too, though nothing stores it: the cache orders what it learns by it.
      return ops.map((op) => {
        const revision = this.nextRevision();
        if (op.type === 'delete') {
          this.statements.delete.run(op.key);
          return { key: op.key, revision };
        }
        const value = asBuffer(op.value);
        this.statements.upsert.run(op.key, value, revision);
        return { key: op.key, value, revision };
      });
    });
    // IMMEDIATE takes the write lock before the conditions are read: a DEFERRED transaction would
    // read under a snapshot that another connection may invalidate before it can write.
    // Inside the batch's transaction each one runs as a savepoint (better-sqlite3 nests that way):
    // a failed condition rolls back only its own writes.
    this.commitBatch = this.db.transaction((batch: Pending[]) =>
      batch.map(({ ops, conditions }) => {
        try {
          return transaction(ops, conditions);
        } catch (err) {
          return err as Error;
        }
      }),
    ).immediate;
  }

  private open(shared: boolean, busyTimeoutMs: number): void {
    // One Coffer process owns its file: exclusive locking keeps the WAL index in private memory, so
    // a read takes no file-lock syscalls (1.5 µs instead of 3.4 µs a point read, measured here), and
    // a second server started on the same file fails to open it instead of sharing it unsafely.
    if (!shared) this.db.pragma('locking_mode = EXCLUSIVE');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    this.db.exec(SCHEMA);
  }

  async get(key: string): Promise<Entry | undefined> {
    // Callers get their own copy: the cached bytes must stay as stored.
    const hit = this.cache?.get(key);
    if (hit) return hit.value && { key, value: Uint8Array.from(hit.value), version: hit.version };
    const row = this.statements.get.get(key);
    this.cache?.fromRead(key, row && { value: Uint8Array.from(row.value), version: row.version }, this.committed);
    return row && { key, value: row.value, version: row.version };
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.transaction([{ type: 'put', key, value }]);
  }

  delete(key: string): Promise<void> {
    return this.transaction([{ type: 'delete', key }]);
  }

  /**
   * Direct children of `prefix`. Walks the key index in order and, on meeting a folder, seeks past
   * everything under it, so a folder holding a million keys costs one seek, not a million rows.
   */
  async list(prefix: string): Promise<string[]> {
    const end = prefixSuccessor(prefix);
    const children: string[] = [];
    let from = prefix;
    for (;;) {
      let folder: string | undefined;
      const keys = end === undefined ? this.statements.keysFrom.iterate(from) : this.statements.keysBetween.iterate(from, end);
      for (const key of keys) {
        if (key === prefix) continue;
        const rest = key.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash === -1) {
          children.push(rest);
          continue;
        }
        folder = rest.slice(0, slash + 1);
        children.push(folder);
        break; // leaving the loop resets the statement
      }
      if (folder === undefined) break;
      const next = prefixSuccessor(prefix + folder);
      if (next === undefined) break;
      from = next;
    }
    // SQLite orders by code point, JS by UTF-16 unit; sort so every backend answers alike.
    return children.sort();
  }

  /**
   * Group commit: transactions asked for in the same tick share one SQLite commit, so one disk sync
   * (synchronous=FULL) acknowledges them all; each still applies all-or-nothing, in order, and its
   * promise settles only after the commit is durable.
   */
  transaction(ops: Op[], conditions: Condition[] = []): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ops, conditions, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    let outcomes: (Write[] | Error)[];
    try {
      outcomes = this.commitBatch(batch);
    } catch (err) {
      // The commit itself failed (disk, lock): nothing of the batch is durable.
      for (const item of batch) item.reject(err);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome instanceof Error) return item.reject(outcome);
      // Revisions rise through the batch, and a failed member's are rolled back: the last write's is the store's.
      for (const write of outcome) {
        this.committed = write.revision;
        // A copy: the caller's bytes are its own to change once its write has settled.
        this.cache?.fromWrite(write.key, write.value && Uint8Array.from(write.value), write.revision);
      }
      item.resolve();
    });
  }

  /**
   * A point-in-time copy without holding the store in memory: VACUUM INTO writes a consistent copy
   * of the database (one read transaction, taken synchronously, so no write of this connection
   * lands half-way) to a private temp file, which a second, read-only connection then streams from;
   * the copy is deleted when the iteration ends. The main connection stays free for writes meanwhile.
   */
  async *snapshot(): AsyncIterable<SnapshotEntry> {
    const parent = this.path === ':memory:' ? tmpdir() : dirname(this.path);
    const dir = mkdtempSync(join(parent, '.coffer-snapshot-'));
    try {
      const copyPath = join(dir, 'copy.db');
      this.db.prepare('VACUUM INTO ?').run(copyPath);
      const copy = new Database(copyPath, { readonly: true });
      try {
        const rows = copy.prepare<[], { key: string; value: Buffer }>('SELECT key, value FROM entries ORDER BY key').iterate();
        for (const row of rows) yield { key: row.key, value: row.value };
      } finally {
        copy.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Replaces every entry in one IMMEDIATE transaction; versions continue the store's own counter. */
  async restore(entries: Iterable<SnapshotEntry>): Promise<void> {
    if (this.pending.length > 0) this.flush();
    this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM entries').run();
        for (const entry of entries) this.statements.upsert.run(entry.key, asBuffer(entry.value), this.nextRevision());
      })
      .immediate();
    this.committed = this.currentRevision();
    this.cache?.clear(this.committed);
  }

  async close(): Promise<void> {
    if (this.pending.length > 0 && this.db.open) this.flush();
    if (this.db.open) this.db.close();
  }

  /** The SQLite settings this backend depends on, as SQLite reports them (for tests and diagnostics). */
  settings(): { journalMode: string; synchronous: number; busyTimeoutMs: number } {
    return {
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      synchronous: this.db.pragma('synchronous', { simple: true }) as number,
      busyTimeoutMs: this.db.pragma('busy_timeout', { simple: true }) as number,
    };
  }

  private currentRevision(): number {
    return this.statements.revision.get() ?? 0;
  }

  private nextRevision(): number {
    const revision = this.statements.nextRevision.get();
    if (revision === undefined) throw new Error('sqlite storage: revision counter row is missing');
    return revision;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Opens (creating if needed, with parent directories) the SQLite store at `path`. */
export function openSqlite(path: string, options: SqliteOptions = {}): SqliteBackend {
  return new SqliteBackend(path, options);
}
