import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { InmemBackend } from '../../src/storage/inmem.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import { runSnapshotConformance } from './backend-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'coffer-snapshot-backends-'));
let files = 0;
const freshPath = () => join(dir, `store-${++files}.sqlite`);

runSnapshotConformance('inmem', async () => new InmemBackend());
runSnapshotConformance('sqlite', async () => openSqlite(freshPath()));

describe('sqlite snapshot copy', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves no temporary copy behind, even when the reader stops early', async () => {
    const sub = mkdtempSync(join(dir, 'early-'));
    const store = openSqlite(join(sub, 'coffer.db'));
    try {
      for (let i = 0; i < 10; i++) await store.put(`k${i}`, new Uint8Array([i]));
      for await (const entry of store.snapshot()) {
        assert.equal(entry.key, 'k0');
        assert.ok(readdirSync(sub).some((name) => name.startsWith('.coffer-snapshot-')), 'the copy exists while reading');
        break;
      }
      assert.deepEqual(readdirSync(sub).filter((name) => name.startsWith('.coffer-snapshot-')), []);
    } finally {
      await store.close();
    }
  });
});
