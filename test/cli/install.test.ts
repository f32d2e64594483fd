import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../harness/server.js';
import { cleanEnv, runProgram } from '../harness/cli.js';

// The README's way to put `coffer` on the PATH: `npm install -g .` from the checkout, here into a
// temporary prefix (offline: a folder install is a link, nothing is fetched), then the installed
// `coffer` run from outside the checkout by its bare name.

describe('installing the checkout as the README says', () => {
  it('npm install -g . puts a working coffer on the PATH, runnable outside the checkout', async () => {
    const prefix = await mkdtemp(join(tmpdir(), 'coffer-install-'));
    try {
      const env = cleanEnv({ HOME: prefix, npm_config_cache: join(prefix, 'npm-cache') });
      const install = await runProgram('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', '--ignore-scripts', REPO_ROOT], { env });
      assert.equal(install.code, 0, install.stderr);
      const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
      const pathEnv = { ...env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` };
      const installed = await runProgram('sh', ['-c', `cd "${prefix}" && coffer version`], { env: pathEnv });
      assert.equal(installed.code, 0, installed.stderr);
      assert.equal(installed.stdout, `Coffer v${version}\n`);
    } finally {
      await rm(prefix, { recursive: true, force: true });
    }
  });
});
