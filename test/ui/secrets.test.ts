import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { poll } from '../harness/poll.js';
import { assertAccessible, assertNoPageErrors, openRoute, screenshot, signInWithToken, startUi, type Page, type UiHarness } from './browser.js';

// The secrets pages in a real Chromium against a real server: the mounts list, enabling, tuning and
// disabling an engine, the KV v1 and v2 browser (rows and JSON editing, versions and their diff,
// delete / undelete / destroy, metadata, check-and-set), "wrap this secret", and the API explorer
// driven by the OpenAPI of `?help=1`. Every change is checked through the API as well.

let ui: UiHarness;
let page: Page;

/** `#/secrets/<mount>/<view>/<path>`: the mount is one segment, encoded whole (ui/src/pages/secrets/links.ts). */
const route = (mount: string, view?: string, path = '') => `#/secrets/${encodeURIComponent(mount)}${view ? `/${view}` : ''}${path ? `/${path}` : ''}`;

interface KvRead {
  data: { data: Record<string, unknown> | null; metadata: { version: number } };
}
interface Metadata {
  data: { current_version: number; max_versions: number; cas_required: boolean; delete_version_after: string; custom_metadata: Record<string, string> | null; versions: Record<string, { deletion_time: string; destroyed: boolean }> };
}

const readV2 = async (path: string) => ui.api<KvRead>('GET', `secret/data/${path}`);
const metadataOf = async (path: string) => ui.api<Metadata>('GET', `secret/metadata/${path}`);

/** The button inside the open confirmation dialog (the page behind it is inert). */
const confirm = (p: Page, name: string) => p.getByRole('dialog').getByRole('button', { name, exact: true }).click();

before(async () => {
  ui = await startUi();
  page = await ui.newPage();
  await signInWithToken(page, ui.rootToken);
});
after(() => ui?.close());

describe('secrets engines', () => {
  it('lists the mounts with type, KV version and description, each a link', async () => {
    await openRoute(page, '#/secrets', 'Secrets engines');
    const row = page.getByRole('row', { name: /secret\// });
    assert.match(await row.innerText(), /secret\/\s+kv\s+v2\s+key\/value secret storage/);
    await page.getByRole('link', { name: 'secret/', exact: true }).click();
    await page.getByRole('heading', { name: 'secret/', level: 1 }).waitFor();
    await openRoute(page, '#/secrets', 'Secrets engines');
    await assertAccessible(page, 'the mounts list');
    await screenshot(page, 'secrets-mounts');
  });

  it('enables a KV engine at a path holding "/", tunes it, and disables it after asking', async () => {
    await openRoute(page, '#/secrets/enable', 'Enable a secrets engine');
    await page.getByLabel('Engine type').selectOption('kv');
    await page.getByLabel('Path', { exact: true }).fill('team/kv');
    await page.getByLabel('Description').fill('team secrets');
    await page.getByLabel('KV version').selectOption('1');
    await assertAccessible(page, 'the enable form');
    await screenshot(page, 'engine-enable');
    await page.getByRole('button', { name: 'Enable engine' }).click();
    await page.getByRole('heading', { name: 'team/kv/', level: 1 }).waitFor();
    const mounts = await ui.api<{ data: Record<string, { type: string; description: string; options: Record<string, string> }> }>('GET', 'sys/mounts');
    assert.deepEqual([mounts.body.data['team/kv/']?.type, mounts.body.data['team/kv/']?.description, mounts.body.data['team/kv/']?.options], ['kv', 'team secrets', { version: '1' }]);

    await page.getByRole('link', { name: 'Configure' }).click();
    await page.getByRole('heading', { name: 'Configure team/kv/', level: 1 }).waitFor();
    await page.getByLabel('Default lease TTL').fill('1h');
    await page.getByLabel('Max lease TTL').fill('2h');
    await page.getByLabel('Description').fill('team secrets, tuned');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    const tune = await ui.api<{ data: { default_lease_ttl: number; max_lease_ttl: number; description: string } }>('GET', 'sys/mounts/team/kv/tune');
    assert.deepEqual([tune.body.data.default_lease_ttl, tune.body.data.max_lease_ttl, tune.body.data.description], [3600, 7200, 'team secrets, tuned']);

    // Asked first: cancelling changes nothing.
    await page.getByRole('button', { name: 'Disable engine' }).click();
    await page.getByRole('dialog').getByText('Every secret stored under it is deleted').waitFor();
    await confirm(page, 'Cancel');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    assert.ok((await ui.api<{ data: Record<string, unknown> }>('GET', 'sys/mounts')).body.data['team/kv/']);
    await page.getByRole('button', { name: 'Disable engine' }).click();
    await confirm(page, 'Disable engine');
    await page.getByRole('heading', { name: 'Secrets engines', level: 1 }).waitFor();
    const after = await ui.api<{ data: Record<string, unknown> }>('GET', 'sys/mounts');
    assert.equal(after.body.data['team/kv/'], undefined);
    assertNoPageErrors(page);
  });

  it("shows the server's errors[] when enabling fails", async () => {
    await openRoute(page, '#/secrets/enable', 'Enable a secrets engine');
    await page.getByLabel('Path', { exact: true }).fill('secret');
    await page.getByRole('button', { name: 'Enable engine' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const listed = await ui.api<{ errors: string[] }>('POST', 'sys/mounts/secret', { body: { type: 'kv' } });
    assert.ok(listed.body.errors[0]);
    assert.match(await alert.innerText(), new RegExp(listed.body.errors[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });
});

describe('KV version 2', () => {
  it('creates a secret as rows; its values stay masked until revealed (mouse or keyboard), copy to the clipboard unshown, and stay out of the URL and title', async () => {
    await openRoute(page, route('secret/', 'create', 'app'), 'Create secret');
    assert.equal(await page.getByLabel('Path', { exact: true }).inputValue(), 'app/');
    await page.getByLabel('Path', { exact: true }).fill('app/db');
    await page.getByLabel('Key 1').fill('user');
    await page.getByLabel('Value 1').fill('admin');
    await page.getByRole('button', { name: 'Add row' }).click();
    await page.getByLabel('Key 2').fill('password');
    await page.getByLabel('Value 2').fill('s3cr3t-first');
    await page.getByRole('button', { name: 'Create secret' }).click();
    await page.getByRole('heading', { name: 'secret/app/db', level: 1 }).waitFor();
    const read = await readV2('app/db');
    assert.deepEqual(read.body.data.data, { user: 'admin', password: 's3cr3t-first' });

    await page.getByRole('heading', { name: 'Version 1' }).waitFor();
    assert.ok(!(await page.content()).includes('s3cr3t-first'), 'the value shows before it is revealed');
    await page.getByRole('button', { name: 'Reveal password' }).click();
    await page.getByText('s3cr3t-first', { exact: true }).waitFor();
    // Keyboard alone reveals a value, and the focused control shows a focus ring.
    await page.getByRole('button', { name: 'Reveal user' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('admin', { exact: true }).waitFor();
    assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle), 'solid');
    const where = await page.evaluate(() => `${location.href} ${document.title}`);
    assert.ok(!where.includes('s3cr3t') && !where.includes('admin'), where);
    await assertAccessible(page, 'a KV secret');
    await screenshot(page, 'kv-secret');
    // Copy puts the value on the clipboard without it having to be shown; the button then says so.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ui.address });
    await page.getByRole('button', { name: 'Copy password' }).click();
    await page.getByRole('button', { name: 'Copied password' }).waitFor();
    await assertAccessible(page, 'a KV secret just copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 's3cr3t-first');
    assertNoPageErrors(page);
  });

  it('edits a secret as JSON and as rows, each save a new version', async () => {
    await ui.api('POST', 'secret/data/app/api', { body: { data: { key: 'k1' } } });
    await openRoute(page, route('secret/', 'edit', 'app/api'), 'Edit secret/app/api');
    await page.getByRole('button', { name: 'Edit as JSON' }).click();
    const json = page.getByLabel('Secret data as JSON');
    assert.deepEqual(JSON.parse(await json.inputValue()), { key: 'k1' });
    await json.fill('{"key": "k2", "port": 8443, "tags": ["a", "b"]}');
    await assertAccessible(page, 'the KV editor (JSON)');
    await screenshot(page, 'kv-edit');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.getByRole('heading', { name: 'Version 2' }).waitFor();
    assert.deepEqual((await readV2('app/api')).body.data, { data: { key: 'k2', port: 8443, tags: ['a', 'b'] }, metadata: (await readV2('app/api')).body.data.metadata });

    // Non-string values can only be edited as JSON; back to strings, rows work again.
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.getByRole('heading', { name: 'Edit secret/app/api', level: 1 }).waitFor();
    await page.getByLabel('Secret data as JSON').fill('{"key": "k3"}');
    await page.getByRole('button', { name: 'Edit as JSON' }).click();
    await page.getByLabel('Key 1').waitFor();
    assert.equal(await page.getByLabel('Key 1').inputValue(), 'key');
    await page.getByLabel('Value 1').fill('k4');
    await page.getByRole('button', { name: 'Add row' }).click();
    await page.getByLabel('Key 2').fill('region');
    await page.getByLabel('Value 2').fill('eu');
    await assertAccessible(page, 'the KV editor (rows)');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.getByRole('heading', { name: 'Version 3' }).waitFor();
    const read = await readV2('app/api');
    assert.deepEqual([read.body.data.data, read.body.data.metadata.version], [{ key: 'k4', region: 'eu' }, 3]);
  });

  it('diffs two versions, soft-deletes, undeletes and destroys versions, each after asking', async () => {
    await ui.api('POST', 'secret/data/app/rotating', { body: { data: { user: 'svc', password: 'old-pw', legacy: 'x' } } });
    await ui.api('POST', 'secret/data/app/rotating', { body: { data: { user: 'svc', password: 'new-pw', region: 'eu' } } });
    await openRoute(page, route('secret/', 'versions', 'app/rotating'), 'Versions of secret/app/rotating');
    const summary = page.getByTestId('diff-summary');
    await summary.getByText('3 keys differ between version 1 and version 2').waitFor();
    assert.match(await page.getByTestId('diff-password').innerText(), /changed/);
    assert.match(await page.getByTestId('diff-legacy').innerText(), /removed/);
    assert.match(await page.getByTestId('diff-region').innerText(), /added/);
    assert.match(await page.getByTestId('diff-user').innerText(), /unchanged/);
    assert.ok(!(await page.content()).includes('new-pw'), 'the diff shows values unmasked');
    await page.getByRole('button', { name: 'Reveal password in version 2' }).click();
    await page.getByText('new-pw', { exact: true }).waitFor();
    await assertAccessible(page, 'the versions page');
    await screenshot(page, 'kv-versions');

    await page.getByRole('button', { name: 'Delete version 2' }).click();
    await confirm(page, 'Delete version 2');
    await page.getByTestId('version-2').getByText(/deleted/).waitFor();
    assert.notEqual((await metadataOf('app/rotating')).body.data.versions['2']?.deletion_time, '');
    assert.equal((await readV2('app/rotating')).status, 404);

    // The secret page of a deleted version offers to undelete it.
    await openRoute(page, route('secret/', 'show', 'app/rotating'), 'secret/app/rotating');
    await page.getByRole('button', { name: 'Undelete version 2' }).click();
    await page.getByRole('heading', { name: 'Version 2' }).waitFor();
    assert.equal((await metadataOf('app/rotating')).body.data.versions['2']?.deletion_time, '');
    assert.deepEqual((await readV2('app/rotating')).body.data.data, { user: 'svc', password: 'new-pw', region: 'eu' });

    await openRoute(page, route('secret/', 'versions', 'app/rotating'), 'Versions of secret/app/rotating');
    await page.getByRole('button', { name: 'Destroy version 1' }).click();
    await page.getByRole('dialog').getByText('cannot be undone').waitFor();
    await confirm(page, 'Destroy version 1');
    await page.getByTestId('version-1').getByText('destroyed').waitFor();
    assert.equal((await metadataOf('app/rotating')).body.data.versions['1']?.destroyed, true);
    assertNoPageErrors(page);
  });

  it('edits metadata (max_versions, cas_required, delete_version_after, custom_metadata); a later edit sends cas; delete-all removes the key', async () => {
    await ui.api('POST', 'secret/data/app/meta', { body: { data: { a: '1' } } });
    await openRoute(page, route('secret/', 'metadata', 'app/meta'), 'Metadata of secret/app/meta');
    await page.getByLabel('Max versions').fill('5');
    await page.getByLabel('Require check-and-set').check();
    await page.getByLabel('Delete versions after').fill('3h');
    await page.getByLabel('Key 1').fill('owner');
    await page.getByLabel('Value 1').fill('team-a');
    await assertAccessible(page, 'the metadata page');
    await screenshot(page, 'kv-metadata');
    await page.getByRole('button', { name: 'Save metadata' }).click();
    await page.getByRole('status').getByText('Metadata saved.').waitFor();
    const meta = (await metadataOf('app/meta')).body.data;
    assert.deepEqual([meta.max_versions, meta.cas_required, meta.delete_version_after, meta.custom_metadata], [5, true, '3h0m0s', { owner: 'team-a' }]);

    await openRoute(page, route('secret/', 'edit', 'app/meta'), 'Edit secret/app/meta');
    await page.getByText('Check-and-set is required here').waitFor();
    await page.getByLabel('Value 1').fill('2');
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/v1/secret/data/app/meta'));
    await page.getByRole('button', { name: 'Save new version' }).click();
    assert.deepEqual((await sent).postDataJSON(), { data: { a: '2' }, options: { cas: 1 } });
    await page.getByRole('heading', { name: 'Version 2' }).waitFor();
    assert.deepEqual((await readV2('app/meta')).body.data.data, { a: '2' });

    await openRoute(page, route('secret/', 'metadata', 'app/meta'), 'Metadata of secret/app/meta');
    await page.getByRole('button', { name: 'Delete all versions and metadata' }).click();
    await confirm(page, 'Delete everything');
    await page.getByRole('heading', { name: 'secret/app/', level: 1 }).waitFor();
    assert.equal((await metadataOf('app/meta')).status, 404);
    assertNoPageErrors(page);
  });

  it('wraps a secret: the single-use token, its accessor, TTL and expiry; the API unwraps the same data, once', async () => {
    await ui.api('POST', 'secret/data/app/handoff', { body: { data: { api_key: 'hand-me-on', user: 'bob' } } });
    await openRoute(page, route('secret/', 'show', 'app/handoff'), 'secret/app/handoff');
    await page.getByLabel('Wrap TTL').fill('10m');
    await page.getByRole('button', { name: 'Wrap', exact: true }).click();
    const result = page.getByTestId('wrap-info');
    await result.waitFor();
    assert.match(await result.innerText(), /TTL\s+10m/);
    assert.match(await result.innerText(), /Expires\s+\S+/);
    assert.ok(!(await result.innerText()).includes('hvs.'), 'the wrapping token shows before it is revealed');
    await page.getByRole('button', { name: 'Reveal wrapping token' }).click();
    const token = (await result.locator('code[data-masked="false"]').innerText()).trim();
    const accessor = await result.getByTestId('wrap-accessor').innerText();
    const lookup = await ui.api<{ data: { creation_ttl: number } }>('POST', 'sys/wrapping/lookup', { body: { token } });
    assert.equal(lookup.body.data.creation_ttl, 600);
    const unwrapped = await ui.api<{ data: Record<string, unknown> }>('POST', 'sys/wrapping/unwrap', { token });
    assert.equal(unwrapped.status, 200, unwrapped.text);
    assert.deepEqual(unwrapped.body.data, { api_key: 'hand-me-on', user: 'bob' });
    const again = await ui.api<{ errors: string[] }>('POST', 'sys/wrapping/unwrap', { token });
    assert.deepEqual([again.status, again.body.errors], [400, ['wrapping token is not valid or does not exist']]);
    assert.ok(accessor.length > 0 && !token.includes(accessor));
  });
});

describe('the KV list', () => {
  it('filters by prefix and pages through a long folder', async () => {
    await Promise.all(Array.from({ length: 120 }, (_, i) => ui.api('POST', `secret/data/many/k${String(i).padStart(3, '0')}`, { body: { data: { n: String(i) } } })));
    await ui.api('POST', 'secret/data/many/sub/inner', { body: { data: { n: 'x' } } });
    await openRoute(page, route('secret/', 'list', 'many/'), 'secret/many/');
    const count = page.getByTestId('list-count');
    await count.getByText('Showing 1–50 of 121').waitFor();
    const keys = page.getByRole('list', { name: 'Keys in secret/many/' }).getByRole('link');
    assert.equal(await keys.count(), 50);
    await page.getByRole('button', { name: 'Next page' }).click();
    await count.getByText('Showing 51–100 of 121').waitFor();
    await assertAccessible(page, 'a KV folder');
    await screenshot(page, 'kv-list');

    await page.getByLabel('Filter or open a path').fill('many/k11');
    await count.getByText('Showing 1–10 of 10 (of 121 in this folder)').waitFor();
    assert.deepEqual(await keys.allInnerTexts(), Array.from({ length: 10 }, (_, i) => `•k11${i}`));
    await page.getByLabel('Filter or open a path').fill('many/sub/');
    await page.getByLabel('Filter or open a path').press('Enter');
    await page.getByRole('heading', { name: 'secret/many/sub/', level: 1 }).waitFor();
    await page.getByRole('link', { name: /inner/ }).click();
    await page.getByRole('heading', { name: 'secret/many/sub/inner', level: 1 }).waitFor();
  });

  it('opens a path the token may read but not list', async () => {
    await ui.api('POST', 'sys/policies/acl/read-only-one', { body: { policy: 'path "secret/data/hidden/*" { capabilities = ["read"] }' } });
    await ui.api('POST', 'secret/data/hidden/thing', { body: { data: { pin: '4321' } } });
    const made = await ui.api<{ auth: { client_token: string } }>('POST', 'auth/token/create', { body: { policies: ['read-only-one'], ttl: '1h' } });
    const limited = await ui.newPage();
    await signInWithToken(limited, made.body.auth.client_token);
    // The mounts page lists what its policies reach into (sys/internal/ui/mounts), not every mount.
    await limited.getByRole('link', { name: 'Secrets' }).click();
    await limited.getByRole('link', { name: 'secret/', exact: true }).waitFor();
    assert.deepEqual((await limited.locator('table.mounts tbody tr td:first-child').allInnerTexts()).map((c) => c.trim()).sort(), ['cubbyhole/', 'secret/']);
    await openRoute(limited, route('secret/'), 'secret/');
    await limited.getByRole('alert').getByText('permission denied').waitFor();
    await limited.getByText('This token may not list here').waitFor();
    await limited.getByLabel('Filter or open a path').fill('hidden/thing');
    await limited.getByLabel('Filter or open a path').press('Enter');
    await limited.getByRole('heading', { name: 'secret/hidden/thing', level: 1 }).waitFor();
    await limited.getByRole('button', { name: 'Reveal pin' }).click();
    await limited.getByText('4321', { exact: true }).waitFor();
    assertNoPageErrors(limited);
  });
});

describe('KV version 1', () => {
  it('creates, reads, edits and deletes a secret on a mount whose path holds "/"', async () => {
    await ui.api('POST', 'sys/mounts/ops/legacy', { body: { type: 'kv', options: { version: '1' } } });
    await openRoute(page, route('ops/legacy/'), 'ops/legacy/');
    await page.getByText('KV version 1').waitFor();
    await page.getByRole('link', { name: 'Create secret' }).click();
    await page.getByRole('heading', { name: 'Create secret', level: 1 }).waitFor();
    await page.getByLabel('Path', { exact: true }).fill('db/one');
    await page.getByLabel('Key 1').fill('password');
    await page.getByLabel('Value 1').fill('v1-pass');
    await page.getByRole('button', { name: 'Create secret' }).click();
    await page.getByRole('heading', { name: 'ops/legacy/db/one', level: 1 }).waitFor();
    assert.deepEqual((await ui.api<{ data: Record<string, unknown> }>('GET', 'ops/legacy/db/one')).body.data, { password: 'v1-pass' });
    assert.equal(await page.getByRole('link', { name: 'Versions' }).count(), 0);

    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.getByLabel('Value 1').fill('v1-pass-2');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    // The edit page's heading names the secret too: wait for the page the save goes to.
    await page.waitForFunction(() => location.hash.includes('/show/'));
    await page.getByRole('heading', { name: 'ops/legacy/db/one', level: 1 }).waitFor();
    await poll('the v1 edit to land', async () => (await ui.api<{ data: { password?: string } }>('GET', 'ops/legacy/db/one')).body.data?.password === 'v1-pass-2');

    await openRoute(page, route('ops/legacy/', 'list', 'db/'), 'ops/legacy/db/');
    await page.getByRole('link', { name: /one/ }).click();
    await page.getByRole('heading', { name: 'ops/legacy/db/one', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Delete secret' }).click();
    await page.getByRole('dialog').getByText('cannot be undone').waitFor();
    await confirm(page, 'Delete secret');
    await page.getByRole('heading', { name: 'ops/legacy/db/', level: 1 }).waitFor();
    assert.equal((await ui.api('GET', 'ops/legacy/db/one')).status, 404);
    assertNoPageErrors(page);
  });

  it("browses the token's cubbyhole as KV version 1", async () => {
    await ui.api('POST', 'cubbyhole/note', { body: { remember: 'the milk' } });
    await openRoute(page, route('cubbyhole/'), 'cubbyhole/');
    await page.getByRole('link', { name: /note/ }).click();
    await page.getByRole('heading', { name: 'cubbyhole/note', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Reveal remember' }).click();
    await page.getByText('the milk', { exact: true }).waitFor();
  });
});

describe('the API explorer', () => {
  it('a transit mount links to it; the fields come from the OpenAPI of ?help=1; encrypt, then decrypt with the plaintext masked', async () => {
    await ui.api('POST', 'sys/mounts/transit', { body: { type: 'transit' } });
    await ui.api('POST', 'transit/keys/orders', { body: {} });
    await openRoute(page, route('transit/'), 'transit/');
    await page.getByRole('link', { name: 'Open transit/ in the API explorer' }).click();
    await page.getByRole('heading', { name: 'API explorer', level: 1 }).waitFor();
    assert.equal(await page.getByLabel('Path', { exact: true }).inputValue(), 'transit/');
    await page.getByTestId('path-doc').getByText(/Paths of this engine/).waitFor();

    await page.getByLabel('Path', { exact: true }).fill('transit/encrypt/orders');
    await page.getByRole('button', { name: 'Load fields' }).click();
    await page.getByTestId('path-doc').getByText('/transit/encrypt/{name}').waitFor();
    assert.equal(await page.getByLabel('Operation').inputValue(), 'write');
    assert.equal(await page.getByLabel('key_version').getAttribute('type'), 'number');
    assert.equal(await page.getByLabel('convergent_encryption').getAttribute('type'), 'checkbox');
    await page.getByLabel('plaintext').fill(Buffer.from('order 42').toString('base64'));
    await assertAccessible(page, 'the API explorer');
    await screenshot(page, 'api-explorer');
    await page.getByRole('button', { name: 'Send request' }).click();
    const ciphertext = (await page.getByTestId('response-ciphertext').locator('code').innerText()).trim();
    assert.match(ciphertext, /^vault:v1:/);
    const decrypted = await ui.api<{ data: { plaintext: string } }>('POST', 'transit/decrypt/orders', { body: { ciphertext } });
    assert.equal(Buffer.from(decrypted.body.data.plaintext, 'base64').toString(), 'order 42');

    await page.getByLabel('Path', { exact: true }).fill('transit/decrypt/orders');
    await page.getByRole('button', { name: 'Load fields' }).click();
    await page.getByTestId('path-doc').getByText('/transit/decrypt/{name}').waitFor();
    await page.getByLabel('ciphertext').fill(ciphertext);
    await page.getByRole('button', { name: 'Send request' }).click();
    const plaintext = Buffer.from('order 42').toString('base64');
    await page.getByRole('button', { name: 'Reveal plaintext' }).waitFor();
    assert.ok(!(await page.content()).includes(plaintext), 'the decrypted plaintext shows before it is revealed');
    await page.getByLabel('Show as JSON').check();
    assert.ok(!(await page.getByTestId('response-json').innerText()).includes(plaintext));
    await page.getByLabel('Reveal secret-looking values').check();
    assert.ok((await page.getByTestId('response-json').innerText()).includes(plaintext));
    await assertAccessible(page, 'the API explorer with a response');
    assertNoPageErrors(page);
  });

  it('issues a PKI certificate from fields of the path opened by link; the private key stays masked', async () => {
    await ui.api('POST', 'sys/mounts/pki', { body: { type: 'pki' } });
    await ui.api('POST', 'pki/root/generate/internal', { body: { common_name: 'example.com', ttl: '24h' } });
    await ui.api('POST', 'pki/roles/web', { body: { allowed_domains: 'example.com', allow_subdomains: true } });
    await openRoute(page, `#/api?path=${encodeURIComponent('pki/issue/web')}`, 'API explorer');
    await page.getByTestId('path-doc').getByText('/pki/issue/{name}').waitFor();
    await page.getByLabel('common_name').fill('shop.example.com');
    await page.getByLabel('ttl', { exact: true }).fill('1h');
    await page.getByLabel('alt_names').fill('www.example.com, api.example.com');
    await page.getByRole('button', { name: 'Send request' }).click();
    const serial = (await page.getByTestId('response-serial_number').locator('code').innerText()).trim();
    const shown = await page.getByTestId('response-certificate').innerText();
    assert.match(shown, /BEGIN CERTIFICATE/);
    assert.ok(!(await page.content()).includes('PRIVATE KEY-----'), 'the private key shows before it is revealed');
    await page.getByRole('button', { name: 'Reveal private_key', exact: true }).waitFor();
    assert.equal(await page.getByTestId('response-private_key_type').locator('code').innerText(), 'rsa');
    const stored = await ui.api<{ data: { certificate: string } }>('GET', `pki/cert/${serial}`);
    assert.equal(stored.status, 200, stored.text);
    assert.ok(shown.includes(stored.body.data.certificate.split('\n')[1]!), 'the certificate shown is the one the server stored');
    assertNoPageErrors(page);
  });

  it("shows the server's errors[] for a refused request", async () => {
    await openRoute(page, '#/api?path=transit/keys/missing-key', 'API explorer');
    await page.getByLabel('Operation').selectOption('read');
    await page.getByRole('button', { name: 'Send request' }).click();
    const answer = await ui.api<{ errors: string[] }>('GET', 'transit/keys/missing-key');
    await page.getByRole('alert').getByText(`Error ${answer.status}`).waitFor();
  });
});
