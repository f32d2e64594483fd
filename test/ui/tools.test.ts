import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertAccessible, assertNoPageErrors, openRoute, screenshot, signInWithToken, startUi, type Page, type UiHarness } from './browser.js';

// The Tools page (sys/wrapping/* and sys/tools/*) in a real Chromium against a real server: a secret
// wrapped in one browser is unwrapped in another, once; lookup, rewrap, random bytes and hashes.

let ui: UiHarness;

before(async () => {
  ui = await startUi();
});
after(() => ui?.close());

async function signedIn(route: string, heading: RegExp): Promise<Page> {
  const page = await ui.newPage();
  await signInWithToken(page, ui.rootToken);
  await openRoute(page, route, heading);
  return page;
}

/** The wrapping token the page shows, read the way a user would: reveal, then read. */
async function shownToken(page: Page): Promise<string> {
  const info = page.getByTestId('wrap-info');
  await info.getByRole('button', { name: 'Reveal wrapping token' }).click();
  return (await info.getByTestId('wrap-token').locator('code').innerText()).trim();
}

/** Wraps `data` through the API, as a colleague would have, and answers the token. */
async function wrapByApi(data: Record<string, unknown>, ttl = '5m'): Promise<string> {
  const answer = await ui.api<{ wrap_info: { token: string } }>('POST', 'sys/wrapping/wrap', { body: data, headers: { 'X-Vault-Wrap-TTL': ttl } });
  assert.equal(answer.status, 200, answer.text);
  return answer.body.wrap_info.token;
}

const unwrapByApi = (token: string) => ui.api<{ data: Record<string, unknown>; errors?: string[] }>('POST', 'sys/wrapping/unwrap', { body: { token } });

describe('tools: wrap and unwrap', () => {
  it('wraps key/value rows in one browser; a second browser unwraps them once, and the next unwrap shows Vault\'s refusal', async () => {
    const alice = await signedIn('#/tools/wrap', /Tools: Wrap/);
    await alice.getByLabel('Key 1').fill('username');
    await alice.getByLabel('Value 1').fill('db-admin');
    await alice.getByRole('button', { name: 'Add row' }).click();
    await alice.getByLabel('Key 2').fill('password');
    await alice.getByLabel('Value 2').fill('s3cr3t-Pa55');
    await alice.getByLabel('Wrap TTL').fill('10m');
    await alice.getByRole('button', { name: 'Wrap', exact: true }).click();
    const info = alice.getByTestId('wrap-info');
    await info.waitFor();
    assert.equal(await info.getByTestId('wrap-token').locator('code').getAttribute('data-masked'), 'true');
    assert.match(await info.innerText(), /TTL\s+10m/);
    await assertAccessible(alice, 'the Tools wrap tab');
    await screenshot(alice, 'tools-wrap');
    const token = await shownToken(alice);
    assert.ok(token.length > 20, token);
    // Neither the secret nor the token goes into the URL or the title.
    for (const leak of [token, 's3cr3t-Pa55']) assert.ok(!alice.url().includes(leak) && !(await alice.title()).includes(leak));
    const lookup = await ui.api<{ data: { creation_path: string; creation_ttl: number } }>('POST', 'sys/wrapping/lookup', { body: { token } });
    assert.deepEqual([lookup.body.data.creation_path, lookup.body.data.creation_ttl], ['sys/wrapping/wrap', 600]);

    const bob = await signedIn('#/tools/unwrap', /Tools: Unwrap/);
    await bob.getByLabel('Wrapping token').fill(token);
    await bob.getByRole('button', { name: 'Unwrap', exact: true }).click();
    const unwrapped = bob.getByTestId('unwrapped');
    await unwrapped.waitFor();
    assert.ok(!(await unwrapped.innerText()).includes('s3cr3t-Pa55'), 'values are masked until revealed');
    await unwrapped.getByRole('button', { name: 'Reveal value of password' }).click();
    await unwrapped.getByText('s3cr3t-Pa55').waitFor();
    await unwrapped.getByRole('button', { name: 'Reveal value of username' }).click();
    await unwrapped.getByText('db-admin').waitFor();
    await assertAccessible(bob, 'the Tools unwrap tab');
    await screenshot(bob, 'tools-unwrap');

    await bob.getByLabel('Wrapping token').fill(token);
    await bob.getByRole('button', { name: 'Unwrap', exact: true }).click();
    const refusal = bob.getByRole('alert');
    await refusal.waitFor();
    const byApi = await unwrapByApi(token);
    assert.equal(byApi.status, 400);
    assert.deepEqual(await refusal.locator('li').allInnerTexts(), byApi.body.errors);
    assert.deepEqual(byApi.body.errors, ['wrapping token is not valid or does not exist']);
    assert.match(await refusal.innerText(), /Error 400/);
    assert.equal(await bob.getByTestId('unwrapped').count(), 0, 'the refused unwrap shows no data');
    assertNoPageErrors(alice);
    assertNoPageErrors(bob);
  });

  it('wraps JSON, and an invalid JSON text is refused in the page before anything is sent', async () => {
    const page = await signedIn('#/tools/wrap', /Tools: Wrap/);
    await page.getByLabel('Data as').selectOption('json');
    await page.getByLabel('Data to wrap (JSON)').fill('{"api_key": ');
    await page.getByRole('button', { name: 'Wrap', exact: true }).click();
    await page.getByRole('alert').getByText(/not valid JSON/).waitFor();
    await page.getByLabel('Data to wrap (JSON)').fill('{"api_key": "k-123", "limits": {"rps": 5}}');
    await page.getByRole('button', { name: 'Wrap', exact: true }).click();
    const token = await shownToken(page);
    const unwrapped = await unwrapByApi(token);
    assert.deepEqual(unwrapped.body.data, { api_key: 'k-123', limits: { rps: 5 } });
  });

  it('unwraps a wrapped login: the auth block, its client token masked until revealed', async () => {
    const made = await ui.api<{ wrap_info: { token: string } }>('POST', 'auth/token/create', { body: { policies: ['default'], ttl: '1h' }, headers: { 'X-Vault-Wrap-TTL': '5m' } });
    assert.equal(made.status, 200, made.text);
    const page = await signedIn('#/tools/unwrap', /Tools: Unwrap/);
    await page.getByLabel('Wrapping token').fill(made.body.wrap_info.token);
    await page.getByRole('button', { name: 'Unwrap', exact: true }).click();
    const unwrapped = page.getByTestId('unwrapped');
    await unwrapped.waitFor();
    assert.match(await unwrapped.innerText(), /Policies\s+default\s+Lease duration\s+1h\s+Renewable\s+yes/);
    await unwrapped.getByRole('button', { name: 'Reveal client token' }).click();
    const clientToken = (await unwrapped.locator('code[data-masked="false"]').innerText()).trim();
    const self = await ui.api<{ data: { policies: string[] } }>('GET', 'auth/token/lookup-self', { token: clientToken });
    assert.equal(self.status, 200, self.text);
    assert.deepEqual(self.body.data.policies, ['default']);
  });

  it('looks a token up (creation path, TTL, expiry) without using it up', async () => {
    const token = await wrapByApi({ note: 'for lookup' }, '7m');
    const page = await signedIn('#/tools/lookup', /Tools: Lookup/);
    await page.getByLabel('Wrapping token').fill(token);
    await page.getByRole('button', { name: 'Look up' }).click();
    const found = page.getByTestId('lookup');
    await found.waitFor();
    const text = await found.innerText();
    assert.match(text, /Creation path\s+sys\/wrapping\/wrap/);
    assert.match(text, /TTL\s+7m/);
    assert.match(text, /Expires\s+\S/);
    assert.ok(!text.includes(token));
    await assertAccessible(page, 'the Tools lookup tab');
    await screenshot(page, 'tools-lookup');
    assert.deepEqual((await unwrapByApi(token)).body.data, { note: 'for lookup' });
  });

  it('rewraps: the new token holds the data, the old one stops working', async () => {
    const old = await wrapByApi({ handover: 'rotate-me' });
    const page = await signedIn('#/tools/rewrap', /Tools: Rewrap/);
    await page.getByLabel('Wrapping token').fill(old);
    await page.getByRole('button', { name: 'Rewrap', exact: true }).click();
    const fresh = await shownToken(page);
    assert.notEqual(fresh, old);
    await assertAccessible(page, 'the Tools rewrap tab');
    await screenshot(page, 'tools-rewrap');
    const byOld = await unwrapByApi(old);
    assert.equal(byOld.status, 400, byOld.text);
    assert.deepEqual(byOld.body.errors, ['wrapping token is not valid or does not exist']);
    assert.deepEqual((await unwrapByApi(fresh)).body.data, { handover: 'rotate-me' });
  });
});

describe('tools: random and hash', () => {
  it('random bytes: the length asked, in hex and in base64', async () => {
    const page = await signedIn('#/tools/random', /Tools: Random/);
    await page.getByLabel('Number of bytes').fill('24');
    await page.getByLabel('Output format').selectOption('hex');
    await page.getByRole('button', { name: 'Generate' }).click();
    const hex = (await page.getByTestId('random-bytes').innerText()).trim();
    assert.match(hex, /^[0-9a-f]{48}$/);
    await page.getByLabel('Output format').selectOption('base64');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByTestId('random-bytes').filter({ hasNotText: hex }).waitFor();
    const b64 = (await page.getByTestId('random-bytes').innerText()).trim();
    assert.match(b64, /^[A-Za-z0-9+/]+={0,2}$/);
    assert.equal(Buffer.from(b64, 'base64').length, 24);
    await assertAccessible(page, 'the Tools random tab');
    await screenshot(page, 'tools-random');
    await page.getByLabel('Number of bytes').fill('200000');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByRole('alert').getByText('the number of bytes must be less than 131072').waitFor();
  });

  it('hash: text and base64 input, hex and base64 output, as node:crypto computes them', async () => {
    const page = await signedIn('#/tools/hash', /Tools: Hash/);
    const text = 'grüße, Coffer\n';
    await page.getByLabel('Input', { exact: true }).fill(text);
    await page.getByLabel('Algorithm').selectOption('sha2-512');
    await page.getByRole('button', { name: 'Hash', exact: true }).click();
    const sum = page.getByTestId('hash-sum');
    await sum.getByText(createHash('sha512').update(text, 'utf8').digest('hex'), { exact: true }).waitFor();

    const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    await page.getByLabel('Input is').selectOption('base64');
    await page.getByLabel('Input', { exact: true }).fill(bytes.toString('base64'));
    await page.getByLabel('Algorithm').selectOption('sha3-256');
    await page.getByLabel('Output format').selectOption('base64');
    await page.getByRole('button', { name: 'Hash', exact: true }).click();
    await sum.getByText(createHash('sha3-256').update(bytes).digest('base64'), { exact: true }).waitFor();
    await assertAccessible(page, 'the Tools hash tab');
    await screenshot(page, 'tools-hash');

    await page.getByLabel('Input', { exact: true }).fill('not base64!');
    await page.getByRole('button', { name: 'Hash', exact: true }).click();
    await page.getByRole('alert').getByText('unable to decode input as base64').waitFor();
    assertNoPageErrors(page);
  });
});
