import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COFFER_BIN } from '../harness/server.js';

/** A non-dev `coffer server` process whose store nobody has initialized yet. */
export interface UninitializedServer {
  address: string;
  stop(): Promise<void>;
}

/**
 * Starts `coffer server -config=...` on a fresh SQLite file and does NOT call sys/init (the shared
 * harness does), so tests can watch what an operator sees before initialization.
 */
export async function startUninitializedServer(): Promise<UninitializedServer> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-uninit-'));
  const config = join(dir, 'coffer.hcl');
  await writeFile(config, `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\nseal "local" {}\n`);
  const child = spawn(process.execPath, [COFFER_BIN, 'server', `-config=${config}`], {
    env: { ...process.env, COFFER_LOCAL_MASTER_KEY: randomBytes(32).toString('base64') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const address = /Api Address: (\S+)/.exec(output)?.[1];
    if (address) return { address, stop };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await stop();
  throw new Error(`server did not start:\n${output}`);
}
