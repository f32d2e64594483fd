import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../harness/process.js';
import { COFFER_BIN } from '../harness/server.js';

// `coffer server -dev` keeps nothing: its coffer-dev-* temp dir goes when it stops. Each child gets
// a private TMPDIR, so dev servers other tests start at the same time cannot blur the count.

describe('coffer server -dev removes its temp directory when it stops', () => {
  let parent: string;
  before(async () => {
    parent = await mkdtemp(join(tmpdir(), 'coffer-dev-cleanup-'));
  });
  after(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`on ${signal}`, async () => {
      const privateTmp = await mkdtemp(join(parent, `${signal}-`));
      const devDirs = async () => (await readdir(privateTmp)).filter((name) => name.startsWith('coffer-dev-'));
      assert.deepEqual(await devDirs(), []);
      const child = spawn(process.execPath, [COFFER_BIN, 'server', '-dev', '-dev-listen-address=127.0.0.1:0'], {
        env: { ...process.env, TMPDIR: privateTmp },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
      const address = await waitFor(child, () => /Api Address: (\S+)/.exec(output)?.[1], () => output);
      assert.equal((await fetch(`${address}/v1/sys/health`)).status, 200);
      const running = await devDirs();
      assert.equal(running.length, 1, `one dev dir while running, found ${running.join(', ')}`);
      assert.ok((await readdir(join(privateTmp, running[0]!))).includes('coffer.db'));
      child.kill(signal);
      assert.deepEqual(await exited, { code: 0, signal: null });
      assert.deepEqual(await devDirs(), [], `the dev dir is gone after ${signal}`);
    });
  }
});
