import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { databaseFiles, occurrences } from '../harness/at-rest-scan.js';
import { startServer, type TestServer } from '../harness/server.js';
import { call, clientIdOf, expectStatus, identityToken, kidOf, userpassLogin, workload } from './oidc-fixture.js';

// Identity token keys live only in the barrier: a restarted server (SQLite, not dev) signs with the
// same key and verifies the tokens it issued before, and neither half of a key pair reaches the
// SQLite files in the clear (DESIGN.md §4.1; the public half is sealed in the same entry as the
// private one, so finding neither is what shows the entry is encrypted).

const ISSUER_BASE = 'http://coffer.example.test:8200';
const ISSUER = `${ISSUER_BASE}/v1/identity/oidc`;

describe('identity token keys at rest and across a restart', () => {
  let server: TestServer;
  let clientId: string;
  let firstToken: string;
  let publicKey: { kid: string; n: string };

  before(async () => {
    server = await startServer({ dev: false, config: {} });
    await workload(server.address, server.rootToken, 'durable-app');
    const root = (method: string, path: string, body?: unknown) => call(server.address, server.rootToken, method, path, body);
    // An explicit issuer: the restarted server listens on another port.
    expectStatus(await root('POST', 'identity/oidc/config', { issuer: ISSUER_BASE }), 200, 'issuer');
    expectStatus(await root('POST', 'identity/oidc/key/durable-key', { allowed_client_ids: '*' }), 204, 'key');
    expectStatus(await root('POST', 'identity/oidc/role/durable-role', { key: 'durable-key', ttl: '1h' }), 204, 'role');
    clientId = await clientIdOf(server.address, server.rootToken, 'durable-role');
    const { token } = await userpassLogin(server.address, 'durable-app', 'pw-durable-app-oidc');
    firstToken = (await identityToken(server.address, token, 'durable-role')).token;
    const jwks = (await (await fetch(`${server.address}/v1/identity/oidc/.well-known/keys`)).json()) as { keys: { kid: string; n: string }[] };
    publicKey = jwks.keys.find((k) => k.kid === kidOf(firstToken))!;
    assert.ok(publicKey?.n, 'the signing key is published');
  });
  after(async () => server?.destroy());

  it('verifies tokens issued before a restart, and signs with the same key after it', async () => {
    server = await server.restart();
    const keys = createRemoteJWKSet(new URL(`${server.address}/v1/identity/oidc/.well-known/keys`));
    const { payload } = await jwtVerify(firstToken, keys, { issuer: ISSUER, audience: clientId });
    assert.equal(payload.aud, clientId);
    const { token } = await userpassLogin(server.address, 'durable-app', 'pw-durable-app-oidc');
    const again = (await identityToken(server.address, token, 'durable-role')).token;
    assert.equal(kidOf(again), kidOf(firstToken));
    await jwtVerify(again, keys, { issuer: ISSUER, audience: clientId });
  });

  it('keeps no part of the key pair in the clear in the SQLite files', async () => {
    await server.stop();
    const files = await databaseFiles(server.dir);
    assert.ok(occurrences(files, new Map([['key name', Buffer.from('durable-key')]])).length > 0, 'the scan does not see the key name in storage keys: it is looking at the wrong bytes');
    const needles = new Map<string, Buffer>([
      ['public modulus', Buffer.from(publicKey.n, 'base64url')],
      ['public modulus (JWK text)', Buffer.from(publicKey.n)],
      ['key id', Buffer.from(publicKey.kid)],
    ]);
    assert.deepEqual(occurrences(files, needles), []);
  });
});
