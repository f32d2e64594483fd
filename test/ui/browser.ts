// The web UI's test harness: a real `coffer server -dev` (which serves the built UI at /ui/) and
// Debian's Chromium driven by playwright-core. scripts/test-deps.sh installs chromium when missing.
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { api, type ApiOptions, type ApiResponse } from '../harness/http.js';
import { REPO_ROOT, startServer, type TestServer } from '../harness/server.js';

export type { Browser, BrowserContext, Page } from 'playwright-core';

/** Where screenshots go: test artifacts, not committed (the README's come from docs/screenshots/). */
export const ARTIFACTS_DIR = process.env.COFFER_TEST_ARTIFACTS ?? join(REPO_ROOT, 'artifacts', 'ui');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// As root and on a closed network: no sandbox, and none of Chromium's own calls home.
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export interface UiHarness {
  server: TestServer;
  browser: Browser;
  /** http://127.0.0.1:<port> */
  address: string;
  rootToken: string;
  /** The /v1 API as curl would call it, with the root token unless told otherwise: to check what the UI did. */
  api<T = Record<string, unknown>>(method: string, path: string, options?: ApiOptions): Promise<ApiResponse<T>>;
  /** A fresh browser context (its own sessionStorage) with a page on /ui/, not signed in. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Starts a dev server and Chromium. Call close() in after(). */
export async function startUi(): Promise<UiHarness> {
  const server = await startServer({ dev: true });
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  } catch (err) {
    await server.destroy();
    throw err;
  }
  const contexts: BrowserContext[] = [];
  return {
    server,
    browser,
    address: server.address,
    rootToken: server.rootToken,
    api: (method, path, options = {}) => api(server.address, method, path, { token: server.rootToken, ...options }),
    async newPage() {
      const context = await browser.newContext({ baseURL: server.address, viewport: { width: 1280, height: 860 } });
      context.setDefaultTimeout(10_000);
      contexts.push(context);
      const page = await context.newPage();
      watchForPageErrors(page);
      await page.goto('/ui/');
      return page;
    },
    async close() {
      await Promise.allSettled(contexts.map((c) => c.close()));
      await browser.close().catch(() => undefined);
      await server.destroy();
    },
  };
}

/** A script error or a CSP violation fails the test: the UI must run under its own policy. */
function watchForPageErrors(page: Page) {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  (page as Page & { problems?: string[] }).problems = problems;
}

/** Asserts the page raised no script error and broke no CSP rule so far. */
export function assertNoPageErrors(page: Page) {
  assert.deepEqual((page as Page & { problems?: string[] }).problems ?? [], []);
}

/** Signs in with a token on the sign-in page and waits for the home page. */
export async function signInWithToken(page: Page, token: string, namespace = '') {
  await page.getByLabel('Method').selectOption('token');
  if (namespace) await page.getByLabel('Namespace').fill(namespace);
  await page.getByLabel('Token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
}

/** Goes to a UI route (`#/secrets/secret/`) and waits for its heading. */
export async function openRoute(page: Page, route: string, heading: string | RegExp) {
  await page.evaluate((hash) => (location.hash = hash), route.replace(/^#?/, '#'));
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page and fails on any serious or critical violation. Evaluated through the
 * DevTools protocol, so the page's CSP (no inline script) does not block it.
 */
export async function assertAccessible(page: Page, what: string) {
  await page.evaluate(await axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 5) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `axe-core found serious or critical violations on ${what}`);
}

/** Saves a full-page screenshot as a test artifact (artifacts/ui/<name>.png). */
export async function screenshot(page: Page, name: string) {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

/** The session as the page keeps it (sessionStorage), or null. */
export async function storedSession(page: Page): Promise<unknown> {
  return page.evaluate(() => {
    const text = sessionStorage.getItem('coffer.session');
    return text ? (JSON.parse(text) as unknown) : null;
  });
}
