import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TOTP } from 'otpauth';
import { assertErrorAnswer } from '../../harness/errors.js';
import { api } from '../../harness/http.js';
import { poll } from '../../harness/poll.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { assertNoContent } from '../../sys/fixture.js';
import { authenticatorFor, enableTotp, login, loginOk, uniquePassword, uniqueUser, writeUser, wrongCode, type Envelope, type TotpEnabled } from './fixture.js';

// Coffer's per-user TOTP second factor for userpass (users/:username/mfa/totp, then "totp" at
// login). Codes are computed here the way an authenticator app would, from the URL the server
// answered. Every test has its own user, since a user's accepted time steps are remembered.

/** Waits until at least `marginMs` remain in the current time step, so a test's codes cannot straddle a step change. */
async function awayFromStepEdge(totp: TOTP, marginMs = 3000): Promise<void> {
  // The clock itself must move on: nothing on the server to poll.
  await poll('time step did not advance', () => totp.remaining() >= marginMs, { timeoutMs: totp.period * 1000 + 1000, intervalMs: 100 });
}

describe('userpass TOTP MFA over HTTP', () => {
  let server: TestServer;
  let root: string;
  const call = <T = Envelope>(method: string, path: string, body?: unknown, token = root) => api<T>(server.address, method, path, { token, body });

  /** A user with a password and TOTP on; returns what the client needs to log in. */
  async function mfaUser(label: string, settings: Record<string, unknown> = {}) {
    const name = uniqueUser(label);
    const password = uniquePassword();
    await writeUser(server.address, root, name, { password, token_policies: ['ops'] });
    const enrolment = await enableTotp(server.address, root, name, settings);
    return { name, password, enrolment, app: authenticatorFor(enrolment) };
  }

  before(async () => {
    server = await startServer();
    root = server.rootToken;
    assertNoContent(await call('POST', 'sys/auth/userpass', { type: 'userpass' }), 'enable userpass');
  });
  after(async () => {
    await server?.destroy();
  });

  describe('turning MFA on', () => {
    it('answers an otpauth:// URL and its base32 key: SHA1, 6 digits, 30 s, issuer Coffer', async () => {
      const { name, enrolment } = await mfaUser('enrol');
      assert.match(enrolment.key, /^[A-Z2-7]{32}$/, 'a 160-bit base32 key');
      const url = new URL(enrolment.url);
      assert.equal(url.protocol, 'otpauth:');
      assert.equal(url.host, 'totp');
      assert.equal(decodeURIComponent(url.pathname), `/Coffer:${name}`);
      assert.equal(url.searchParams.get('secret'), enrolment.key);
      assert.equal(url.searchParams.get('issuer'), 'Coffer');
      assert.equal(url.searchParams.get('algorithm'), 'SHA1');
      assert.equal(url.searchParams.get('digits'), '6');
      assert.equal(url.searchParams.get('period'), '30');
    });

    it('takes issuer, account_name, algorithm, digits and period, and codes made from that URL log in', async () => {
      const settings = { issuer: 'Acme Corp', account_name: 'alice@acme.test', algorithm: 'sha256', digits: 8, period: '1m' };
      const { name, password, enrolment, app } = await mfaUser('custom', settings);
      assert.equal(app.issuer, 'Acme Corp');
      assert.equal(app.label, 'alice@acme.test');
      assert.equal(app.algorithm, 'SHA256');
      assert.equal(app.digits, 8);
      assert.equal(app.period, 60);
      assert.match(enrolment.key, /^[A-Z2-7]+$/);
      const read = await call('GET', `auth/userpass/users/${name}/mfa/totp`);
      assert.deepEqual(read.body.data, { enabled: true, issuer: 'Acme Corp', account_name: 'alice@acme.test', algorithm: 'SHA256', digits: 8, period: 60 });
      await loginOk(server.address, name, { password, totp: app.generate() });
    });

    it('shows whether MFA is on, with its settings, and never the key', async () => {
      const name = uniqueUser('status');
      await writeUser(server.address, root, name, { password: uniquePassword() });
      const off = await call('GET', `auth/userpass/users/${name}/mfa/totp`);
      assert.equal(off.status, 200, off.text);
      assert.deepEqual(off.body.data, { enabled: false });

      const enrolment = await enableTotp(server.address, root, name);
      const on = await call('GET', `auth/userpass/users/${name}/mfa/totp`);
      assert.deepEqual(on.body.data, { enabled: true, issuer: 'Coffer', account_name: name, algorithm: 'SHA1', digits: 6, period: 30 });
      assert.ok(!on.text.includes(enrolment.key), 'the key is in the read answer');
      const user = await call('GET', `auth/userpass/users/${name}`);
      assert.ok(!user.text.includes(enrolment.key), 'the key is in the user read');
    });

    it('answers 404 when asked about MFA of a user that does not exist', async () => {
      const res = await call('GET', `auth/userpass/users/${uniqueUser('ghost')}/mfa/totp`);
      assert.equal(res.status, 404, res.text);
    });

    it('can be answered wrapped, so the key travels only inside a wrapping token', async () => {
      const name = uniqueUser('wrapped');
      const password = uniquePassword();
      await writeUser(server.address, root, name, { password });
      const wrapped = await api<Envelope>(server.address, 'POST', `auth/userpass/users/${name}/mfa/totp`, { token: root, body: {}, headers: { 'X-Vault-Wrap-TTL': '2m' } });
      assert.equal(wrapped.status, 200, wrapped.text);
      assert.equal(wrapped.body.data, null);
      const unwrapped = await api<{ data: TotpEnabled }>(server.address, 'POST', 'sys/wrapping/unwrap', { token: wrapped.body.wrap_info!.token });
      assert.equal(unwrapped.status, 200, unwrapped.text);
      await loginOk(server.address, name, { password, totp: authenticatorFor(unwrapped.body.data).generate() });
    });

    it('refuses bad settings with 400 and leaves MFA as it was', async () => {
      const { name, password, app } = await mfaUser('badsettings');
      const bad: Record<string, unknown>[] = [
        { digits: 7 },
        { algorithm: 'MD5' },
        { period: 0 },
        { period: 'soon' },
        { issuer: 'Acme:Corp' },
        { account_name: 'a:b' },
      ];
      for (const body of bad) assertErrorAnswer(await call('POST', `auth/userpass/users/${name}/mfa/totp`, body), 400);
      // The original key still works: nothing was replaced.
      await loginOk(server.address, name, { password, totp: app.generate() });
    });

    it('refuses a user that does not exist (400) and leaves no MFA behind for a later user of that name', async () => {
      const name = uniqueUser('ghost');
      assertErrorAnswer(await call('POST', `auth/userpass/users/${name}/mfa/totp`, {}), 400, /does not exist/);
      const password = uniquePassword();
      await writeUser(server.address, root, name, { password });
      await loginOk(server.address, name, { password });
    });

    it('gives a new key when turned on again: codes of the old key are refused', async () => {
      const { name, password, app: oldApp } = await mfaUser('rekey');
      const newApp = authenticatorFor(await enableTotp(server.address, root, name));
      assert.notEqual(newApp.secret.base32, oldApp.secret.base32);
      await awayFromStepEdge(newApp);
      const oldCode = oldApp.generate();
      assert.notEqual(oldCode, newApp.generate(), 'the two keys happen to agree this step');
      assertErrorAnswer(await login(server.address, name, { password, totp: oldCode }), 400, /TOTP code/);
      await loginOk(server.address, name, { password, totp: newApp.generate() });
    });
  });

  describe('logging in with MFA on', () => {
    it('refuses a login without a code, saying a TOTP code is required, and issues no token', async () => {
      const { name, password } = await mfaUser('nocode');
      const res = await login(server.address, name, { password });
      assertErrorAnswer(res, 400, /TOTP code required/);
      assert.equal(res.body.auth ?? null, null);
    });

    it('refuses a wrong code (400) and issues no token', async () => {
      const { name, password, app } = await mfaUser('wrongcode');
      for (const totp of [wrongCode(app), '12345', 'abcdef', '1234567']) {
        const res = await login(server.address, name, { password, totp });
        assertErrorAnswer(res, 400, /^invalid username, password or TOTP code$/);
        assert.equal(res.body.auth ?? null, null);
      }
    });

    it('says only "invalid username or password" for a wrong password, even with a right code', async () => {
      const { name, app } = await mfaUser('wrongpw');
      const res = await login(server.address, name, { password: uniquePassword(), totp: app.generate() });
      assert.equal(res.status, 400, res.text);
      assert.deepEqual(res.body.errors, ['invalid username or password']);
    });

    it('accepts the current code computed from the key, and the token has the user\'s policies', async () => {
      const { name, password, enrolment } = await mfaUser('goodcode');
      const totp = TOTP.generate({ secret: authenticatorFor(enrolment).secret });
      const auth = await loginOk(server.address, name, { password, totp });
      assert.deepEqual(auth.token_policies, ['default', 'ops']);
      assert.deepEqual(auth.metadata, { username: name });
    });

    it('accepts a code one step old (clock skew) and refuses one three steps old', async () => {
      const { name, password, app } = await mfaUser('skew');
      await awayFromStepEdge(app);
      const now = Date.now();
      const stale = app.generate({ timestamp: now - 3 * app.period * 1000 });
      const near = new Set([-1, 0, 1].map((d) => app.generate({ timestamp: now + d * app.period * 1000 })));
      if (!near.has(stale)) assertErrorAnswer(await login(server.address, name, { password, totp: stale }), 400, /TOTP code/);
      await loginOk(server.address, name, { password, totp: app.generate({ timestamp: now - app.period * 1000 }) });
    });

    it('refuses the same code a second time', async () => {
      const { name, password, app } = await mfaUser('replay');
      const totp = app.generate();
      await loginOk(server.address, name, { password, totp });
      const replay = await login(server.address, name, { password, totp });
      assertErrorAnswer(replay, 400, /^invalid username, password or TOTP code$/);
      assert.equal(replay.body.auth ?? null, null);
    });

    it('refuses a still-valid code of an earlier step once a later step was used', async () => {
      const { name, password, app } = await mfaUser('backwards');
      await awayFromStepEdge(app);
      const now = Date.now();
      const previous = app.generate({ timestamp: now - app.period * 1000 });
      const current = app.generate({ timestamp: now });
      await loginOk(server.address, name, { password, totp: current });
      if (previous !== current) assertErrorAnswer(await login(server.address, name, { password, totp: previous }), 400, /TOTP code/);
    });

    it('lets exactly one of 8 concurrent logins with the same code through', async () => {
      const { name, password, app } = await mfaUser('race');
      await awayFromStepEdge(app, 10_000);
      const totp = app.generate();
      const results = await Promise.all(Array.from({ length: 8 }, () => login(server.address, name, { password, totp })));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 400, 400, 400, 400, 400, 400, 400], results.map((r) => r.text).join('\n'));
    });

    it('ignores a code for a user without MFA', async () => {
      const name = uniqueUser('nomfa');
      const password = uniquePassword();
      await writeUser(server.address, root, name, { password });
      await loginOk(server.address, name, { password, totp: '000000' });
    });
  });

  describe('turning MFA off', () => {
    it('lets the password alone log in again, and the read says MFA is off', async () => {
      const { name, password } = await mfaUser('off');
      assertErrorAnswer(await login(server.address, name, { password }), 400, /TOTP code required/);
      assertNoContent(await call('DELETE', `auth/userpass/users/${name}/mfa/totp`), 'turn MFA off');
      await loginOk(server.address, name, { password });
      assert.deepEqual((await call('GET', `auth/userpass/users/${name}/mfa/totp`)).body.data, { enabled: false });
    });

    it('goes with the user: a user deleted and created again has no MFA', async () => {
      const { name } = await mfaUser('recreated');
      assertNoContent(await call('DELETE', `auth/userpass/users/${name}`), 'delete user');
      const password = uniquePassword();
      await writeUser(server.address, root, name, { password });
      await loginOk(server.address, name, { password });
    });

    it('needs a grant on the path (403 for a token without one)', async () => {
      const { name, password, app } = await mfaUser('selfoff');
      const { client_token } = await loginOk(server.address, name, { password, totp: app.generate() });
      assertErrorAnswer(await call('DELETE', `auth/userpass/users/${name}/mfa/totp`, undefined, client_token), 403);
      assertErrorAnswer(await login(server.address, name, { password }), 400, /TOTP code required/);
    });
  });
});
