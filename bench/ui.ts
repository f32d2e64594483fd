// The web UI's weight and speed (issue 20's budget: index.html + JS + CSS ≤ 200 kB gzipped, the first
// page interactive ≤ 1 s on this machine). Weight: the built files (dist/ui) gzipped as a server
// would send them. Speed: a fresh Chromium context (empty cache) opens /ui/ of a dev server; the
// sign-in form counts as interactive when its button is enabled; then the home page after signing
// in, with its data. Medians of 5 cold loads. Run alone: node dist/bench/ui.js
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startProcess } from './process.js';

const UI_DIR = fileURLToPath(new URL('../ui/', import.meta.url));
const COFFER = fileURLToPath(new URL('../../bin/coffer.js', import.meta.url));
const LOADS = 5;

export interface UiBench {
  files: { name: string; bytes: number; gzipBytes: number }[];
  totalGzipBytes: number;
  signInInteractiveMs: number;
  homeLoadedMs: number;
}

async function builtFiles(): Promise<UiBench['files']> {
  const names = ['index.html', ...(await readdir(join(UI_DIR, 'assets'))).map((n) => `assets/${n}`)];
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(UI_DIR, name));
      return { name, bytes: (await stat(join(UI_DIR, name))).size, gzipBytes: gzipSync(bytes).length };
    }),
  );
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchUi(): Promise<UiBench> {
  const files = await builtFiles();
  const token = 'bench-ui-root';
  const server = await startProcess([COFFER, 'server', '-dev', '-dev-listen-address=127.0.0.1:0', `-dev-root-token-id=${token}`]);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const signIn: number[] = [];
  const home: number[] = [];
  try {
    for (let i = 0; i < LOADS; i++) {
      const context = await browser.newContext({ baseURL: server.address });
      const page = await context.newPage();
      await page.goto('/ui/', { waitUntil: 'commit' });
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      // Milliseconds since the navigation started, by the page's own clock.
      signIn.push(await page.evaluate(() => performance.now()));
      await page.getByLabel('Token', { exact: true }).fill(token);
      const started = await page.evaluate(() => performance.now());
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('server-status').waitFor();
      await page.getByRole('table').first().waitFor();
      home.push((await page.evaluate(() => performance.now())) - started);
      await context.close();
    }
  } finally {
    await browser.close();
    server.child.kill('SIGTERM');
  }
  return { files, totalGzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0), signInInteractiveMs: median(signIn), homeLoadedMs: median(home) };
}

export function printUiBench(result: UiBench) {
  console.log('\nWeb UI (dist/ui; budget: ≤ 200 kB gzipped, first page interactive ≤ 1 s):');
  for (const f of result.files) console.log(`  ${f.name.padEnd(34)} ${(f.bytes / 1024).toFixed(1).padStart(7)} kB  ${(f.gzipBytes / 1024).toFixed(1).padStart(6)} kB gzipped`);
  console.log(`  total gzipped: ${(result.totalGzipBytes / 1024).toFixed(1)} kB`);
  console.log(`  sign-in page interactive (cold, median of ${LOADS}): ${result.signInInteractiveMs.toFixed(0)} ms`);
  console.log(`  home page with its data after signing in (median of ${LOADS}): ${result.homeLoadedMs.toFixed(0)} ms`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) printUiBench(await benchUi());
