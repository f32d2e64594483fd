import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { COFFER_BIN } from '../harness/server.js';

/** A `coffer server -config=...` process with a config the test wrote (a seal stanza of its choosing). */
export interface SealServer {
  child: ChildProcess;
  output(): string;
  /** Resolves with the Api Address once the server answers, or rejects with its output if it exits first. */
  address(timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once the process has exited (rejects after the deadline). */
  exited(timeoutMs?: number): Promise<number | null>;
  stop(): Promise<void>;
}

/** Writes `coffer.hcl` in `dir` (SQLite storage in `dir`, a loopback listener, then `seal`) and starts the server. */
export async function startSealServer(dir: string, seal: string, env: Record<string, string>): Promise<SealServer> {
  const config = join(dir, 'coffer.hcl');
  await writeFile(
    config,
    `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n${seal}\n`,
  );
  const child = spawn(process.execPath, [COFFER_BIN, 'server', `-config=${config}`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const gone = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = async <T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> => {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const value = probe();
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${what} within ${timeoutMs} ms:\n${output}`);
  };
  return {
    child,
    output: () => output,
    address: (timeoutMs = 15_000) =>
      deadline('server did not start', timeoutMs, () => {
        const found = /Api Address: (\S+)/.exec(output)?.[1];
        if (found) return found;
        if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
        return undefined;
      }),
    exited: async (timeoutMs = 15_000) => {
      await deadline('server did not exit', timeoutMs, () => (child.exitCode !== null || child.signalCode !== null ? true : undefined));
      return gone;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
