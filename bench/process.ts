import { spawn, type ChildProcess } from 'node:child_process';

export interface BenchProcess {
  child: ChildProcess;
  address: string;
}

/** Starts a server process (Coffer or the ceiling) and waits for the "Api Address:" line it prints. */
export async function startProcess(args: string[], env: Record<string, string> = {}): Promise<BenchProcess> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const address = /Api Address: (\S+)/.exec(output)?.[1];
    if (address) return { child, address };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`could not start ${args.join(' ')}:\n${output}`);
}
