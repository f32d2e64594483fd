import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { poll } from '../harness/poll.js';
import { startServer, type TestServer } from '../harness/server.js';
import { call, clientIdOf, defaultIssuer, expectStatus, identityToken, keyWithdrawn, kidOf, publishedKids, verifyIdentityToken, workload } from './oidc-fixture.js';

// Rotation of identity token keys (identity/oidc/key/:name/rotate, and rotation_period): the
// next key signs, the key rotated out stays published for its verification_ttl and then goes,
// taking the tokens it signed with it. COFFER_OIDC_MIN_ROTATION_PERIOD_SECONDS lowers Vault's
// minute-long minimum rotation_period so that automatic rotation can be watched; no assertion
// depends on timing: each waits (polls) for the state it expects.

describe('identity token key rotation', () => {
  let server: TestServer;
  let issuer: string;
  let workloadToken: string;
  const root = (method: string, path: string, body?: unknown) => call(server.address, server.rootToken, method, path, body);

  async function keyAndRole(name: string, keySettings: Record<string, unknown>, roleSettings: Record<string, unknown> = {}): Promise<string> {
    expectStatus(await root('POST', `identity/oidc/key/${name}`, { allowed_client_ids: '*', ...keySettings }), 204, `key ${name}`);
    expectStatus(await root('POST', `identity/oidc/role/${name}`, { key: name, ...roleSettings }), 204, `role ${name}`);
    return clientIdOf(server.address, server.rootToken, name);
  }

  before(async () => {
    server = await startServer({ env: { COFFER_OIDC_MIN_ROTATION_PERIOD_SECONDS: '1' } });
    issuer = defaultIssuer(server.address);
    workloadToken = (await workload(server.address, server.rootToken, 'rotating-app')).token;
  });
  after(async () => server?.destroy());

  it('signs with the key published as next after a rotation, and keeps verifying tokens of the key rotated out', async () => {
    const clientId = await keyAndRole('k-manual', { rotation_period: '1h', verification_ttl: '1h' }, { ttl: '1h' });
    const first = (await identityToken(server.address, workloadToken, 'k-manual')).token;
    const publishedBefore = await publishedKids(issuer);
    assert.ok(publishedBefore.includes(kidOf(first)));

    expectStatus(await root('POST', 'identity/oidc/key/k-manual/rotate', {}), 204, 'rotate');
    const second = (await identityToken(server.address, workloadToken, 'k-manual')).token;
    assert.notEqual(kidOf(second), kidOf(first), 'a new key signs');
    assert.ok(publishedBefore.includes(kidOf(second)), 'the new signing key was published before it signed');
    for (const token of [first, second]) assert.equal((await verifyIdentityToken(issuer, token, clientId)).aud, clientId);
  });

  it("withdraws a rotated-out key once the rotation's verification_ttl passes: its tokens stop verifying, newer ones do not", async () => {
    const clientId = await keyAndRole('k-expiring', { rotation_period: '1h', verification_ttl: '1h' }, { ttl: '1h' });
    const old = (await identityToken(server.address, workloadToken, 'k-expiring')).token;
    expectStatus(await root('POST', 'identity/oidc/key/k-expiring/rotate', { verification_ttl: '1s' }), 204, 'rotate');
    const current = (await identityToken(server.address, workloadToken, 'k-expiring')).token;

    await poll('the old key withdrawn from .well-known/keys', () => keyWithdrawn(issuer, old, clientId), { timeoutMs: 15_000, intervalMs: 200 });
    assert.ok(!(await publishedKids(issuer)).includes(kidOf(old)));
    assert.equal((await verifyIdentityToken(issuer, current, clientId)).aud, clientId, 'the current key still verifies');
    const introspected = expectStatus(await root('POST', 'identity/oidc/introspect', { token: old }), 200, 'introspect');
    assert.deepEqual(introspected, { active: false, error: 'unable to validate the token signature' });
    assert.deepEqual(expectStatus(await root('POST', 'identity/oidc/introspect', { token: current }), 200, 'introspect current'), { active: true });
  });

  it('withdraws the key rotated out at once with verification_ttl 0', async () => {
    const clientId = await keyAndRole('k-zero', { rotation_period: '1h', verification_ttl: '1h' }, { ttl: '1h' });
    const old = (await identityToken(server.address, workloadToken, 'k-zero')).token;
    expectStatus(await root('POST', 'identity/oidc/key/k-zero/rotate', { verification_ttl: 0 }), 204, 'rotate');
    assert.ok(await keyWithdrawn(issuer, old, clientId));
  });

  it('rotates a key by itself every rotation_period on the active node, and drops each key rotated out after verification_ttl', async () => {
    const clientId = await keyAndRole('k-auto', { rotation_period: '2s', verification_ttl: '2s' }, { ttl: '2s' });
    const first = (await identityToken(server.address, workloadToken, 'k-auto')).token;
    const rotated = await poll(
      'a token signed by the next key',
      async () => {
        const { token } = await identityToken(server.address, workloadToken, 'k-auto');
        return kidOf(token) !== kidOf(first) && token;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    assert.notEqual(kidOf(rotated), kidOf(first));
    await poll('the first key withdrawn', async () => !(await publishedKids(issuer)).includes(kidOf(first)), { timeoutMs: 20_000, intervalMs: 250 });
    assert.ok(await keyWithdrawn(issuer, first, clientId));
  });

  it('refuses to rotate a key that does not exist', async () => {
    assertErrorAnswer(await root('POST', 'identity/oidc/key/k-nowhere/rotate', {}), 400, 'no named key found at "k-nowhere"');
    assert.equal((await root('GET', 'identity/oidc/key/k-nowhere')).status, 404);
  });

  it('publishes the keys of an algorithm change: the former signing key stays for verification_ttl, the new pair signs', async () => {
    const clientId = await keyAndRole('k-realg', { rotation_period: '1h', verification_ttl: '1h' }, { ttl: '1h' });
    const rsa = (await identityToken(server.address, workloadToken, 'k-realg')).token;
    expectStatus(await root('POST', 'identity/oidc/key/k-realg', { algorithm: 'ES256' }), 204, 'change algorithm');
    const ec = (await identityToken(server.address, workloadToken, 'k-realg')).token;
    assert.notEqual(kidOf(ec), kidOf(rsa));
    for (const token of [rsa, ec]) await verifyIdentityToken(issuer, token, clientId);
  });
});
