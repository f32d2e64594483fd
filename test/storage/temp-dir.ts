import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the OS temp dir, and a way to remove it with everything in it. */
export function tempDir(label: string): { path: string; remove: () => Promise<void> } {
  const path = mkdtempSync(join(tmpdir(), `coffer-${label}-`));
  return { path, remove: async () => rmSync(path, { recursive: true, force: true }) };
}
