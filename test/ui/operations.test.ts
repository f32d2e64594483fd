import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CREATE_USER, pgConnection } from '../engines/database/fixture.js';
import { poll } from '../harness/poll.js';
import { startPostgres, type PostgresCluster } from '../harness/postgres.js';
import { assertAccessible, assertNoPageErrors, openRoute, screenshot, signInWithToken, startUi, type Page, type UiHarness } from './browser.js';

// The Leases, Audit devices and Quotas pages in a real Chromium against a real server; every change
// made in the page is checked through the API (and, for audit, in the log file itself).

let ui: UiHarness;
let pgc: PostgresCluster;
let dir: string;

/** A call that must succeed, answering its body. */
async function must<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const answer = await ui.api<T>(method, path, body === undefined ? {} : { body });
  assert.ok(answer.status >= 200 && answer.status < 300, `${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.body;
}

before(async () => {
  [ui, pgc, dir] = await Promise.all([startUi(), startPostgres(), mkdtemp(join(tmpdir(), 'coffer-ui-audit-'))]);
  // PKI leases are cheap to make (generate_lease) but, as in Vault, not renewable: a database
  // credential is the renewable one.
  await must('POST', 'sys/mounts/pki', { type: 'pki' });
  await must('POST', 'pki/root/generate/internal', { common_name: 'example.com', key_type: 'ec', ttl: '87600h' });
  await must('POST', 'pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', generate_lease: true, ttl: '1h', max_ttl: '24h' });
  await must('POST', 'sys/mounts/database', { type: 'database' });
  await must('POST', 'database/config/pg', { ...pgConnection(pgc), allowed_roles: ['readonly'] });
  await must('POST', 'database/roles/readonly', { db_name: 'pg', creation_statements: [CREATE_USER], default_ttl: '1h', max_ttl: '24h' });
});
after(async () => {
  await ui?.close();
  await pgc?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function signedIn(route: string, heading: string | RegExp): Promise<Page> {
  const page = await ui.newPage();
  await signInWithToken(page, ui.rootToken);
  await openRoute(page, route, heading);
  return page;
}

const issueCert = async (name: string) => (await must<{ lease_id: string }>('POST', 'pki/issue/web', { common_name: `${name}.example.com` })).lease_id;
const leaseLookup = (leaseId: string) => ui.api<{ data: { expire_time: string; renewable: boolean }; errors?: string[] }>('POST', 'sys/leases/lookup', { body: { lease_id: leaseId } });

describe('leases', () => {
  let certs: string[];
  before(async () => {
    certs = [await issueCert('a'), await issueCert('b'), await issueCert('c')];
  });

  it('drills down from the top to a prefix, and looks a prefix up by its name', async () => {
    const page = await signedIn('#/leases', 'Leases');
    await page.getByRole('link', { name: 'pki/', exact: true }).click();
    await page.getByRole('link', { name: 'issue/', exact: true }).click();
    await page.getByRole('link', { name: 'web/', exact: true }).click();
    const list = page.getByTestId('lease-list');
    for (const id of certs) await list.getByRole('link', { name: id.split('/').pop()!, exact: true }).waitFor();
    assert.equal(await list.getByRole('link').count(), 3);
    assert.match(page.url(), /#\/leases\/list\/pki\/issue\/web\/$/);

    await openRoute(page, '#/leases', 'Leases');
    await page.getByLabel('Prefix', { exact: true }).fill('pki/issue');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByTestId('lease-list').getByRole('link', { name: 'web/', exact: true }).waitFor();
    assert.match(page.url(), /#\/leases\/list\/pki\/issue\/$/);
    await openRoute(page, '#/leases/list/pki/issue/web', 'Leases');
    await page.getByTestId('lease-list').getByRole('link', { name: certs[0]!.split('/').pop()!, exact: true }).waitFor();
    await assertAccessible(page, 'the leases page');
    await screenshot(page, 'leases');
    assertNoPageErrors(page);
  });

  it('shows a lease\'s details and renews it with an increment: the new expiry is the API\'s', async () => {
    const creds = await must<{ lease_id: string }>('GET', 'database/creds/readonly');
    const before = (await leaseLookup(creds.lease_id)).body.data;
    assert.equal(before.renewable, true);
    const page = await signedIn('#/leases/list/database/creds/readonly', 'Leases');
    await page.getByRole('link', { name: creds.lease_id.split('/').pop()!, exact: true }).click();
    await page.getByRole('heading', { name: 'Lease', level: 1 }).waitFor();
    const details = page.getByTestId('lease-details');
    await details.waitFor();
    assert.match(await details.innerText(), /TTL\s+(59m\d*s?|1h)\s+Last renewed\s+—\s+Renewable\s+yes/);
    await page.getByLabel('Increment').fill('3h');
    await page.getByRole('button', { name: 'Renew', exact: true }).click();
    await page.getByRole('status').getByText('Renewed: the lease now lasts 3h').waitFor();
    const after = (await leaseLookup(creds.lease_id)).body.data;
    const gained = Date.parse(after.expire_time) - Date.parse(before.expire_time);
    assert.ok(gained > 1.9 * 3600_000 && gained < 2.1 * 3600_000, `expiry moved by ${gained} ms`);
    await page.getByTestId('lease-expire').getByText(new Date(after.expire_time).toLocaleString('en-US')).waitFor();
    await assertAccessible(page, 'the lease detail page');
    await screenshot(page, 'lease-detail');
    assertNoPageErrors(page);
  });

  it('revokes one lease after asking (cancel changes nothing)', async () => {
    const [first] = certs;
    const page = await signedIn(`#/leases/show/${first!}`, 'Lease');
    await page.getByTestId('lease-details').getByText('no', { exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Renew', exact: true }).isDisabled(), true, 'a PKI lease is not renewable');
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(first!).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await leaseLookup(first!)).status, 200);
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await dialog.getByRole('button', { name: 'Revoke lease' }).click();
    await page.getByRole('heading', { name: 'Leases', level: 1 }).waitFor();
    const gone = await leaseLookup(first!);
    assert.equal(gone.status, 400, gone.text);
    assert.deepEqual(gone.body.errors, ['invalid lease']);
  });

  it('revokes the rest by prefix, after a confirmation that names the prefix', async () => {
    const rest = certs.slice(1);
    for (const id of rest) assert.equal((await leaseLookup(id)).status, 200);
    const page = await signedIn('#/leases/list/pki/issue/web', 'Leases');
    await page.getByTestId('lease-list').waitFor();
    await page.getByRole('button', { name: 'Revoke prefix', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Revoke every lease under pki/issue/web/?').waitFor();
    await dialog.getByRole('button', { name: 'Revoke all under pki/issue/web/' }).click();
    await dialog.waitFor({ state: 'hidden' });
    for (const id of rest) assert.equal((await leaseLookup(id)).status, 400, id);
    assert.equal((await ui.api('LIST', 'sys/leases/lookup/pki/issue/web/')).status, 404);
  });
});

describe('leases: force revocation', () => {
  it('force-revokes a prefix after a warning that names it', async () => {
    const creds = await must<{ lease_id: string }>('GET', 'database/creds/readonly');
    const page = await signedIn('#/leases/list/database/creds/readonly', 'Leases');
    await page.getByTestId('lease-list').getByRole('link', { name: creds.lease_id.split('/').pop()!, exact: true }).waitFor();
    await page.getByRole('button', { name: 'Force revoke prefix', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Force revoke prefix' });
    await dialog.getByText(/^Force-revoke every lease under database\/creds\/readonly\/\?/).waitFor();
    await dialog.getByRole('button', { name: 'Force revoke all under database/creds/readonly/' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await leaseLookup(creds.lease_id)).status, 400);
    assert.equal((await ui.api('LIST', 'sys/leases/lookup/database/creds/readonly/')).status, 404);
  });
});

interface AuditDevices {
  data: Record<string, { type: string; options: Record<string, string> }>;
}

describe('audit devices', () => {
  it('enables a file device into a temp dir, lists it, records a request in the file, and disables it after asking', async () => {
    const file = join(dir, 'audit.log');
    const page = await signedIn('#/audit', 'Audit devices');
    await page.getByLabel('Type', { exact: true }).selectOption('file');
    await page.getByLabel('Path', { exact: true }).fill('ui-file');
    await page.getByLabel('Description').fill('from the UI');
    await page.getByLabel('File path').fill(file);
    await page.getByRole('button', { name: 'Enable device' }).click();
    const row = page.getByTestId('audit-devices').getByRole('row').filter({ hasText: 'ui-file/' });
    await row.waitFor();
    assert.match(await row.innerText(), /file\s+from the UI/);
    const listed = (await must<AuditDevices>('GET', 'sys/audit')).data['ui-file/'];
    assert.equal(listed?.type, 'file');
    assert.equal(listed?.options.file_path, file);
    assert.equal(listed?.options.log_raw, 'false');
    await assertAccessible(page, 'the audit devices page');
    await screenshot(page, 'audit');

    await must('GET', 'sys/mounts');
    const lines = await poll('the request in the audit file', async () => {
      const text = await readFile(file, 'utf8').catch(() => '');
      const entries = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; request?: { path?: string } });
      return entries.some((e) => e.type === 'response' && e.request?.path === 'sys/mounts') && entries;
    });
    assert.ok(lines.length >= 2);

    await row.getByRole('button', { name: 'Disable ui-file/' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disable ui-file/' });
    await dialog.getByText('Disable the audit device at ui-file/?').waitFor();
    await dialog.getByRole('button', { name: 'Disable', exact: true }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await must<AuditDevices>('GET', 'sys/audit')).data['ui-file/'], undefined);
    assertNoPageErrors(page);
  });

  it('shows the server\'s error for a device it cannot open', async () => {
    const page = await signedIn('#/audit', 'Audit devices');
    await page.getByLabel('Type', { exact: true }).selectOption('syslog');
    await page.getByLabel('Facility').fill('NOPE');
    await page.getByRole('button', { name: 'Enable device' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText(/invalid facility "NOPE"/).waitFor();
    assert.equal((await must<AuditDevices>('GET', 'sys/audit')).data['syslog/'], undefined);
  });
});

interface Quota {
  data: { path: string; rate: number; interval: number; block_interval: number; inheritable: boolean };
}

describe('quotas', () => {
  it('creates, edits and deletes a rate-limit quota, each checked through the API', async () => {
    const page = await signedIn('#/quotas', 'Quotas');
    await page.getByLabel('Name', { exact: true }).fill('ui-rl');
    await page.getByLabel('Quota path').fill('secret/');
    await page.getByLabel('Rate', { exact: true }).fill('0');
    await page.getByRole('button', { name: 'Create quota' }).click();
    await page.getByRole('alert').getByText("'rate' is invalid").waitFor();
    assert.equal((await ui.api('GET', 'sys/quotas/rate-limit/ui-rl')).status, 404);

    await page.getByLabel('Rate', { exact: true }).fill('50');
    await page.getByLabel('Interval', { exact: true }).fill('1m');
    await page.getByRole('button', { name: 'Create quota' }).click();
    const row = page.getByTestId('quota-list').getByRole('row').filter({ hasText: 'ui-rl' });
    await row.waitFor();
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), '', 'the form starts afresh after a save');
    let quota = (await must<Quota>('GET', 'sys/quotas/rate-limit/ui-rl')).data;
    assert.deepEqual([quota.path, quota.rate, quota.interval, quota.block_interval], ['secret/', 50, 60, 0]);
    assert.equal(quota.inheritable, false, "left to the server's default: a quota on a mount is not inheritable");
    await assertAccessible(page, 'the quotas page');
    await screenshot(page, 'quotas');

    await row.getByRole('button', { name: 'Edit ui-rl' }).click();
    await page.getByRole('heading', { name: 'Edit ui-rl' }).waitFor();
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'ui-rl');
    await page.getByLabel('Rate', { exact: true }).fill('7.5');
    await page.getByLabel('Block interval').fill('30s');
    await page.getByRole('button', { name: 'Save quota' }).click();
    await row.getByText('7.5').waitFor();
    quota = (await must<Quota>('GET', 'sys/quotas/rate-limit/ui-rl')).data;
    assert.deepEqual([quota.path, quota.rate, quota.interval, quota.block_interval], ['secret/', 7.5, 60, 30]);

    // By keyboard: Escape cancels the confirmation and nothing is deleted.
    await row.getByRole('button', { name: 'Delete ui-rl' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Delete ui-rl' });
    await dialog.getByText('Delete the rate-limit quota ui-rl?').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await ui.api('GET', 'sys/quotas/rate-limit/ui-rl')).status, 200);
    await row.getByRole('button', { name: 'Delete ui-rl' }).click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await ui.api('GET', 'sys/quotas/rate-limit/ui-rl')).status, 404);
    assertNoPageErrors(page);
  });

  it('saves the quota configuration (sys/quotas/config)', async () => {
    const page = await signedIn('#/quotas', 'Quotas');
    await page.getByLabel('Send X-Ratelimit-* response headers').check();
    await page.getByLabel('Exempt paths (one a line; a trailing * for a prefix)').fill('sys/health\nsecret/data/public*');
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByRole('status').getByText('Configuration saved.').waitFor();
    const config = (await must<{ data: { enable_rate_limit_response_headers: boolean; rate_limit_exempt_paths: string[] } }>('GET', 'sys/quotas/config')).data;
    assert.equal(config.enable_rate_limit_response_headers, true);
    assert.deepEqual(config.rate_limit_exempt_paths, ['sys/health', 'secret/data/public*']);
  });
});
