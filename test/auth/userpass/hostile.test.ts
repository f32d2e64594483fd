import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../../harness/http.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { rawRequest } from '../../http/raw-request.js';
import { authenticatorFor, enableTotp, enableUserpass, loginOk, uniquePassword, writeUser } from './fixture.js';

// Hostile input on every userpass route: each gets a 4xx with an error message (never a 5xx or a
// dropped connection), the server keeps answering, and the mount's users stay exactly as they were.

const LONG = 'a'.repeat(10_000);

/** Bodies no route should accept, sent byte for byte. */
const BODIES: [string, string][] = [
  ['malformed JSON', '{"password": '],
  ['a JSON array', '["password"]'],
  ['a JSON string', '"password"'],
  ['wrong types', JSON.stringify({ password: { a: 1 }, token_policies: { a: 1 }, token_ttl: [1], token_num_uses: 'many', token_no_default_policy: 'maybe', totp: ['1'], digits: 'six', period: -5 })],
];

const ROUTES: { sent: string; method: string; path: string; as: 'root' | 'none' }[] = [
  { sent: 'user write', method: 'POST', path: 'auth/userpass/users/fixture', as: 'root' },
  { sent: 'new user write', method: 'POST', path: 'auth/userpass/users/newcomer', as: 'root' },
  { sent: 'password change', method: 'POST', path: 'auth/userpass/users/fixture/password', as: 'root' },
  { sent: 'policies update', method: 'POST', path: 'auth/userpass/users/fixture/policies', as: 'root' },
  { sent: 'MFA enrolment', method: 'POST', path: 'auth/userpass/users/fixture/mfa/totp', as: 'root' },
  { sent: 'login', method: 'POST', path: 'auth/userpass/login/fixture', as: 'none' },
];

describe('userpass routes under hostile input', () => {
  let server: TestServer;
  let root: string;
  const password = uniquePassword();
  let totpUrl = '';
  let initial: { users: unknown; fixture: unknown; mfa: unknown };

  const state = async () => ({
    users: (await api(server.address, 'LIST', 'auth/userpass/users', { token: root })).body.data,
    fixture: (await api(server.address, 'GET', 'auth/userpass/users/fixture', { token: root })).body.data,
    mfa: (await api(server.address, 'GET', 'auth/userpass/users/fixture/mfa/totp', { token: root })).body.data,
  });

  before(async () => {
    server = await startServer();
    root = server.rootToken;
    await enableUserpass(server.address, root);
    await writeUser(server.address, root, 'fixture', { password, token_policies: ['ops'], token_ttl: '1h' });
    totpUrl = (await enableTotp(server.address, root, 'fixture')).url;
    initial = await state();
  });
  after(async () => {
    await server?.destroy();
  });

  for (const route of ROUTES) {
    for (const [what, body] of BODIES) {
      it(`${route.sent} with ${what}: 4xx with a message, nothing changed`, async () => {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (route.as === 'root') headers['X-Vault-Token'] = root;
        const res = await rawRequest(server.address, { method: route.method, path: route.path, headers, body });
        assert.ok(res.status >= 400 && res.status < 500, `expected 4xx, got ${res.status} ${res.text}`);
        const errors = (res.json as { errors?: string[] } | undefined)?.errors;
        assert.ok(Array.isArray(errors) && errors.length > 0 && errors.every((e) => e.length > 0), res.text);
        assert.deepEqual(await state(), initial);
      });
    }
  }

  it('answers a login for a 10,000-character user name like any unknown user (400)', async () => {
    const res = await api(server.address, 'POST', `auth/userpass/login/${LONG}`, { body: { password: 'x' } });
    assert.equal(res.status, 400, res.text.slice(0, 200));
    assert.deepEqual((res.body as { errors?: string[] }).errors, ['invalid username or password']);
    assert.deepEqual(await state(), initial);
  });

  it('still logs the fixture user in afterwards', async () => {
    const app = authenticatorFor({ url: totpUrl, key: '' });
    await loginOk(server.address, 'fixture', { password, totp: app.generate() });
  });
});
