import { join } from 'node:path';
import { runProgram, type CliRun } from '../harness/cli.js';
import { REPO_ROOT } from '../harness/server.js';

// hvac is the Python Vault client most people use; Debian ships 0.11.2 (python3-hvac, installed by
// scripts/test-deps.sh). It must run under Debian's own interpreter: the first python3 on PATH may
// be another install without hvac.
export const PYTHON = '/usr/bin/python3';
/** The hvac scenarios: one per run, each printing the JSON facts it saw (see the file's docstring). */
export const HVAC_SCENARIOS = join(REPO_ROOT, 'test/e2e/python/hvac_scenarios.py');

/** Runs Debian's python3 with `args` and `env` added to this environment (the harness's runProgram); killed after `timeoutMs`. */
export function runPython(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliRun> {
  const full: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) full[k] = v;
  return runProgram(PYTHON, args, { env: { ...full, ...env }, timeoutMs });
}
