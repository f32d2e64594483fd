import { InmemBackend } from '../../src/storage/inmem.js';
import { runStorageConformance } from './conformance.js';

runStorageConformance('inmem', async () => new InmemBackend());
