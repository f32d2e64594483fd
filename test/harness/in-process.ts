import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startServer, type RunningServer } from '../../src/server/start.js';

/** A dev server inside the test process, on SQLite in a temp dir, for tests that must look into storage. */
export interface InProcessServer extends RunningServer {
  address: string;
  /** Temp dir holding the server's SQLite files (coffer.db and its -wal), for tests that scan them. */
  dir: string;
  /** Closes the server and removes its temp dir. */
  destroy(): Promise<void>;
}

/**
 * Starts an in-process dev server with the given root token id on a free loopback port (IPv4 unless
 * told, e.g. "[::1]:0").
 */
export async function startInProcessServer(rootTokenId: string, listenAddress = '127.0.0.1:0'): Promise<InProcessServer> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-inproc-'));
  const server = await startServer({
    config: { storage: { type: 'sqlite', path: join(dir, 'coffer.db') }, listeners: [{ address: listenAddress, tlsDisable: true }], seal: { type: 'local' }, ui: false },
    dev: { rootTokenId },
    logger: pino({ level: 'silent' }),
  });
  return {
    ...server,
    address: server.addresses[0]!,
    dir,
    destroy: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
