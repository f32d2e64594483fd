import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { installUi, UI_BUILD_DIR } from '../../src/http/ui.js';
import { startServer, type TestServer } from '../harness/server.js';

// How the server serves the web UI (src/http/ui.ts): at /ui/ in dev mode and with `ui = true`,
// with its security headers on every UI response, hashed assets cached and index.html never;
// not at all without `ui = true` or without a build, and the /v1 API's headers unchanged.

const UI_CSP = "default-src 'none';script-src 'self';style-src 'self';img-src 'self' data:;font-src 'self';connect-src 'self';manifest-src 'self';base-uri 'none';form-action 'none';frame-ancestors 'none'";

async function assetPaths(): Promise<string[]> {
  const index = await readFile(join(UI_BUILD_DIR, 'index.html'), 'utf8');
  return [...index.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((m) => m[1]!);
}

function assertUiHeaders(response: Response, what: string) {
  assert.equal(response.headers.get('content-security-policy'), UI_CSP, what);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(response.headers.get('referrer-policy'), 'no-referrer', what);
  assert.equal(response.headers.get('x-frame-options'), 'DENY', what);
}

describe('the web UI in dev mode', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ dev: true });
  });
  after(() => server?.destroy());

  it('/ and /ui send the browser to /ui/, which is index.html, never cached', async () => {
    for (const path of ['/', '/ui']) {
      const response = await fetch(`${server.address}${path}`, { redirect: 'manual' });
      assert.equal(response.status, 307, path);
      assert.equal(response.headers.get('location'), '/ui/', path);
    }
    const index = await fetch(`${server.address}/ui/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-store');
    assertUiHeaders(index, 'index.html');
    const html = await index.text();
    assert.match(html, /<div id="app"><\/div>/);
    // No inline script: every script has a src under /ui/assets/.
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc="\/ui\/assets\/)[^>]*>/);
  });

  it('hashed assets are cached for a year, with the same headers', async () => {
    const paths = await assetPaths();
    assert.ok(paths.some((p) => p.endsWith('.js')) && paths.some((p) => p.endsWith('.css')), paths.join(' '));
    for (const path of paths) {
      const response = await fetch(`${server.address}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable', path);
      assert.match(response.headers.get('content-type') ?? '', path.endsWith('.js') ? /javascript/ : /text\/css/, path);
      assertUiHeaders(response, path);
    }
  });

  it('a missing file under /ui/ is a 404 with the UI headers; paths outside the build are not served', async () => {
    const missing = await fetch(`${server.address}/ui/assets/nope.js`);
    assert.equal(missing.status, 404);
    assertUiHeaders(missing, 'a 404 under /ui/');
    for (const path of ['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/..%2fpackage.json']) {
      const response = await fetch(`${server.address}${path}`);
      assert.notEqual(response.status, 200, path);
      assert.doesNotMatch(await response.text(), /"name": "coffer"/, path);
    }
  });

  it('the /v1 API keeps its own headers (no UI CSP on API answers)', async () => {
    const health = await fetch(`${server.address}/v1/sys/health`);
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('content-security-policy'), null);
    assert.equal(health.headers.get('content-type'), 'application/json');
  });
});

describe('the web UI outside dev mode', () => {
  it('is not served unless the config says ui = true', async () => {
    const off = await startServer({ config: {} });
    const on = await startServer({ config: { extra: 'ui = true' } });
    try {
      assert.equal((await fetch(`${off.address}/ui/`)).status, 404);
      assert.equal((await fetch(`${off.address}/`, { redirect: 'manual' })).status, 404);
      const served = await fetch(`${on.address}/ui/`);
      assert.equal(served.status, 200);
      assertUiHeaders(served, 'ui = true');
    } finally {
      await Promise.all([off.destroy(), on.destroy()]);
    }
  });

  it('without a build, installUi serves nothing (it answers false, which the server logs as a warning)', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'coffer-ui-empty-'));
    const app = Fastify();
    try {
      assert.equal(installUi(app, empty), false);
      assert.equal((await app.inject({ url: '/ui/' })).statusCode, 404);
    } finally {
      await app.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
