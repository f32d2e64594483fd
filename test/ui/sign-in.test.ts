import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { assertAccessible, assertNoPageErrors, screenshot, signInWithToken, startUi, storedSession, type Page, type UiHarness } from './browser.js';

// Signing in to the web UI each way, in a real Chromium against a real server, and the token's life
// in the tab: kept in sessionStorage only, renewed while the tab is open, dropped on sign-out, on
// expiry and when lookup-self answers 403.

let ui: UiHarness;

before(async () => {
  ui = await startUi();
  await ui.api('POST', 'sys/policies/acl/reader', { body: { policy: 'path "secret/*" { capabilities = ["read", "list"] }' } });
  await ui.api('POST', 'sys/auth/userpass', { body: { type: 'userpass' } });
  await ui.api('POST', 'auth/userpass/users/alice', { body: { password: 'correct horse', token_policies: 'reader' } });
  await ui.api('POST', 'auth/userpass/users/bob', { body: { password: 'battery staple', token_policies: 'reader' } });
  await ui.api('POST', 'sys/auth/approle', { body: { type: 'approle' } });
  await ui.api('POST', 'auth/approle/role/web', { body: { token_policies: 'reader' } });
});
after(() => ui?.close());

async function tokenField(page: Page): Promise<string | undefined> {
  return ((await storedSession(page)) as { token?: string } | null)?.token;
}

describe('sign in', () => {
  it('with a token: the home page shows the server and the token, and axe finds nothing serious', async () => {
    const page = await ui.newPage();
    await assertAccessible(page, 'the sign-in page');
    await screenshot(page, 'sign-in');
    await signInWithToken(page, ui.rootToken);
    assert.equal(await tokenField(page), ui.rootToken);
    const status = page.getByTestId('server-status');
    await status.getByText('unsealed').waitFor();
    assert.match(await status.innerText(), /Storage\s+sqlite/);
    await page.getByRole('figure').getByText(/Wrapping tokens since the server started: created \d+/).waitFor();
    await assertAccessible(page, 'the home page');
    await screenshot(page, 'home');
    assertNoPageErrors(page);
  });

  it('with a wrong token: the server\'s 403 text is shown and nothing is stored', async () => {
    const page = await ui.newPage();
    await page.getByLabel('Token', { exact: true }).fill('hvs.not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('permission denied').waitFor();
    assert.equal(await storedSession(page), null);
  });

  it('with userpass, and the TOTP prompt for a user with a second factor', async () => {
    const seed = await ui.api<{ data: { secret?: string; url?: string } }>('POST', 'auth/userpass/users/bob/mfa/totp', { body: {} });
    assert.equal(seed.status, 200, seed.text);
    const url = new URL(seed.body.data.url!);
    const totp = new TOTP({ secret: Secret.fromBase32(url.searchParams.get('secret')!), algorithm: url.searchParams.get('algorithm') ?? 'SHA1', digits: Number(url.searchParams.get('digits') ?? 6), period: Number(url.searchParams.get('period') ?? 30) });

    const page = await ui.newPage();
    await page.getByLabel('Method').selectOption('userpass');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('correct horse');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
    assert.match(await page.getByTestId('whoami').innerText(), /userpass-alice/);

    const second = await ui.newPage();
    await second.getByLabel('Method').selectOption('userpass');
    await second.getByLabel('Username').fill('bob');
    await second.getByLabel('Password').fill('battery staple');
    await second.getByRole('button', { name: 'Sign in' }).click();
    const code = second.getByLabel('TOTP code');
    await code.waitFor();
    await assertAccessible(second, 'the TOTP prompt');
    await code.fill(totp.generate());
    await second.getByRole('button', { name: 'Sign in' }).click();
    await second.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
    assert.match(await second.getByTestId('whoami').innerText(), /userpass-bob/);
  });

  it('with AppRole', async () => {
    const roleId = (await ui.api<{ data: { role_id: string } }>('GET', 'auth/approle/role/web/role-id')).body.data.role_id;
    const secretId = (await ui.api<{ data: { secret_id: string } }>('POST', 'auth/approle/role/web/secret-id', { body: {} })).body.data.secret_id;
    const page = await ui.newPage();
    await page.getByLabel('Method').selectOption('approle');
    await page.getByLabel('Role ID').fill(roleId);
    await page.getByLabel('Secret ID').fill(secretId);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
    const token = await tokenField(page);
    const lookup = await ui.api<{ data: { policies: string[]; path: string } }>('POST', 'auth/token/lookup', { body: { token } });
    assert.equal(lookup.body.data.path, 'auth/approle/login');
    assert.deepEqual(lookup.body.data.policies, ['default', 'reader']);
  });

  it('in a namespace: requests carry it and the header shows it', async () => {
    await ui.api('POST', 'sys/namespaces/team-ui', { body: {} });
    const page = await ui.newPage();
    await signInWithToken(page, ui.rootToken, 'team-ui');
    assert.match(await page.getByTestId('whoami').innerText(), /namespace team-ui/);
    const seen = page.waitForRequest((r) => r.url().includes('/v1/sys/capabilities-self'));
    await page.reload();
    assert.equal((await seen).headers()['x-vault-namespace'], 'team-ui');
  });
});

describe('the token in the tab', () => {
  it('sign-out removes it from sessionStorage; nothing of it is left in localStorage or cookies', async () => {
    const page = await ui.newPage();
    await signInWithToken(page, ui.rootToken);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Coffer' }).waitFor();
    assert.equal(await storedSession(page), null);
    const everything = await page.evaluate(() => JSON.stringify({ session: { ...sessionStorage }, local: { ...localStorage }, cookie: document.cookie }));
    assert.ok(!everything.includes(ui.rootToken), everything);
  });

  it('a token revoked elsewhere ends the session at the next request (lookup-self answers 403)', async () => {
    const made = await ui.api<{ auth: { client_token: string } }>('POST', 'auth/token/create', { body: { policies: ['reader'], ttl: '1h' } });
    const token = made.body.auth.client_token;
    const page = await ui.newPage();
    await signInWithToken(page, token);
    // The home page's own refusals (this token may not read sys/metrics) make the page check the
    // token; let that check finish first, so the session ends because of the revocation below.
    await page.waitForLoadState('networkidle');
    await ui.api('POST', 'auth/token/revoke', { body: { token } });
    await page.reload();
    await page.getByRole('status').getByText('no longer valid').waitFor();
    assert.equal(await storedSession(page), null);
  });

  it('a token that cannot be renewed ends at its expiry', async () => {
    const made = await ui.api<{ auth: { client_token: string } }>('POST', 'auth/token/create', { body: { policies: ['reader'], ttl: '3s', renewable: false } });
    const page = await ui.newPage();
    await signInWithToken(page, made.body.auth.client_token);
    await page.getByRole('status').getByText('expired').waitFor({ timeout: 10_000 });
    assert.equal(await storedSession(page), null);
  });

  it('a renewable token is renewed while the tab is open', async () => {
    const made = await ui.api<{ auth: { client_token: string } }>('POST', 'auth/token/create', { body: { policies: ['reader'], ttl: '4s', explicit_max_ttl: '1h' } });
    const token = made.body.auth.client_token;
    const page = await ui.newPage();
    await signInWithToken(page, token);
    const renewal = await page.waitForResponse((r) => r.url().endsWith('/v1/auth/token/renew-self'), { timeout: 10_000 });
    assert.equal(renewal.status(), 200);
    const lookup = await ui.api<{ data: { last_renewal_time?: number | null; ttl: number } }>('POST', 'auth/token/lookup', { body: { token } });
    assert.ok(lookup.body.data.last_renewal_time, JSON.stringify(lookup.body.data));
    // Past the first TTL the tab still works.
    await new Promise((r) => setTimeout(r, 4_500));
    await page.getByRole('link', { name: 'Home' }).click();
    assert.ok(await storedSession(page));
  });
});

describe('keyboard', () => {
  it('Tab reaches the skip link and the navigation, Enter follows a link, focus is visible and lands on the new heading', async () => {
    const page = await ui.newPage();
    await signInWithToken(page, ui.rootToken);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Sign out');
    // Home, then Secrets.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { text: el.textContent, outline: style.outlineStyle, width: style.outlineWidth };
    });
    assert.deepEqual(focused, { text: 'Secrets', outline: 'solid', width: '3px' });
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash === '#/secrets');
    await page.waitForFunction(() => document.activeElement?.id === 'page-title');
  });
});
