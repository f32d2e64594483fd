import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { COFFER_BIN } from '../harness/server.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** This process's environment without any VAULT_* / COFFER_* variable, so a child sees only what a test gives it. */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(VAULT|COFFER)_/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Runs a program to completion with exactly `env`, collecting its output. */
export function run(command: string, args: readonly string[], env: Record<string, string>, stdin = ''): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** `node bin/coffer.js ...args` with VAULT_ADDR/VAULT_TOKEN (as an initContainer would set them) and a private HOME. */
export function coffer(address: string, token: string, home: string, args: readonly string[]): Promise<CliRun> {
  return run(process.execPath, [COFFER_BIN, ...args], cleanEnv({ HOME: home, VAULT_ADDR: address, VAULT_TOKEN: token }));
}

/** Asserts exit 0 and returns stdout. */
export function succeeded(result: CliRun, what: string): string {
  assert.equal(result.code, 0, `${what} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** The value column of a `Key  Value` table row, or undefined when there is no such row. */
export function tableValue(table: string, key: string): string | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped}\\s+(.*?)\\s*$`, 'm').exec(table)?.[1];
}
