import { spawnServer, type ServerProcess } from '../harness/server.js';

/** A `coffer server -config=...` process with a config the test wrote (a seal stanza of its choosing). */
export type SealServer = ServerProcess;

/** The harness's spawnServer on `dir` (SQLite storage in `dir`, a loopback listener, then `seal`), with `env` on top of this process's. */
export function startSealServer(dir: string, seal: string, env: Record<string, string>): Promise<SealServer> {
  return spawnServer({ dir, config: { seal }, masterKey: null, env });
}
