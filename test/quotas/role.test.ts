import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Approle, expectLogin, type Envelope } from '../auth/approle/fixture.js';
import { startServer, type TestServer } from '../harness/server.js';
import { closingApi, enableAuthMethod } from '../sys/fixture.js';
import { assertAdmitted, assertRateLimited, Client, deleteQuota, writeQuota } from './fixture.js';

describe('role-based rate-limit quotas on logins', () => {
  let server: TestServer;
  let approle: Approle;

  before(async () => {
    server = await startServer();
    approle = new Approle(server.address, server.rootToken, 'approle', closingApi);
    await approle.enable();
    await approle.writeRole('limited', { token_policies: ['default'] });
    await approle.writeRole('free', { token_policies: ['default'] });
    await enableAuthMethod(server.address, server.rootToken, 'jwt', 'jwt');
    await enableAuthMethod(server.address, server.rootToken, 'kubernetes', 'kubernetes');
  });
  after(() => server?.destroy());

  it('limits AppRole logins of the named role (found by its role_id) and no other role', async () => {
    await writeQuota(server.address, server.rootToken, 'limited-logins', { path: 'auth/approle/', role: 'limited', rate: 1, interval: '1m' });
    try {
      const app = new Client(server.address);
      const limited = await approle.credentials('limited');
      expectLogin(await app.request<Envelope>('POST', 'auth/approle/login', { body: { role_id: limited.role_id, secret_id: limited.secret_id } }), 'first login');
      assertRateLimited(await app.request('POST', 'auth/approle/login', { body: { role_id: limited.role_id, secret_id: limited.secret_id } }), 60);
      for (let i = 0; i < 3; i++) {
        const free = await approle.credentials('free');
        expectLogin(await app.request<Envelope>('POST', 'auth/approle/login', { body: { role_id: free.role_id, secret_id: free.secret_id } }), `free login ${i}`);
      }
      // A role_id no role has names no role: the role quota does not apply.
      const unknown = await app.request('POST', 'auth/approle/login', { body: { role_id: 'not-a-role-id', secret_id: 'x' } });
      assert.equal(unknown.status, 400, unknown.text);
    } finally {
      await deleteQuota(server.address, server.rootToken, 'limited-logins');
    }
  });

  it('puts a role quota before the mount quota of the same auth mount', async () => {
    // Credentials first: the mount quota would count the admin's role reads too.
    const limited = await Promise.all([1, 2, 3, 4].map(() => approle.credentials('limited')));
    const free = await approle.credentials('free');
    await writeQuota(server.address, server.rootToken, 'approle-mount', { path: 'auth/approle', rate: 1, interval: '1m' });
    await writeQuota(server.address, server.rootToken, 'limited-logins', { path: 'auth/approle', role: 'limited', rate: 3, interval: '1m' });
    try {
      const app = new Client(server.address);
      const login = (creds: { role_id: string; secret_id: string }) =>
        app.request<Envelope>('POST', 'auth/approle/login', { body: { role_id: creds.role_id, secret_id: creds.secret_id } });
      for (let i = 0; i < 3; i++) expectLogin(await login(limited[i]!), `role login ${i}`);
      assertRateLimited(await login(limited[3]!), 60);
      expectLogin(await login(free), 'mount budget');
      assertRateLimited(await login(free), 60);
    } finally {
      await deleteQuota(server.address, server.rootToken, 'approle-mount');
      await deleteQuota(server.address, server.rootToken, 'limited-logins');
    }
  });

  for (const mount of ['jwt', 'kubernetes']) {
    it(`limits ${mount} logins that name the role, before the login is even checked`, async () => {
      await writeQuota(server.address, server.rootToken, `${mount}-web`, { path: `auth/${mount}`, role: 'web', rate: 1, interval: '1m' });
      try {
        const app = new Client(server.address);
        // The method is not configured, so the login itself fails; the quota is charged all the same.
        assertAdmitted(await app.request('POST', `auth/${mount}/login`, { body: { role: 'web', jwt: 'not.a.jwt' } }), 'first login');
        assertRateLimited(await app.request('POST', `auth/${mount}/login`, { body: { role: 'web', jwt: 'not.a.jwt' } }), 60);
        for (let i = 0; i < 3; i++) assertAdmitted(await app.request('POST', `auth/${mount}/login`, { body: { role: 'api', jwt: 'not.a.jwt' } }), 'another role');
      } finally {
        await deleteQuota(server.address, server.rootToken, `${mount}-web`);
      }
    });
  }
});
