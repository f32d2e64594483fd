import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer } from '../harness/server.js';

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
      const server = await startServer({ dev: true, env: { TMPDIR: privateTmp } });
      try {
        assert.equal((await fetch(`${server.address}/v1/sys/health`)).status, 200);
        const running = await devDirs();
        assert.equal(running.length, 1, `one dev dir while running, found ${running.join(', ')}`);
        assert.ok((await readdir(join(privateTmp, running[0]!))).includes('coffer.db'));
        server.child.kill(signal);
        assert.deepEqual({ code: await server.exited(), signal: server.child.signalCode }, { code: 0, signal: null });
      } finally {
        await server.destroy();
      }
      assert.deepEqual(await devDirs(), [], `the dev dir is gone after ${signal}`);
    });
  }
});
