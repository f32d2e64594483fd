import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../../harness/errors.js';
import { api } from '../../harness/http.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { AUDIENCE, claims, enableJwt, loggedIn, login, write } from './fixture.js';
import { IdpStub, newKey, sign, type SigningKey } from './idp.js';

/** A self-signed certificate for 127.0.0.1, made with the openssl command. */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-jwt-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=coffer-test-idp', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('jwt key sources over HTTPS with a private CA', () => {
  let server: TestServer;
  let idp: IdpStub;
  let rsa: SigningKey;
  let ca: string;

  before(async () => {
    rsa = await newKey('RS256');
    const tls = selfSignedCertificate();
    ca = tls.cert;
    idp = await IdpStub.start([rsa], tls);
    server = await startServer();
    await enableJwt(server.address, server.rootToken, 'jwks');
    await enableJwt(server.address, server.rootToken, 'discovery');
  });

  after(async () => {
    await server?.destroy();
    await idp?.close();
  });

  it('refuses an HTTPS JWKS URL whose certificate is not trusted', async () => {
    assertErrorAnswer(
      await api(server.address, 'POST', 'auth/jwks/config', { token: server.rootToken, body: { jwks_url: idp.jwksUrl } }),
      400,
      /^error checking jwks URL: .*self[- ]signed certificate/,
    );
  });

  it('fetches the JWKS through jwks_ca_pem and logs in with its keys', async () => {
    await write(server.address, server.rootToken, 'auth/jwks/config', { jwks_url: idp.jwksUrl, jwks_ca_pem: ca });
    await write(server.address, server.rootToken, 'auth/jwks/role/r', { role_type: 'jwt', bound_audiences: [AUDIENCE], token_policies: ['tls'] });
    const auth = loggedIn(await login(server.address, 'jwks', { role: 'r', jwt: await sign(rsa, claims()) }));
    assert.ok(auth.token_policies.includes('tls'));
  });

  it('discovers over HTTPS through oidc_discovery_ca_pem, for the document and its jwks_uri', async () => {
    assertErrorAnswer(
      await api(server.address, 'POST', 'auth/discovery/config', { token: server.rootToken, body: { oidc_discovery_url: idp.url } }),
      400,
      /^error checking oidc discovery URL: .*self[- ]signed certificate/,
    );
    await write(server.address, server.rootToken, 'auth/discovery/config', { oidc_discovery_url: idp.url, oidc_discovery_ca_pem: ca });
    await write(server.address, server.rootToken, 'auth/discovery/role/r', { role_type: 'jwt', bound_audiences: [AUDIENCE] });
    loggedIn(await login(server.address, 'discovery', { role: 'r', jwt: await sign(rsa, claims({ iss: idp.url })) }));
  });
});
