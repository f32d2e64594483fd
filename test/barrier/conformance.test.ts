import { join } from 'node:path';
import { Barrier } from '../../src/barrier/barrier.js';
import { ephemeralLocalKms } from '../../src/kms/local.js';
import { InmemBackend } from '../../src/storage/inmem.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import { runStorageConformance } from '../storage/conformance.js';
import { tempDir } from '../storage/temp-dir.js';

// The barrier is the storage every backend sees, so it must keep the whole StorageBackend
// contract (versions, conditions, listing, atomic transactions) while it encrypts underneath.
runStorageConformance('barrier over inmem', async () => Barrier.initialize(new InmemBackend(), ephemeralLocalKms()));

const dir = tempDir('barrier-conformance');
let files = 0;
runStorageConformance(
  'barrier over sqlite',
  async () => Barrier.initialize(openSqlite(join(dir.path, `store-${++files}.sqlite`)), ephemeralLocalKms()),
  dir.remove,
);
