import { cleanEnv, runProgram, type CliRun } from '../harness/cli.js';
import { COFFER_BIN } from '../harness/server.js';

export { cleanEnv, succeeded, type CliRun } from '../harness/cli.js';

/** Runs a program to completion with exactly `env`, collecting its output (the harness's runProgram). */
export function run(command: string, args: readonly string[], env: Record<string, string>, stdin = ''): Promise<CliRun> {
  return runProgram(command, args, { env, stdin });
}

/** `node bin/coffer.js ...args` with VAULT_ADDR/VAULT_TOKEN (as an initContainer would set them) and a private HOME. */
export function coffer(address: string, token: string, home: string, args: readonly string[]): Promise<CliRun> {
  return run(process.execPath, [COFFER_BIN, ...args], cleanEnv({ HOME: home, VAULT_ADDR: address, VAULT_TOKEN: token }));
}

/** The value column of a `Key  Value` table row, or undefined when there is no such row. */
export function tableValue(table: string, key: string): string | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped}\\s+(.*?)\\s*$`, 'm').exec(table)?.[1];
}
