// SQLite's own serial durable-commit rate on this machine, the yardstick for Coffer's KV write
// (issue 21: writes ≥ 1.0 × this, which group commit makes possible). The same settings as
// src/storage/sqlite.ts (WAL, synchronous=FULL): one small row per transaction, one after another,
// each returning only once it is on disk.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export async function sqliteCommitRate(durationSeconds: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-bench-sqlite-'));
  const db = new Database(join(dir, 'commit.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE entries (key TEXT PRIMARY KEY, value BLOB NOT NULL)');
    const insert = db.prepare('INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)');
    const value = Buffer.alloc(300, 7);
    let commits = 0;
    const started = performance.now();
    const until = started + durationSeconds * 1000;
    while (performance.now() < until) {
      insert.run(`k/${commits % 1000}`, value);
      commits++;
    }
    return commits / ((performance.now() - started) / 1000);
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
