import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { startServer, type TestServer } from '../harness/server.js';
import { call, clientIdOf, defaultIssuer, expectStatus, identityToken, keyWithdrawn, publishedKids, verifyIdentityToken, workload } from './oidc-fixture.js';

// Identity tokens in a namespace, as Vault's: the namespace's identity/oidc has its own keys and
// roles, its issuer is <address>/v1/<namespace>/identity/oidc, its tokens are about entities of
// that namespace and carry its id in the namespace claim; a jwt auth mount of the namespace
// discovers that issuer and takes its tokens.

describe('identity tokens in a namespace', () => {
  let server: TestServer;
  let namespaceId: string;
  let issuer: string;
  let app: { token: string; entityId: string };
  let clientId: string;
  const inNs = (method: string, path: string, body?: unknown, token = server.rootToken) => call(server.address, token, method, path, body, 'team-a');

  before(async () => {
    server = await startServer();
    expectStatus(await call(server.address, server.rootToken, 'POST', 'sys/namespaces/team-a'), 200, 'namespace');
    namespaceId = (expectStatus(await call(server.address, server.rootToken, 'GET', 'sys/namespaces/team-a'), 200, 'read namespace') as { data: { id: string } }).data.id;
    issuer = defaultIssuer(server.address, 'team-a');
    app = await workload(server.address, server.rootToken, 'ns-app', 'team-a');
    expectStatus(await inNs('POST', 'identity/oidc/key/ns-key', { allowed_client_ids: '*' }), 204, 'key');
    expectStatus(await inNs('POST', 'identity/oidc/role/ns-role', { key: 'ns-key', ttl: '10m', template: '{"entity": {{identity.entity.name}}}' }), 204, 'role');
    clientId = await clientIdOf(server.address, server.rootToken, 'ns-role', 'team-a');
  });
  after(async () => server?.destroy());

  it("issues tokens whose issuer is the namespace's path, about the namespace's entity, verified against the namespace's keys", async () => {
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
    assert.deepEqual([discovery.issuer, discovery.jwks_uri], [issuer, `${issuer}/.well-known/keys`]);

    const { token } = await identityToken(server.address, app.token, 'ns-role', 'team-a');
    const claims = await verifyIdentityToken(issuer, token, clientId);
    const entity = expectStatus(await inNs('GET', `identity/entity/id/${app.entityId}`), 200, 'entity') as { data: { name: string } };
    assert.deepEqual([claims.iss, claims.sub, claims.namespace, claims.entity], [issuer, app.entityId, namespaceId, entity.data.name]);
    assert.deepEqual(expectStatus(await inNs('POST', 'identity/oidc/introspect', { token, client_id: clientId }), 200, 'introspect'), { active: true });
  });

  it("keeps the namespace's keys and roles apart from the root's", async () => {
    const { token } = await identityToken(server.address, app.token, 'ns-role', 'team-a');
    assert.ok(await keyWithdrawn(defaultIssuer(server.address), token, clientId), "the root's key set does not hold the namespace's key");
    assert.equal((await publishedKids(defaultIssuer(server.address))).length, 0);
    assert.equal((await call(server.address, server.rootToken, 'GET', 'identity/oidc/role/ns-role')).status, 404, 'no such role in the root');
    const root = expectStatus(await call(server.address, server.rootToken, 'POST', 'identity/oidc/introspect', { token }), 200, 'introspect in the root') as { active: boolean };
    assert.equal(root.active, false);
  });

  it('gives no token to a token of another namespace (its entity is not of this one)', async () => {
    const rootApp = await workload(server.address, server.rootToken, 'root-app');
    expectStatus(await call(server.address, server.rootToken, 'PUT', 'sys/policies/acl/team-a-tokens', { policy: 'path "team-a/identity/oidc/token/*" { capabilities = ["read"] }' }), 204, 'policy');
    expectStatus(await call(server.address, server.rootToken, 'POST', `identity/entity/id/${rootApp.entityId}`, { policies: ['team-a-tokens'] }), 204, 'entity policy');
    assertErrorAnswer(await inNs('GET', 'identity/oidc/token/ns-role', undefined, rootApp.token), 400, "no entity associated with the request's token");
  });

  it("logs in to the namespace's jwt auth mount, discovered at the namespace's issuer, with the namespace's identity token", async () => {
    expectStatus(await inNs('POST', 'sys/auth/jwt', { type: 'jwt' }), 204, 'enable jwt');
    expectStatus(await inNs('POST', 'auth/jwt/config', { oidc_discovery_url: issuer }), 204, 'jwt config');
    expectStatus(await inNs('POST', 'auth/jwt/role/ns-workload', { role_type: 'jwt', bound_audiences: [clientId], user_claim: 'sub', token_policies: ['ns-reader'] }), 204, 'jwt role');
    const { token } = await identityToken(server.address, app.token, 'ns-role', 'team-a');
    const login = expectStatus(await inNs('POST', 'auth/jwt/login', { role: 'ns-workload', jwt: token }, ''), 200, 'login') as { auth: { client_token: string; entity_id: string } };
    const entity = expectStatus(await inNs('GET', `identity/entity/id/${login.auth.entity_id}`), 200, "the login's entity is the namespace's") as { data: { aliases: { name: string }[] } };
    assert.deepEqual(entity.data.aliases.map((a) => a.name), [app.entityId]);
    const self = expectStatus(await inNs('GET', 'auth/token/lookup-self', undefined, login.auth.client_token), 200, 'lookup-self') as { data: { namespace_path: string } };
    assert.equal(self.data.namespace_path, 'team-a/');
  });
});
