import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { appRoleAuth, CofferApiError, type AuthInfo, type CofferClient, type LoginMethod } from '../../../src/client/index.js';
import { poll } from '../../harness/poll.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { appClient, appRole, rootClient, unique } from './fixture.js';

// AuthSession against a real dev server: renewal observed over several short TTLs, a new login when
// the max TTL stops renewals, recovery from a token revoked behind the client's back, and close().

describe('SDK AuthSession (real server, AppRole logins with short TTLs)', () => {
  let server: TestServer;
  let root: CofferClient;

  before(async () => {
    server = await startServer();
    root = rootClient(server.address, server.rootToken);
    await root.auth.enable('approle', { type: 'approle' });
  });
  after(async () => {
    await server?.destroy();
  });

  it('renews at about 2/3 of each TTL, then logs in again before the max TTL, and the token works throughout', async () => {
    const { login, prefix } = await appRole(root, { ttl: '3s', maxTtl: '8s' });
    await root.kv.put(`secret/${prefix}db`, { password: 'p1' });
    const client = appClient(server.address);
    const session = await client.authenticate(appRoleAuth(login));
    const events: { kind: string; at: number; ttl: number; token: string }[] = [];
    const started = Date.now();
    const record = (kind: string) => (auth: AuthInfo) => events.push({ kind, at: Date.now() - started, ttl: auth.lease_duration, token: auth.client_token });
    session.on('renewed', record('renewed'));
    session.on('reauthenticated', record('reauthenticated'));
    const firstToken = session.token;
    assert.equal(client.token, firstToken);
    try {
      await poll('no re-login after the max TTL', () => events.some((e) => e.kind === 'reauthenticated'), { timeoutMs: 12_000, intervalMs: 100 });
      const renewals = events.filter((e) => e.kind === 'renewed');
      assert.ok(renewals.length >= 2, `expected at least two renewals before the re-login: ${JSON.stringify(events)}`);
      // The first renewal comes at 2/3 of 3 s ± 10% jitter: between 1.8 s and 2.2 s (plus scheduling slack).
      assert.ok(renewals[0]!.at >= 1700 && renewals[0]!.at < 2700, `first renewal at ${renewals[0]!.at} ms`);
      assert.ok(renewals.every((e) => e.token === firstToken), 'a renewal keeps the token');
      const relogin = events.find((e) => e.kind === 'reauthenticated')!;
      assert.ok(relogin.at < 8000, `re-login at ${relogin.at} ms, after the first token's max TTL`);
      assert.notEqual(relogin.token, firstToken);
      assert.equal(client.token, relogin.token, 'the client sends the new token');
      const read = await client.kv.get(`secret/${prefix}db`);
      assert.equal(read.secret?.data?.data && (read.secret.data.data as Record<string, string>).password, 'p1');
      assert.equal(session.lastError, undefined);
    } finally {
      await client.close();
    }
  });

  it('logs in again, instead of renewing, when the token is not renewable', async () => {
    // A login method of the test's own (LoginMethod is public): tokens from a token role with renewable=false.
    const tokenRole = unique('fixed');
    await root.write(`auth/token/roles/${tokenRole}`, { renewable: false, token_explicit_max_ttl: '1h' });
    const fromRole: LoginMethod = {
      name: 'token-role',
      login: async () => (await root.tokens.create({ ttl: '3s' }, { role: tokenRole }))!.auth!,
    };
    const client = appClient(server.address);
    const session = await client.authenticate(fromRole);
    assert.equal(session.auth.renewable, false);
    let renewed = 0;
    session.on('renewed', () => renewed++);
    const first = session.token;
    const started = Date.now();
    try {
      await new Promise<void>((resolve) => session.once('reauthenticated', () => resolve()));
      const at = Date.now() - started;
      assert.ok(at >= 1700 && at < 3000, `re-login at ${at} ms, before the 3 s TTL ran out`);
      assert.notEqual(session.token, first);
      assert.equal(client.token, session.token);
      assert.equal(renewed, 0);
    } finally {
      await client.close();
    }
  });

  it('logs in again and resends the request once when the token was revoked behind its back', async () => {
    const { login, prefix } = await appRole(root, { ttl: '1h', maxTtl: '2h' });
    await root.kv.put(`secret/${prefix}api`, { key: 'k1' });
    const client = appClient(server.address);
    const session = await client.authenticate(appRoleAuth(login));
    let relogins = 0;
    session.on('reauthenticated', () => relogins++);
    const revoked = session.token;
    await root.tokens.revoke(revoked);
    try {
      const read = await client.kv.get(`secret/${prefix}api`);
      assert.deepEqual((read.secret?.data as { data: unknown }).data, { key: 'k1' });
      assert.equal(relogins, 1);
      assert.notEqual(client.token, revoked);
      await assert.rejects(root.tokens.lookup(revoked), (err: unknown) => err instanceof CofferApiError && err.status === 403);
    } finally {
      await client.close();
    }
  });

  it('a real permission denial stays a 403: the token is valid, so no new login happens', async () => {
    const { login } = await appRole(root, { ttl: '1h', maxTtl: '2h' });
    const client = appClient(server.address);
    const session = await client.authenticate(appRoleAuth(login));
    let relogins = 0;
    session.on('reauthenticated', () => relogins++);
    try {
      await assert.rejects(client.kv.get('secret/someone-else/db', { mount: 'secret' }), (err: unknown) => err instanceof CofferApiError && err.status === 403);
      assert.equal(relogins, 0);
    } finally {
      await client.close();
    }
  });

  it('concurrent requests refused for a revoked token share one new login', async () => {
    const { login, prefix } = await appRole(root, { ttl: '1h', maxTtl: '2h' });
    await root.kv.put(`secret/${prefix}many`, { n: '1' });
    const client = appClient(server.address);
    const session = await client.authenticate(appRoleAuth(login));
    let relogins = 0;
    session.on('reauthenticated', () => relogins++);
    await root.tokens.revoke(session.token);
    try {
      const reads = await Promise.all(Array.from({ length: 20 }, () => client.read(`secret/data/${prefix}many`)));
      assert.ok(reads.every((r) => (r?.data as { data: { n: string } }).data.n === '1'));
      assert.equal(relogins, 1);
    } finally {
      await client.close();
    }
  });

  it('close({ revoke: true }) stops renewing and revokes the token (so does client.close({ revokeToken: true })); close() alone leaves it valid', async () => {
    const { login } = await appRole(root, { ttl: '1h', maxTtl: '2h' });
    const kept = appClient(server.address);
    const keptSession = await kept.authenticate(appRoleAuth(login));
    await keptSession.close();
    assert.equal((await root.tokens.lookup(keptSession.token))?.data?.id, keptSession.token);

    const { login: second } = await appRole(root, { ttl: '1h', maxTtl: '2h' });
    const revoking = appClient(server.address);
    const session = await revoking.authenticate(appRoleAuth(second));
    await session.close({ revoke: true });
    await assert.rejects(root.tokens.lookup(session.token), (err: unknown) => err instanceof CofferApiError && err.status === 403);

    const { login: third } = await appRole(root, { ttl: '1h', maxTtl: '2h' });
    const shuttingDown = appClient(server.address);
    const last = await shuttingDown.authenticate(appRoleAuth(third));
    await shuttingDown.close({ revokeToken: true });
    await assert.rejects(root.tokens.lookup(last.token), (err: unknown) => err instanceof CofferApiError && err.status === 403);
  });
});
