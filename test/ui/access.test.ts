import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertAccessible, assertNoPageErrors, openRoute, screenshot, signInWithToken, startUi, type Page, type UiHarness } from './browser.js';

// The Access pages of the web UI (policies, auth methods and their roles and users, tokens,
// identity), in a real Chromium against a real server. Every change made in the UI is checked
// through the API, and every change made through the API is looked for in the UI.

let ui: UiHarness;

before(async () => {
  ui = await startUi();
  await ui.api('POST', 'sys/policies/acl/reader', { body: { policy: 'path "secret/*" { capabilities = ["read", "list"] }' } });
});
after(() => ui?.close());

/** Everything each page wrote to its console, to prove no token or secret ID goes there. */
const consoleText = new WeakMap<Page, string[]>();

async function signedIn(): Promise<Page> {
  const page = await ui.newPage();
  const lines: string[] = [];
  consoleText.set(page, lines);
  page.on('console', (message) => lines.push(message.text()));
  await signInWithToken(page, ui.rootToken);
  return page;
}

/** Clicks the dialog's confirm button of a ConfirmButton and waits for the dialog to close. */
async function confirm(page: Page, label: string) {
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: label, exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}

/** Reveals a masked value (SecretValue) and answers its text. */
async function reveal(page: Page, testId: string, label: string): Promise<string> {
  const holder = page.getByTestId(testId);
  await holder.getByRole('button', { name: `Reveal ${label}` }).click();
  return (await holder.locator('code[data-masked="false"]').innerText()).trim();
}

/** A secret's value must never be in the URL, the document's title or the console. */
async function assertNotInUrlOrTitle(page: Page, value: string) {
  assert.ok(!page.url().includes(value), 'the value is in the URL');
  assert.ok(!(await page.title()).includes(value), 'the value is in the title');
  assert.ok(!(consoleText.get(page) ?? []).some((line) => line.includes(value)), 'the value is in the console');
}

const GOOD_POLICY = 'path "secret/data/app/*" {\n  capabilities = ["read", "list"]\n}\n';
// Line 6 lacks the comma between two items.
const BAD_POLICY = 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n\npath "secret/data/other/*" {\n  capabilities = ["read" "list"]\n}\n';
const BAD_LINE = 6;

describe('policies', () => {
  it('a policy created in the UI is stored as written', async () => {
    const page = await signedIn();
    await openRoute(page, '#/access/policies', 'ACL policies');
    await page.getByRole('link', { name: 'reader', exact: true }).waitFor();
    await page.getByRole('button', { name: 'New policy' }).click();
    await page.getByLabel('Policy name').fill('app-read');
    await page.getByLabel('Policy (HCL or JSON)').fill(GOOD_POLICY);
    await assertAccessible(page, 'the policies page with the new policy form');
    await screenshot(page, 'policies');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('heading', { name: 'Policy app-read', level: 1 }).waitFor();
    const stored = await ui.api<{ data: { policy: string } }>('GET', 'sys/policies/acl/app-read');
    assert.equal(stored.status, 200, stored.text);
    assert.equal(stored.body.data.policy, GOOD_POLICY);
    assert.equal(await page.getByLabel('Policy (HCL or JSON)').inputValue(), GOOD_POLICY);
    await assertAccessible(page, 'the policy page');
    await screenshot(page, 'policy-edit');
    assertNoPageErrors(page);
  });

  it('a syntax error shows the server\'s message, points at its line, and stores nothing', async () => {
    await ui.api('POST', 'sys/policies/acl/app-edit', { body: { policy: GOOD_POLICY } });
    // What the server says of this text, asked directly: the UI must show exactly this.
    const refused = await ui.api<{ errors: string[] }>('POST', 'sys/policies/acl/probe', { body: { policy: BAD_POLICY } });
    assert.equal(refused.status, 400);
    const message = refused.body.errors[0]!;
    assert.match(message, new RegExp(`^failed to parse policy: line ${BAD_LINE}, column \\d+: `));

    const page = await signedIn();
    await openRoute(page, '#/access/policies/app-edit', 'Policy app-edit');
    const editor = page.getByLabel('Policy (HCL or JSON)');
    assert.equal(await editor.inputValue(), GOOD_POLICY);
    await editor.fill(BAD_POLICY);
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('alert').getByText(message, { exact: true }).waitFor();
    assert.match(await page.getByTestId('error-line').innerText(), new RegExp(`line ${BAD_LINE}\\b`));
    const marked = page.locator('.hcl-gutter li.hcl-error-line');
    assert.equal(await marked.count(), 1);
    assert.equal(await marked.getAttribute('data-line'), String(BAD_LINE));
    assert.equal(await editor.getAttribute('aria-invalid'), 'true');
    // From the keyboard: Tab leaves the editor (it does not trap focus) for "Go to line", whose
    // Enter puts the cursor on the offending line.
    await editor.focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), `Go to line ${BAD_LINE}`);
    await page.keyboard.press('Enter');
    const selected = await editor.evaluate((el: HTMLTextAreaElement) => el.value.slice(el.selectionStart, el.selectionEnd));
    assert.equal(selected, BAD_POLICY.split('\n')[BAD_LINE - 1]);
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'TEXTAREA');
    await assertAccessible(page, 'the policy page with a parse error');
    await screenshot(page, 'policy-error');

    const stored = await ui.api<{ data: { policy: string } }>('GET', 'sys/policies/acl/app-edit');
    assert.equal(stored.body.data.policy, GOOD_POLICY);
    assert.equal((await ui.api('GET', 'sys/policies/acl/probe')).status, 404);
    assertNoPageErrors(page);
  });

  it('a policy deleted after confirming is gone', async () => {
    await ui.api('POST', 'sys/policies/acl/doomed', { body: { policy: GOOD_POLICY } });
    const page = await signedIn();
    await openRoute(page, '#/access/policies/doomed', 'Policy doomed');
    await page.getByRole('button', { name: 'Delete policy' }).click();
    // Cancel first: nothing happens.
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await ui.api('GET', 'sys/policies/acl/doomed')).status, 200);
    await page.getByRole('button', { name: 'Delete policy' }).click();
    await confirm(page, 'Delete');
    await page.getByRole('heading', { name: 'ACL policies', level: 1 }).waitFor();
    assert.equal((await ui.api('GET', 'sys/policies/acl/doomed')).status, 404);
    await page.getByRole('link', { name: 'app-read', exact: true }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'doomed', exact: true }).count(), 0);
  });

  it('deleting the default policy shows the server\'s refusal and keeps it', async () => {
    const page = await signedIn();
    await openRoute(page, '#/access/policies/default', 'Policy default');
    await page.getByRole('button', { name: 'Delete policy' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('dialog').getByRole('alert').getByText('cannot delete default policy').waitFor();
    assert.equal((await ui.api('GET', 'sys/policies/acl/default')).status, 200);
  });
});

describe('auth methods', () => {
  it('AppRole at a path with "/": enable, create a role, generate a secret ID, log in with it', async () => {
    const page = await signedIn();
    await openRoute(page, '#/access/auth', 'Auth methods');
    await page.getByRole('link', { name: 'token/' }).waitFor();
    await page.getByRole('button', { name: 'Enable auth method' }).click();
    await page.getByLabel('Type').selectOption('approle');
    await page.getByLabel('Path').fill('team/approle');
    await page.getByLabel('Description').fill('machines of the team');
    await assertAccessible(page, 'the auth methods page');
    await screenshot(page, 'auth-methods');
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await page.getByRole('heading', { name: 'Auth method team/approle/', level: 1 }).waitFor();
    const mounts = await ui.api<{ data: Record<string, { type: string; description: string }> }>('GET', 'sys/auth');
    assert.equal(mounts.body.data['team/approle/']?.type, 'approle');
    assert.equal(mounts.body.data['team/approle/']?.description, 'machines of the team');

    await page.getByLabel('Role name').fill('web');
    await page.getByLabel('Token policies').fill('reader');
    await page.getByLabel('Token TTL').fill('20m');
    await assertAccessible(page, 'an AppRole mount page');
    await screenshot(page, 'auth-method');
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.getByRole('heading', { name: 'AppRole role web', level: 1 }).waitFor();
    const role = await ui.api<{ data: { token_policies: string[]; token_ttl: number } }>('GET', 'auth/team/approle/role/web');
    assert.deepEqual(role.body.data.token_policies, ['reader']);
    assert.equal(role.body.data.token_ttl, 1200);

    const roleId = (await page.getByTestId('role-id').innerText()).trim();
    assert.equal(roleId, (await ui.api<{ data: { role_id: string } }>('GET', 'auth/team/approle/role/web/role-id')).body.data.role_id);
    await page.getByRole('button', { name: 'Generate secret ID' }).click();
    const holder = page.getByTestId('secret-id');
    await holder.waitFor();
    assert.equal(await holder.locator('code').innerText(), '••••••••');
    const secretId = await reveal(page, 'secret-id', 'secret ID');
    await assertNotInUrlOrTitle(page, secretId);
    await assertAccessible(page, 'an AppRole role page');
    await screenshot(page, 'approle-role');

    const login = await ui.api<{ auth: { policies: string[]; lease_duration: number } }>('POST', 'auth/team/approle/login', { token: '', body: { role_id: roleId, secret_id: secretId } });
    assert.equal(login.status, 200, login.text);
    assert.deepEqual(login.body.auth.policies, ['default', 'reader']);
    assert.equal(login.body.auth.lease_duration, 1200);

    await page.getByRole('link', { name: 'Back to auth/team/approle/' }).click();
    await page.getByTestId('role-list').getByRole('link', { name: 'web' }).click();
    await page.getByRole('heading', { name: 'AppRole role web', level: 1 }).waitFor();
    // The secret ID was shown once: back on the page, it is gone.
    assert.equal(await page.getByTestId('secret-id').count(), 0);
    await page.getByRole('button', { name: 'Delete role' }).click();
    await confirm(page, 'Delete');
    await page.getByRole('heading', { name: 'Auth method team/approle/', level: 1 }).waitFor();
    assert.equal((await ui.api('GET', 'auth/team/approle/role/web')).status, 404);
    assertNoPageErrors(page);
  });

  it('userpass: a user created in the UI can log in; a password reset takes effect', async () => {
    await ui.api('POST', 'sys/auth/people', { body: { type: 'userpass' } });
    const page = await signedIn();
    await openRoute(page, '#/access/auth/people', 'Auth method people/');
    await page.getByLabel('Username').fill('carol');
    await page.getByLabel('Password', { exact: true }).fill('first password');
    await page.getByLabel('Token policies').fill('reader');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByTestId('user-list').getByRole('link', { name: 'carol' }).waitFor();
    const login = await ui.api<{ auth: { policies: string[] } }>('POST', 'auth/people/login/carol', { token: '', body: { password: 'first password' } });
    assert.equal(login.status, 200, login.text);
    assert.deepEqual(login.body.auth.policies, ['default', 'reader']);

    await page.getByTestId('user-list').getByRole('link', { name: 'carol' }).click();
    await page.getByRole('heading', { name: 'User carol', level: 1 }).waitFor();
    await page.getByLabel('New password').fill('second password');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('status').getByText('Password changed.').waitFor();
    assert.equal((await ui.api('POST', 'auth/people/login/carol', { token: '', body: { password: 'first password' } })).status, 400);
    assert.equal((await ui.api('POST', 'auth/people/login/carol', { token: '', body: { password: 'second password' } })).status, 200);
    await assertAccessible(page, 'a userpass user page');

    await page.getByRole('button', { name: 'Delete user' }).click();
    await confirm(page, 'Delete');
    await page.getByRole('heading', { name: 'Auth method people/', level: 1 }).waitFor();
    assert.equal((await ui.api('GET', 'auth/people/users/carol')).status, 404);
    await page.getByText('No users yet.').waitFor();
  });

  it('JWT and Kubernetes: config and roles written as JSON, read back, deleted', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await ui.api('POST', 'sys/auth/ci/jwt', { body: { type: 'jwt' } });
    const page = await signedIn();
    await openRoute(page, `#/access/auth/${encodeURIComponent('ci/jwt')}`, 'Auth method ci/jwt/');
    await page.getByText('Not configured yet.').waitFor();
    const config = { jwt_validation_pubkeys: [publicKey.export({ type: 'spki', format: 'pem' }).toString()], bound_issuer: 'https://ci.example.com', jwt_supported_algs: ['ES256'] };
    await page.getByLabel('Configuration (JSON)').fill(JSON.stringify(config));
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByTestId('method-config').getByText('https://ci.example.com').waitFor();
    const stored = await ui.api<{ data: { bound_issuer: string } }>('GET', 'auth/ci/jwt/config');
    assert.equal(stored.body.data.bound_issuer, 'https://ci.example.com');

    await page.getByLabel('Role name').fill('deploy');
    await page.getByLabel('Role (JSON)').fill(JSON.stringify({ role_type: 'jwt', bound_audiences: ['coffer'], user_claim: 'sub', token_policies: ['reader'] }));
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.getByRole('heading', { name: 'JWT/OIDC role deploy', level: 1 }).waitFor();
    const role = await ui.api<{ data: { bound_audiences: string[]; token_policies: string[] } }>('GET', 'auth/ci/jwt/role/deploy');
    assert.deepEqual(role.body.data.bound_audiences, ['coffer']);
    assert.deepEqual(role.body.data.token_policies, ['reader']);
    assert.match(await page.getByTestId('role-settings').innerText(), /bound_audiences\s+coffer/);
    // A bad field is refused with the server's words.
    await page.getByLabel('Role (JSON)').fill(JSON.stringify({ role_type: 'jwt', bound_claims_type: 'regex' }));
    await page.getByRole('button', { name: 'Save role' }).click();
    await page.getByRole('alert').getByText(/bound_claims_type/).waitFor();
    await page.getByRole('button', { name: 'Delete role' }).click();
    await confirm(page, 'Delete');
    await page.getByRole('heading', { name: 'Auth method ci/jwt/', level: 1 }).waitFor();
    assert.equal((await ui.api('GET', 'auth/ci/jwt/role/deploy')).status, 404);

    await ui.api('POST', 'sys/auth/kubernetes', { body: { type: 'kubernetes' } });
    await openRoute(page, '#/access/auth/kubernetes', 'Auth method kubernetes/');
    await page.getByText('Not configured yet.').waitFor();
    // Outside a pod there is no local CA to fall back to: the server says so, and the UI shows it.
    await page.getByLabel('Configuration (JSON)').fill(JSON.stringify({ kubernetes_host: 'https://127.0.0.1:6443' }));
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByRole('alert').getByText('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt: no such file or directory').waitFor();
    await page.getByLabel('Configuration (JSON)').fill(JSON.stringify({ kubernetes_host: 'https://127.0.0.1:6443', disable_local_ca_jwt: true }));
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByTestId('method-config').getByText('https://127.0.0.1:6443').waitFor();
    await page.getByLabel('Role name').fill('app');
    await page.getByLabel('Role (JSON)').fill(JSON.stringify({ bound_service_account_names: ['app'], bound_service_account_namespaces: ['prod'], token_policies: ['reader'] }));
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.getByRole('heading', { name: 'Kubernetes role app', level: 1 }).waitFor();
    const k8s = await ui.api<{ data: { bound_service_account_namespaces: string[] } }>('GET', 'auth/kubernetes/role/app');
    assert.deepEqual(k8s.body.data.bound_service_account_namespaces, ['prod']);
    await assertAccessible(page, 'a Kubernetes role page');
    await page.getByRole('link', { name: 'Back to auth/kubernetes/' }).click();
    await page.getByTestId('role-list').getByRole('link', { name: 'app' }).waitFor();
    await assertAccessible(page, 'a Kubernetes mount page');
    assertNoPageErrors(page);
  });

  it('tune and disable, each seen in sys/auth', async () => {
    await ui.api('POST', 'sys/auth/tune-me', { body: { type: 'approle' } });
    const page = await signedIn();
    await openRoute(page, '#/access/auth/tune-me', 'Auth method tune-me/');
    await page.getByLabel('Default lease TTL').fill('1h');
    await page.getByLabel('Max lease TTL').fill('2h');
    await page.getByLabel('Description').fill('tuned in the UI');
    await page.getByRole('button', { name: 'Save tuning' }).click();
    await page.getByRole('status').getByText('Tuned.').waitFor();
    const tuned = await ui.api<{ data: Record<string, { description: string; config: { default_lease_ttl: number; max_lease_ttl: number } }> }>('GET', 'sys/auth');
    assert.deepEqual(tuned.body.data['tune-me/']?.config, { default_lease_ttl: 3600, max_lease_ttl: 7200, force_no_cache: false });
    assert.equal(tuned.body.data['tune-me/']?.description, 'tuned in the UI');
    await page.getByTestId('mount-config').getByText('1h (3600s)').waitFor();

    // A refused tuning shows the server's words.
    await page.getByLabel('Default lease TTL').fill('3h');
    await page.getByRole('button', { name: 'Save tuning' }).click();
    await page.getByRole('alert').getByText('default_lease_ttl cannot be greater than max_lease_ttl').waitFor();

    await page.getByRole('button', { name: 'Disable auth method' }).click();
    await confirm(page, 'Disable');
    await page.getByRole('heading', { name: 'Auth methods', level: 1 }).waitFor();
    const after = await ui.api<{ data: Record<string, unknown> }>('GET', 'sys/auth');
    assert.equal(after.body.data['tune-me/'], undefined);
    assertNoPageErrors(page);
  });
});

describe('tokens', () => {
  it('a token looked up by accessor shows what it is, and revoking it makes it unusable', async () => {
    const made = await ui.api<{ auth: { client_token: string; accessor: string } }>('POST', 'auth/token/create', { body: { policies: ['reader'], ttl: '1h', meta: { team: 'web' }, display_name: 'handed-out' } });
    const { client_token: token, accessor } = made.body.auth;
    const page = await signedIn();
    await openRoute(page, '#/access/tokens', 'Tokens');
    await page.getByTestId('token-self').waitFor();
    assert.match(await page.getByTestId('token-self').innerText(), /Policies\s+root\n[\s\S]*Creation path\s+auth\/token\/root/);
    assert.ok(!(await page.content()).includes(ui.rootToken), 'the page shows the signed-in token');
    await page.getByRole('textbox', { name: 'Accessor' }).fill(accessor);
    await page.getByRole('button', { name: 'Look up' }).click();
    const found = page.getByTestId('token-found');
    await found.waitFor();
    const text = await found.innerText();
    assert.match(text, /Policies\s+default, reader/);
    assert.match(text, /Creation path\s+auth\/token\/create/);
    assert.match(text, /Display name\s+token-handed-out/);
    assert.match(text, /Metadata\s+team=web/);
    assert.match(text, /TTL left\s+(59m|1h)/);
    assert.ok(!text.includes(token), 'the lookup shows the token itself');
    await assertAccessible(page, 'the tokens page');
    await screenshot(page, 'tokens');

    await page.getByRole('button', { name: 'Revoke token' }).click();
    await confirm(page, 'Revoke');
    await page.getByRole('status').getByText('are revoked').waitFor();
    assert.equal((await ui.api('GET', 'auth/token/lookup-self', { token })).status, 403);
    assert.notEqual((await ui.api('POST', 'auth/token/lookup-accessor', { body: { accessor } })).status, 200);
    assertNoPageErrors(page);
  });

  it('a token created in the UI is shown masked once and works', async () => {
    const page = await signedIn();
    await openRoute(page, '#/access/tokens', 'Tokens');
    await page.getByLabel('Policies').fill('reader');
    await page.getByLabel('TTL', { exact: true }).fill('30m');
    await page.getByLabel('Display name').fill('ci');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByTestId('new-token').waitFor();
    assert.equal(await page.getByTestId('new-token').locator('code').innerText(), '••••••••');
    const token = await reveal(page, 'new-token', 'new token');
    await assertNotInUrlOrTitle(page, token);
    const self = await ui.api<{ data: { policies: string[]; display_name: string; ttl: number; accessor: string } }>('GET', 'auth/token/lookup-self', { token });
    assert.equal(self.status, 200, self.text);
    assert.deepEqual(self.body.data.policies, ['default', 'reader']);
    assert.equal(self.body.data.display_name, 'token-ci');
    assert.ok(self.body.data.ttl > 1700 && self.body.data.ttl <= 1800, String(self.body.data.ttl));
    assert.equal((await page.getByTestId('new-token-accessor').innerText()).trim(), self.body.data.accessor);
  });
});

describe('identity', () => {
  it('entity and group pages show what the API made; an entity created in the UI exists', async () => {
    await ui.api('POST', 'sys/auth/userpass', { body: { type: 'userpass' } });
    const accessor = (await ui.api<{ data: Record<string, { accessor: string }> }>('GET', 'sys/auth')).body.data['userpass/']!.accessor;
    const entity = await ui.api<{ data: { id: string } }>('POST', 'identity/entity', { body: { name: 'dana', policies: ['reader'], metadata: { team: 'payments' } } });
    const entityId = entity.body.data.id;
    await ui.api('POST', 'identity/entity-alias', { body: { name: 'dana-login', canonical_id: entityId, mount_accessor: accessor } });
    const group = await ui.api<{ data: { id: string } }>('POST', 'identity/group', { body: { name: 'payments-team', policies: ['app-read'], member_entity_ids: [entityId] } });
    const groupId = group.body.data.id;

    const page = await signedIn();
    await openRoute(page, '#/access/identity', 'Identity entities');
    await assertAccessible(page, 'the entities list');
    await screenshot(page, 'identity-entities');
    await page.getByRole('link', { name: 'dana', exact: true }).click();
    await page.getByRole('heading', { name: 'Entity dana', level: 1 }).waitFor();
    const shown = await page.getByTestId('entity').innerText();
    assert.match(shown, /Policies\s+reader/);
    assert.match(shown, /Metadata\s+team=payments/);
    assert.match(shown, new RegExp(`Groups\\s+${groupId}`));
    assert.match(await page.getByTestId('aliases').innerText(), /dana-login\s+auth\/userpass\/ \(userpass\)/);
    await assertAccessible(page, 'an entity page');
    await screenshot(page, 'identity-entity');

    await page.getByRole('link', { name: groupId }).click();
    await page.getByRole('heading', { name: 'Group payments-team', level: 1 }).waitFor();
    const groupText = await page.getByTestId('group').innerText();
    assert.match(groupText, /Policies\s+app-read/);
    assert.match(groupText, new RegExp(`Member entities\\s+${entityId}`));

    await page.getByRole('link', { name: 'Groups', exact: true }).click();
    await page.getByRole('heading', { name: 'Identity groups', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'payments-team' }).waitFor();
    await assertAccessible(page, 'the groups list');
    await screenshot(page, 'identity-groups');

    await page.getByLabel('Group name').fill('on-call');
    await page.getByLabel('Member entity IDs').fill(entityId);
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('heading', { name: 'Group on-call', level: 1 }).waitFor();
    const made = await ui.api<{ data: { member_entity_ids: string[] } }>('GET', 'identity/group/name/on-call');
    assert.deepEqual(made.body.data.member_entity_ids, [entityId]);

    await openRoute(page, '#/access/identity/entities', 'Identity entities');
    await page.getByLabel('Entity name').fill('erin');
    await page.getByLabel('Policies').fill('reader');
    await page.getByRole('button', { name: 'Create entity' }).click();
    await page.getByRole('heading', { name: 'Entity erin', level: 1 }).waitFor();
    const erin = await ui.api<{ data: { policies: string[] } }>('GET', 'identity/entity/name/erin');
    assert.deepEqual(erin.body.data.policies, ['reader']);
    assertNoPageErrors(page);
  });
});
