import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { startServer, type TestServer } from '../harness/server.js';
import { call, clientIdOf, defaultIssuer, expectStatus, identityToken, workload } from './oidc-fixture.js';

// Workload identity without a second system: Coffer's own jwt auth method, configured with
// oidc_discovery_url = Coffer's identity token issuer, takes Coffer's identity tokens as logins.

describe('logging in to a jwt auth mount with a Coffer identity token', () => {
  let server: TestServer;
  let app: { token: string; entityId: string };
  let clientId: string;
  const root = (method: string, path: string, body?: unknown) => call(server.address, server.rootToken, method, path, body);

  before(async () => {
    server = await startServer();
    app = await workload(server.address, server.rootToken, 'billing-app');
    expectStatus(await root('POST', 'identity/oidc/key/workloads', { allowed_client_ids: '*' }), 204, 'key');
    expectStatus(await root('POST', 'identity/oidc/role/billing', { key: 'workloads', ttl: '10m', template: '{"team": {{identity.entity.metadata.team}}}' }), 204, 'role');
    expectStatus(await root('POST', 'identity/oidc/role/other-audience', { key: 'workloads', ttl: '10m' }), 204, 'second role');
    expectStatus(await root('POST', `identity/entity/id/${app.entityId}`, { metadata: { team: 'billing' } }), 204, 'metadata');
    clientId = await clientIdOf(server.address, server.rootToken, 'billing');

    expectStatus(await root('POST', 'sys/auth/jwt', { type: 'jwt' }), 204, 'enable jwt');
    expectStatus(await root('POST', 'auth/jwt/config', { oidc_discovery_url: defaultIssuer(server.address) }), 204, 'jwt config');
    expectStatus(
      await root('POST', 'auth/jwt/role/billing', { role_type: 'jwt', bound_audiences: [clientId], user_claim: 'sub', bound_claims: { team: 'billing' }, token_policies: ['billing'] }),
      204,
      'jwt role',
    );
  });
  after(async () => server?.destroy());

  it("logs in: the token's subject (the entity id) names the alias, and its templated claim meets bound_claims", async () => {
    const { token } = await identityToken(server.address, app.token, 'billing');
    const login = expectStatus(await call(server.address, '', 'POST', 'auth/jwt/login', { role: 'billing', jwt: token }), 200, 'login') as {
      auth: { client_token: string; token_policies: string[]; entity_id: string };
    };
    assert.deepEqual([...login.auth.token_policies].sort(), ['billing', 'default']);
    const entity = expectStatus(await root('GET', `identity/entity/id/${login.auth.entity_id}`), 200, 'entity') as { data: { aliases: { name: string; mount_type: string }[] } };
    assert.deepEqual(
      entity.data.aliases.map((a) => [a.mount_type, a.name]),
      [['jwt', app.entityId]],
    );
  });

  it("refuses (400) a Coffer token made for another role's audience, and a token that is no JWT; nothing is logged in", async () => {
    const before = (await root('LIST', 'identity/entity/id')).body as { data: { keys: string[] } };
    const { token } = await identityToken(server.address, app.token, 'other-audience');
    assertErrorAnswer(await call(server.address, '', 'POST', 'auth/jwt/login', { role: 'billing', jwt: token }), 400, /audience/);
    assertErrorAnswer(await call(server.address, '', 'POST', 'auth/jwt/login', { role: 'billing', jwt: 'not.a.jwt' }), 400);
    const after = (await root('LIST', 'identity/entity/id')).body as { data: { keys: string[] } };
    assert.deepEqual(after.data.keys, before.data.keys, 'no entity was made');
  });
});
