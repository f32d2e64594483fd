import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { COFFER_BIN } from './process.js';

/** What a finished CLI run left: its exit code and everything it wrote. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The child's whole environment (default: this process's, minus VAULT_* and COFFER_*: see cleanEnv). */
  env?: Record<string, string>;
  /** Written to the child's stdin, which is then closed. */
  stdin?: string;
  cwd?: string;
  /** Kill the child (SIGKILL) and fail if it has not exited after this long (default: no limit). */
  timeoutMs?: number;
}

/** This process's environment without any VAULT_* / COFFER_* variable, plus `extra`: a child sees only what a test gives it. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(VAULT|COFFER)_/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Runs a program to completion, collecting its output. */
export function runProgram(command: string, args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? cleanEnv(), cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // A timeout guard, not a wait: a child that should have exited by itself is killed.
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`${command} ${args.join(' ')} did not exit within ${options.timeoutMs} ms:\n${stdout}\n${stderr}`));
          }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // a child that exits without reading its stdin
    child.stdin.end(options.stdin ?? '');
  });
}

/** THE CLI runner: `node bin/coffer.js ...args` as a subprocess, run to completion. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return runProgram(process.execPath, [COFFER_BIN, ...args], options);
}

/** Asserts exit 0 and returns stdout. */
export function succeeded(result: CliRun, what: string): string {
  assert.equal(result.code, 0, `${what} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** `coffer ...args` against `address` with VAULT_ADDR/VAULT_TOKEN (as an initContainer would set them) and a private HOME. */
export function coffer(address: string, token: string, home: string, args: readonly string[]): Promise<CliRun> {
  return runCli(args, { env: cleanEnv({ HOME: home, VAULT_ADDR: address, VAULT_TOKEN: token }) });
}

/** The value column of a `Key  Value` table row, or undefined when there is no such row. */
export function tableValue(table: string, key: string): string | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped}\\s+(.*?)\\s*$`, 'm').exec(table)?.[1];
}
