import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { assertErrorAnswer } from '../harness/errors.js';
import { startServer, type TestServer } from '../harness/server.js';
import { call, clientIdOf, defaultIssuer, expectStatus, identityToken, verifyIdentityToken, workload } from './oidc-fixture.js';

// Vault's identity token provider over HTTP (https://developer.hashicorp.com/vault/api-docs/secret/identity/tokens):
// named keys, roles, tokens about the caller's entity verified by jose against .well-known/keys,
// and introspection.

describe('identity tokens', () => {
  let server: TestServer;
  let issuer: string;
  let alice: { token: string; entityId: string };
  const root = (method: string, path: string, body?: unknown) => call(server.address, server.rootToken, method, path, body);

  /** A key with these settings and a role using it; answers the role's client id. */
  async function keyAndRole(key: string, role: string, keySettings: Record<string, unknown> = { allowed_client_ids: '*' }, roleSettings: Record<string, unknown> = {}): Promise<string> {
    expectStatus(await root('POST', `identity/oidc/key/${key}`, keySettings), 204, `key ${key}`);
    expectStatus(await root('POST', `identity/oidc/role/${role}`, { key, ...roleSettings }), 204, `role ${role}`);
    return clientIdOf(server.address, server.rootToken, role);
  }

  before(async () => {
    server = await startServer();
    issuer = defaultIssuer(server.address);
    alice = await workload(server.address, server.rootToken, 'alice');
    expectStatus(await root('POST', `identity/entity/id/${alice.entityId}`, { metadata: { team: 'payments' } }), 204, 'entity metadata');
    expectStatus(await root('POST', 'identity/group', { name: 'web', member_entity_ids: [alice.entityId] }), 200, 'group');
  });
  after(async () => server?.destroy());

  it("answers the discovery document without a token: the server's address + /v1/identity/oidc is the issuer", async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      issuer,
      jwks_uri: `${issuer}/.well-known/keys`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
    });
    assert.deepEqual(expectStatus(await root('GET', 'identity/oidc/config'), 200, 'read config').data, { issuer: '' });
  });

  it('takes an explicit issuer only as scheme://host[:port], and "" restores the default', async () => {
    for (const bad of ['https://coffer.example.com/v1', 'ftp://coffer.example.com', 'coffer.example.com', 'https://coffer.example.com?x=1']) {
      assertErrorAnswer(await root('POST', 'identity/oidc/config', { issuer: bad }), 400, 'invalid issuer, which must include only a scheme, host, and optional port (e.g. https://example.com:8200)');
    }
    assert.deepEqual(expectStatus(await root('GET', 'identity/oidc/config'), 200, 'unchanged').data, { issuer: '' });

    const set = expectStatus(await root('POST', 'identity/oidc/config', { issuer: 'https://coffer.example.com:8200' }), 200, 'set issuer') as { warnings: string[] };
    assert.match(set.warnings[0]!, /^If "issuer" is set explicitly/);
    const doc = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string };
    assert.equal(doc.issuer, 'https://coffer.example.com:8200/v1/identity/oidc');

    expectStatus(await root('POST', 'identity/oidc/config', { issuer: '' }), 204, 'reset issuer');
    assert.equal(((await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string }).issuer, issuer);
  });

  it("makes a named key with Vault's defaults, updates it field by field, lists it", async () => {
    expectStatus(await root('POST', 'identity/oidc/key/k-defaults', {}), 204, 'create');
    assert.deepEqual(expectStatus(await root('GET', 'identity/oidc/key/k-defaults'), 200, 'read').data, {
      algorithm: 'RS256',
      rotation_period: 86400,
      verification_ttl: 86400,
      allowed_client_ids: [],
    });
    expectStatus(await root('POST', 'identity/oidc/key/k-defaults', { allowed_client_ids: 'app-1,app-2', rotation_period: '12h' }), 204, 'update');
    assert.deepEqual(expectStatus(await root('GET', 'identity/oidc/key/k-defaults'), 200, 'read again').data, {
      algorithm: 'RS256',
      rotation_period: 43200,
      verification_ttl: 86400,
      allowed_client_ids: ['app-1', 'app-2'],
    });
    const listed = expectStatus(await root('LIST', 'identity/oidc/key'), 200, 'list') as { data: { keys: string[] } };
    assert.ok(listed.data.keys.includes('k-defaults'), JSON.stringify(listed));
    assert.equal((await root('GET', 'identity/oidc/key/k-never-made')).status, 404);
  });

  it("refuses bad key settings with Vault's messages and changes nothing", async () => {
    expectStatus(await root('POST', 'identity/oidc/key/k-bad', { verification_ttl: '1h' }), 204, 'create');
    const before = expectStatus(await root('GET', 'identity/oidc/key/k-bad'), 200, 'read').data;
    const refusals: [Record<string, unknown>, string | RegExp][] = [
      [{ rotation_period: '30s' }, 'rotation_period must be at least one minute'],
      [{ rotation_period: '1m', verification_ttl: '11m' }, 'verification_ttl cannot be longer than 10x rotation_period'],
      [{ algorithm: 'HS256' }, 'unknown signing algorithm "HS256"'],
      [{ algorithm: 'none' }, 'unknown signing algorithm "none"'],
      [{ rotation_period: 'soon' }, /rotation_period/],
    ];
    for (const [body, message] of refusals) {
      assertErrorAnswer(await root('POST', 'identity/oidc/key/k-bad', body), 400, message);
      assertErrorAnswer(await root('POST', 'identity/oidc/key/k-bad-new', body), 400, message);
    }
    assert.deepEqual(expectStatus(await root('GET', 'identity/oidc/key/k-bad'), 200, 'read after').data, before);
    assert.equal((await root('GET', 'identity/oidc/key/k-bad-new')).status, 404, 'no key was made');
    assert.equal((await root('GET', 'identity/oidc/key/bad name!')).status, 404, 'a name Vault does not route');
  });

  it("gives the caller a JWT about its own entity that jose verifies against .well-known/keys, with the role's client id and templated claims", async () => {
    const clientId = await keyAndRole('k-main', 'r-main', { allowed_client_ids: '*' }, {
      ttl: '1h',
      template: `{"entity_name": {{identity.entity.name}}, "team": {{identity.entity.metadata.team}}, "groups": {{identity.entity.groups.names}}, "meta": {{identity.entity.metadata}}, "absent": {{identity.entity.metadata.nope}}, "nested": {"placeholder": {{identity.entity.metadata.team}} } }`,
    });
    assert.match(clientId, /^[0-9A-Za-z]{26}$/);
    const entity = expectStatus(await root('GET', `identity/entity/id/${alice.entityId}`), 200, 'entity') as { data: { name: string } };

    const answer = await identityToken(server.address, alice.token, 'r-main');
    assert.equal(answer.client_id, clientId);
    assert.equal(answer.ttl, 3600);
    const claims = await verifyIdentityToken(issuer, answer.token, clientId);
    assert.equal(claims.sub, alice.entityId);
    assert.equal(claims.aud, clientId);
    assert.equal(claims.iss, issuer);
    assert.equal(claims.namespace, 'root');
    assert.equal(claims.exp! - claims.iat!, 3600);
    assert.equal(claims.entity_name, entity.data.name);
    assert.equal(claims.team, 'payments');
    assert.deepEqual(claims.groups, ['web']);
    assert.deepEqual(claims.meta, { team: 'payments' });
    assert.equal(claims.absent, '');
    assert.deepEqual(claims.nested, { placeholder: 'payments' });
    assert.deepEqual(decodeProtectedHeader(answer.token).alg, 'RS256');
  });

  it("signs with each of Vault's seven algorithms, and each token verifies", async () => {
    for (const algorithm of ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
      const clientId = await keyAndRole(`k-${algorithm}`, `r-${algorithm}`, { algorithm, allowed_client_ids: '*' });
      const { token } = await identityToken(server.address, alice.token, `r-${algorithm}`);
      assert.equal(decodeProtectedHeader(token).alg, algorithm);
      assert.equal((await verifyIdentityToken(issuer, token, clientId)).sub, alice.entityId, algorithm);
    }
  });

  it('stores a base64 template decoded, and refuses templates Vault refuses', async () => {
    expectStatus(await root('POST', 'identity/oidc/key/k-tpl', { allowed_client_ids: '*' }), 204, 'key');
    const template = '{"who": {{identity.entity.id}}}';
    expectStatus(await root('POST', 'identity/oidc/role/r-b64', { key: 'k-tpl', template: Buffer.from(template).toString('base64') }), 204, 'base64 role');
    assert.equal((expectStatus(await root('GET', 'identity/oidc/role/r-b64'), 200, 'read') as { data: { template: string } }).data.template, template);

    const refusals: [string, string | RegExp][] = [
      ['{"sub": {{identity.entity.id}}}', 'top level key "sub" not allowed. Restricted keys: iat, aud, exp, iss, sub, namespace, nonce, auth_time, at_hash, c_hash'],
      ['{"a": {{identity.entity.name}', 'error parsing template: unbalanced templating characters'],
      ['{"a": {{identity.entity.nothing}}}', 'error parsing template: no value could be found for one of the template directives'],
      ['[1, 2]', /^error parsing template JSON: /],
      ['{"a": ', /^error parsing template JSON: /],
    ];
    for (const [bad, message] of refusals) assertErrorAnswer(await root('POST', 'identity/oidc/role/r-bad-tpl', { key: 'k-tpl', template: bad }), 400, message);
    assert.equal((await root('GET', 'identity/oidc/role/r-bad-tpl')).status, 404, 'no role was made');
  });

  it("needs a role's key to exist and its ttl to fit the key's verification_ttl", async () => {
    expectStatus(await root('POST', 'identity/oidc/key/k-short', { verification_ttl: '1h', allowed_client_ids: '*' }), 204, 'key');
    assertErrorAnswer(await root('POST', 'identity/oidc/role/r-nokey', {}), 400, 'the key parameter is required');
    assertErrorAnswer(await root('POST', 'identity/oidc/role/r-nokey', { key: 'k-missing' }), 400, 'cannot find key "k-missing"');
    assertErrorAnswer(await root('POST', 'identity/oidc/role/r-nokey', { key: 'k-short' }), 400, "a role's token ttl cannot be longer than the verification_ttl of the key it references");
    assert.equal((await root('GET', 'identity/oidc/role/r-nokey')).status, 404, 'no role was made');

    expectStatus(await root('POST', 'identity/oidc/role/r-short', { key: 'k-short', ttl: '30m', client_id: 'my-client' }), 204, 'role');
    assert.deepEqual(expectStatus(await root('GET', 'identity/oidc/role/r-short'), 200, 'read').data, { client_id: 'my-client', key: 'k-short', template: '', ttl: 1800 });
    assertErrorAnswer(await root('POST', 'identity/oidc/key/k-short', { verification_ttl: '10m' }), 400, 'unable to update key "k-short" because it is currently referenced by one or more roles with a token ttl greater than 600 seconds');
    assert.equal((expectStatus(await root('GET', 'identity/oidc/key/k-short'), 200, 'key unchanged') as { data: { verification_ttl: number } }).data.verification_ttl, 3600);
  });

  it("refuses a token (400) to a token without an entity, for an unknown role, and when the key does not allow the role's client id", async () => {
    await keyAndRole('k-entity', 'r-entity');
    assertErrorAnswer(await root('GET', 'identity/oidc/token/r-entity'), 400, "no entity associated with the request's token");
    assertErrorAnswer(await call(server.address, alice.token, 'GET', 'identity/oidc/token/r-unknown'), 400, 'role "r-unknown" not found');

    const clientId = await keyAndRole('k-strict', 'r-strict', { allowed_client_ids: 'someone-else' });
    assertErrorAnswer(await call(server.address, alice.token, 'GET', 'identity/oidc/token/r-strict'), 400, 'the key "k-strict" does not list the client ID of the role "r-strict" as an allowed client ID');
    expectStatus(await root('POST', 'identity/oidc/key/k-strict', { allowed_client_ids: ['someone-else', clientId] }), 204, 'allow the role');
    const { token } = await identityToken(server.address, alice.token, 'r-strict');
    assert.equal((await verifyIdentityToken(issuer, token, clientId)).sub, alice.entityId);
  });

  it('answers 403 to a token whose policies do not grant the token path', async () => {
    await keyAndRole('k-acl', 'r-acl');
    const created = expectStatus(await root('POST', 'auth/token/create', { policies: ['default'] }), 200, 'token') as { auth: { client_token: string } };
    assertErrorAnswer(await call(server.address, created.auth.client_token, 'GET', 'identity/oidc/token/r-acl'), 403, 'permission denied');
  });

  it('refuses to delete a key a role uses, naming the roles; once they are gone it deletes', async () => {
    await keyAndRole('k-del', 'r-del-1');
    expectStatus(await root('POST', 'identity/oidc/role/r-del-2', { key: 'k-del' }), 204, 'second role');
    assertErrorAnswer(await root('DELETE', 'identity/oidc/key/k-del'), 400, 'unable to delete key "k-del" because it is currently referenced by these roles: r-del-1, r-del-2');
    expectStatus(await root('GET', 'identity/oidc/key/k-del'), 200, 'key still there');
    for (const role of ['r-del-1', 'r-del-2']) expectStatus(await root('DELETE', `identity/oidc/role/${role}`), 204, `delete ${role}`);
    assert.equal((await root('GET', 'identity/oidc/role/r-del-1')).status, 404);
    expectStatus(await root('DELETE', 'identity/oidc/key/k-del'), 204, 'delete key');
    assert.equal((await root('GET', 'identity/oidc/key/k-del')).status, 404);
    const roles = expectStatus(await root('LIST', 'identity/oidc/role'), 200, 'list roles') as { data: { keys: string[] } };
    assert.ok(roles.data.keys.includes('r-main') && !roles.data.keys.includes('r-del-1'), JSON.stringify(roles));
  });

  it('publishes only the keys roles use: a token of a key no role names any more no longer verifies', async () => {
    const clientId = await keyAndRole('k-unused', 'r-unused');
    const { token } = await identityToken(server.address, alice.token, 'r-unused');
    await verifyIdentityToken(issuer, token, clientId);
    expectStatus(await root('DELETE', 'identity/oidc/role/r-unused'), 204, 'delete role');
    await assert.rejects(verifyIdentityToken(issuer, token, clientId), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('introspects: active for a good token; inactive, with the reason, for another audience, a forged signature, garbage, a disabled entity', async () => {
    const clientId = await keyAndRole('k-intro', 'r-intro');
    const { token } = await identityToken(server.address, alice.token, 'r-intro');
    const introspect = async (body: Record<string, unknown>) => expectStatus(await call(server.address, alice.token, 'POST', 'identity/oidc/introspect', body), 200, 'introspect');

    assert.deepEqual(await introspect({ token }), { active: true });
    assert.deepEqual(await introspect({ token, client_id: clientId }), { active: true });
    assert.deepEqual(await introspect({ token, client_id: 'another-client' }), { active: false, error: 'error validating claims: validation failed, invalid audience claim (aud)' });
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'someone' })).toString('base64url')}.${signature}`;
    assert.deepEqual(await introspect({ token: forged }), { active: false, error: 'unable to validate the token signature' });
    const garbage = (await introspect({ token: 'not-a-jwt' })) as { active: boolean; error: string };
    assert.equal(garbage.active, false);
    assert.match(garbage.error, /^error parsing token: /);

    expectStatus(await root('POST', `identity/entity/id/${alice.entityId}`, { disabled: true }), 204, 'disable entity');
    try {
      assert.deepEqual(expectStatus(await root('POST', 'identity/oidc/introspect', { token }), 200, 'introspect'), { active: false, error: 'entity is disabled' });
    } finally {
      expectStatus(await root('POST', `identity/entity/id/${alice.entityId}`, { disabled: false }), 204, 'enable entity');
    }
  });
});
