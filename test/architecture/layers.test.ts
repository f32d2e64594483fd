import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../harness/server.js';

// The layer rule is enforced by dependency-cruiser with the project's own config (which `npm test`
// runs over src/ before the tests). Here it is run over a small tree of the same shape, to show it
// refuses a wrong import and a cycle, and accepts a right one: the rule can fail.

const DEPCRUISE = join(REPO_ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/** The folders to cruise, as npm test does: src/, and ui/src/ when the case has files there. */
function roots(files: Record<string, string>): string[] {
  return Object.keys(files).some((path) => path.startsWith('ui/')) ? ['src', 'ui/src'] : ['src'];
}

function cruise(files: Record<string, string>): { code: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-layers-'));
  try {
    copyFileSync(join(REPO_ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const result = spawnSync(process.execPath, [DEPCRUISE, ...roots(files), '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: dir, encoding: 'utf8' });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the layer rule (dependency-cruiser)', () => {
  it('refuses an engine that imports the core', () => {
    const result = cruise({
      'src/core/core.ts': 'export const core = 1;\n',
      'src/engines/kv/index.ts': "import { core } from '../../core/core.js';\nexport const kv = core;\n",
    });
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /engines-imports-only-framework-crypto-wire/);
    assert.match(result.output, /src\/engines\/kv\/index\.ts → src\/core\/core\.ts/);
  });

  it('refuses the client importing the server, and a run-time import cycle', () => {
    const result = cruise({
      'src/core/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/core/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
      'src/client/client.ts': "import { a } from '../core/a.js';\nexport const c = a;\n",
    });
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /client-imports-only-wire/);
    assert.match(result.output, /no-circular/);
  });

  it('refuses the web UI importing anything of src/ (it has only the /v1 API)', () => {
    const result = cruise({
      'src/wire/index.ts': 'export const wrapInfo = 1;\n',
      'ui/src/api.ts': "import { wrapInfo } from '../../src/wire/index.js';\nexport const api = wrapInfo;\n",
    });
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /ui-imports-nothing-of-src/);
    assert.match(result.output, /ui\/src\/api\.ts → src\/wire\/index\.ts/);
  });

  it('accepts an engine that imports only the framework', () => {
    const result = cruise({
      'src/framework/types.ts': 'export type Backend = { type: string };\n',
      'src/engines/kv/index.ts': "import type { Backend } from '../../framework/types.js';\nexport const kv: Backend = { type: 'kv' };\n",
    });
    assert.equal(result.code, 0, result.output);
  });
});
