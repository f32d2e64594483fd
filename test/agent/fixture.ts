import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProgram, type CliRun } from '../harness/cli.js';
import { stopProcess } from '../harness/process.js';
import { COFFER_BIN } from '../harness/server.js';

/** Runs `coffer agent -config=FILE` to completion (init mode, or a start that must fail). */
export function runAgent(config: string): Promise<CliRun> {
  return runProgram(process.execPath, [COFFER_BIN, 'agent', `-config=${config}`], { timeoutMs: 30_000 });
}

/** A long-running `coffer agent -config=FILE`, its output collected; stop() ends it by PID. */
export interface RunningAgent {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function startAgent(config: string): RunningAgent {
  const child = spawn(process.execPath, [COFFER_BIN, 'agent', `-config=${config}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output, stop: () => stopProcess(child) };
}

/**
 * Writes agent config files into `dir()`, each a `vault` stanza for `address()` followed by the
 * given HCL, and answers each file's path (`dir` and `address` are read when called: set in `before`).
 */
export function agentConfigs(dir: () => string, address: () => string): (hcl: string) => Promise<string> {
  let n = 0;
  return async (hcl) => {
    const file = join(dir(), `agent-${++n}.hcl`);
    await writeFile(file, `vault {\n  address = "${address()}"\n}\n${hcl}`);
    return file;
  };
}
