import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../harness/server.js';

// hvac is the Python Vault client most people use; Debian ships 0.11.2 (python3-hvac, installed by
// scripts/test-deps.sh). It must run under Debian's own interpreter: the first python3 on PATH may
// be another install without hvac.
export const PYTHON = '/usr/bin/python3';
/** The hvac scenarios: one per run, each printing the JSON facts it saw (see the file's docstring). */
export const HVAC_SCENARIOS = join(REPO_ROOT, 'test/e2e/python/hvac_scenarios.py');

export interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs Debian's python3 with `args` and `env` added to this environment; killed after `timeoutMs`. */
export function runPython(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
