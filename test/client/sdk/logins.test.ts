import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  appRoleAuth,
  CofferApiError,
  jwtAuth,
  kubernetesAuth,
  LoginNotRepeatable,
  tokenAuth,
  userpassAuth,
  wrappedTokenAuth,
  WrappingTokenError,
  type AuthSession,
  type CofferClient,
  type LoginMethod,
} from '../../../src/client/index.js';
import { claims, AUDIENCE } from '../../auth/jwt/fixture.js';
import { newKey, sign, type SigningKey } from '../../auth/jwt/idp.js';
import { TokenIssuer, TokenReviewStandIn } from '../../auth/kubernetes/fixture.js';
import { authenticatorFor, enableTotp } from '../../auth/userpass/fixture.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { appClient, appRole, rootClient, unique } from './fixture.js';

// Every SDK login method against a real dev server. Kubernetes logins are reviewed by the
// harness's TokenReview STAND-IN (no Kubernetes API server can run here); JWTs are signed by keys
// made for this run and checked by the server against static public keys.

const REVIEWER = `reviewer-${randomUUID()}`;
const ISSUER = 'https://idp.sdk.test';

describe('SDK logins (real server; Kubernetes through a TokenReview stand-in)', () => {
  let server: TestServer;
  let root: CofferClient;
  let dir: string;
  let standIn: TokenReviewStandIn;
  let cluster: TokenIssuer;
  let idpKey: SigningKey;

  /** Logs in with `method` on a fresh client and checks the session's token reads what `prefix` allows. */
  async function loggedInCanRead(method: LoginMethod, prefix: string): Promise<{ client: CofferClient; token: string; session: AuthSession }> {
    const client = appClient(server.address);
    const session = await client.authenticate(method);
    assert.equal(client.token, session.token);
    assert.equal(((await client.kv.get(`secret/${prefix}probe`)).secret!.data as { data: { ok: string } }).data.ok, 'yes');
    return { client, token: session.token, session };
  }

  /** A policy reading secret/data/<prefix>*, and a secret there to read. */
  async function readablePrefix(): Promise<{ policy: string; prefix: string }> {
    const policy = unique('sdk-login');
    const prefix = `${policy}/`;
    await root.policy.write(policy, `path "secret/data/${prefix}*" { capabilities = ["read"] }`);
    await root.kv.put(`secret/${prefix}probe`, { ok: 'yes' });
    return { policy, prefix };
  }

  before(async () => {
    server = await startServer();
    root = rootClient(server.address, server.rootToken);
    dir = await mkdtemp(join(tmpdir(), 'coffer-sdk-logins-'));
    await root.auth.enable('approle', { type: 'approle' });
    await root.auth.enable('userpass', { type: 'userpass' });
    await root.auth.enable('jwt', { type: 'jwt' });
    await root.auth.enable('kubernetes', { type: 'kubernetes' });
    standIn = await TokenReviewStandIn.start({ reviewerToken: REVIEWER });
    cluster = await TokenIssuer.create();
    await root.write('auth/kubernetes/config', { kubernetes_host: standIn.url, token_reviewer_jwt: REVIEWER, disable_local_ca_jwt: true });
    idpKey = await newKey('ES256');
    await root.write('auth/jwt/config', { jwt_validation_pubkeys: [idpKey.publicPem], jwt_supported_algs: ['ES256'], bound_issuer: ISSUER });
  });
  after(async () => {
    await standIn?.stop();
    await server?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('token: TTL and renewability come from lookup-self, and it cannot log in again once gone', async () => {
    const { policy, prefix } = await readablePrefix();
    const token = (await root.tokens.create({ policies: [policy], ttl: '10m' }))!.auth!.client_token;
    const method = tokenAuth(token);
    const { client, session } = await loggedInCanRead(method, prefix);
    assert.ok(session.auth.lease_duration > 590 && session.auth.lease_duration <= 600);
    assert.equal(session.auth.renewable, true);
    await assert.rejects(method.login(client), LoginNotRepeatable);
    await client.close();
  });

  it('AppRole: role id and secret id', async () => {
    const { policy, prefix } = await readablePrefix();
    const { login } = await appRole(root, { ttl: '10m', maxTtl: '1h', policy });
    const { client } = await loggedInCanRead(appRoleAuth(login), prefix);
    await client.close();
  });

  it('AppRole: a wrapped secret id is looked up, checked against its creation path, unwrapped once, and kept for later logins', async () => {
    const { policy, prefix } = await readablePrefix();
    const { role, login } = await appRole(root, { ttl: '10m', maxTtl: '1h', policy });
    const wrapped = (await root.request('POST', `auth/approle/role/${role}/secret-id`, { body: {}, wrapTTL: '60s' }))!.wrap_info!;
    assert.equal(wrapped.creation_path, `auth/approle/role/${role}/secret-id`);
    const method = appRoleAuth({ roleId: login.roleId, wrappedSecretId: wrapped.token });
    const { client } = await loggedInCanRead(method, prefix);
    // The wrapping token is used up; the next login uses the secret id it held.
    await assert.rejects(root.wrapping.lookup(wrapped.token), (err: unknown) => err instanceof WrappingTokenError && err.reason === 'invalid');
    const again = await method.login(client);
    assert.ok(again.client_token);
    await client.close();
  });

  it('AppRole: a wrapping token made elsewhere is refused before use and left unused; a used one is refused as invalid', async () => {
    const { role, login } = await appRole(root, { ttl: '10m', maxTtl: '1h' });
    // A token wrapping something that looks like a secret id, but made by sys/wrapping/wrap: a swap.
    const forged = await root.wrapping.wrapData({ secret_id: 'not-from-approle' }, '60s');
    await assert.rejects(appClient(server.address).authenticate(appRoleAuth({ roleId: login.roleId, wrappedSecretId: forged.token })), (err: unknown) => {
      assert.ok(err instanceof WrappingTokenError);
      assert.equal(err.reason, 'creation_path');
      assert.equal(err.creationPath, 'sys/wrapping/wrap');
      return true;
    });
    assert.equal((await root.wrapping.lookup(forged.token)).creation_path, 'sys/wrapping/wrap', 'still unused, for whoever investigates');
    const real = (await root.request('POST', `auth/approle/role/${role}/secret-id`, { body: {}, wrapTTL: '60s' }))!.wrap_info!;
    await root.unwrap(real.token); // intercepted: someone else unwrapped it first
    await assert.rejects(
      appClient(server.address).authenticate(appRoleAuth({ roleId: login.roleId, wrappedSecretId: real.token })),
      (err: unknown) => err instanceof WrappingTokenError && err.reason === 'invalid',
    );
  });

  it('Kubernetes (TokenReview stand-in): reads the service-account token file at every login', async () => {
    const { policy, prefix } = await readablePrefix();
    const role = unique('k8s');
    await root.write(`auth/kubernetes/role/${role}`, { bound_service_account_names: ['web'], bound_service_account_namespaces: ['shop'], audience: 'coffer', token_policies: [policy], token_ttl: '10m' });
    const tokenPath = join(dir, `${role}-token`);
    const issue = async () => {
      const uid = randomUUID();
      const jwt = await cluster.sign({ namespace: 'shop', name: 'web', uid, audience: 'coffer' });
      standIn.knows(jwt, { namespace: 'shop', name: 'web', uid, audiences: ['coffer'] });
      await writeFile(tokenPath, `${jwt}\n`);
      return jwt;
    };
    const first = await issue();
    const { client } = await loggedInCanRead(kubernetesAuth({ role, tokenPath }), prefix);
    // The kubelet rotates the projected token; the old one stops being valid.
    standIn.revoke(first);
    await issue();
    const session = await client.authenticate(kubernetesAuth({ role, tokenPath }));
    assert.ok(session.token);
    await client.close();
    await assert.rejects(appClient(server.address).authenticate(kubernetesAuth({ role, tokenPath: join(dir, 'missing') })), /ENOENT|missing/);
  });

  it('JWT: a token from a function, asked for at each login', async () => {
    const { policy, prefix } = await readablePrefix();
    const role = unique('jwt');
    await root.write(`auth/jwt/role/${role}`, { role_type: 'jwt', bound_audiences: [AUDIENCE], user_claim: 'sub', token_policies: [policy], token_ttl: '10m' });
    let issued = 0;
    const method = jwtAuth({ role, jwt: () => (issued++, sign(idpKey, claims({ iss: ISSUER, sub: 'svc-a' }))) });
    const { client } = await loggedInCanRead(method, prefix);
    await method.login(client);
    assert.equal(issued, 2);
    await client.close();
  });

  it('userpass with TOTP: the code is asked for at login', async () => {
    const { policy, prefix } = await readablePrefix();
    const username = unique('alice');
    const password = `pw-${randomUUID()}`;
    await root.write(`auth/userpass/users/${username}`, { password, token_policies: [policy] });
    const app = authenticatorFor(await enableTotp(server.address, server.rootToken, username));
    await assert.rejects(appClient(server.address).authenticate(userpassAuth({ username, password })), (err: unknown) => err instanceof CofferApiError && err.status === 400);
    const { client } = await loggedInCanRead(userpassAuth({ username, password, totp: () => app.generate() }), prefix);
    await client.close();
  });

  it('wrapped token (secret zero): the client holds only a single-use wrapping token; a second use and a forged one are refused', async () => {
    const { policy, prefix } = await readablePrefix();
    const wrapped = (await root.tokens.create({ policies: [policy], ttl: '10m' }, { wrapTTL: '60s' }))!.wrap_info!;
    const tokenFile = join(dir, `${unique('wrapped')}`);
    await writeFile(tokenFile, wrapped.token);
    const { client, token } = await loggedInCanRead(wrappedTokenAuth({ wrappingToken: { file: tokenFile } }), prefix);
    assert.equal((await root.tokens.lookup(token))!.data!.accessor, wrapped.wrapped_accessor);
    await assert.rejects(appClient(server.address).authenticate(wrappedTokenAuth({ wrappingToken: wrapped.token })), (err: unknown) => err instanceof WrappingTokenError && err.reason === 'invalid');
    const forged = await root.wrapping.wrapData({ token: 'x' }, '60s');
    await assert.rejects(appClient(server.address).authenticate(wrappedTokenAuth({ wrappingToken: forged.token })), (err: unknown) => err instanceof WrappingTokenError && err.reason === 'creation_path');
    await client.close({ revokeToken: true });
    await assert.rejects(root.tokens.lookup(token), (err: unknown) => err instanceof CofferApiError && err.status === 403);
  });
});
