import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runServer } from '../harness/server.js';
import { refusal, request, startTlsServer, tempDir, TestCa, type CertFiles, type TlsServer } from './fixture.js';

describe('TLS listener', () => {
  const temp = tempDir('listener');
  let ca: TestCa;
  let serverCert: CertFiles;

  before(() => {
    ca = new TestCa(temp.dir, 'listener-ca');
    serverCert = ca.server('coffer-server');
  });
  after(() => temp.remove());

  describe('with the defaults', () => {
    let server: TlsServer;
    before(async () => {
      server = await startTlsServer({ dir: temp.dir, serverCert, ca: ca.cert });
    });
    after(() => server?.stop());

    it('serves the API over HTTPS to a client trusting the CA', async () => {
      assert.match(server.address, /^https:\/\/127\.0\.0\.1:\d+$/);
      const answer = await request(server.address, 'GET', 'auth/token/lookup-self', { ca: ca.cert, token: server.rootToken });
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual((answer.json as { data: { policies: string[] } }).data.policies, ['root']);
      assert.equal(answer.peer.subject.CN, 'coffer-server');
    });

    it('serves a client presenting a certificate of an unknown CA (asked for, not verified, by default as in Vault)', async () => {
      const stranger = new TestCa(temp.dir, 'unknown-ca').client('stranger');
      const answer = await request(server.address, 'GET', 'sys/health', { ca: ca.cert, client: stranger });
      assert.equal(answer.status, 200);
    });

    it('is refused by a client that does not trust the CA', async () => {
      assert.match(await refusal(request(server.address, 'GET', 'sys/health')), /unable to verify the first certificate|self[- ]signed certificate|unable to get local issuer/);
    });

    it('accepts TLS 1.2 and 1.3 (tls_min_version defaults to tls12)', async () => {
      const tls12 = await request(server.address, 'GET', 'sys/health', { ca: ca.cert, maxVersion: 'TLSv1.2' });
      assert.equal(tls12.protocol, 'TLSv1.2');
      const tls13 = await request(server.address, 'GET', 'sys/health', { ca: ca.cert, minVersion: 'TLSv1.3' });
      assert.equal(tls13.protocol, 'TLSv1.3');
    });

    it('refuses a TLS 1.1 client', async () => {
      // The client must be allowed to go that low: OpenSSL 3 only offers TLS 1.1 at security level 0.
      const message = await refusal(request(server.address, 'GET', 'sys/health', { ca: ca.cert, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }));
      assert.match(message, /protocol version|no protocols available|unsupported protocol/i);
    });
  });

  describe('tls_min_version = "tls13"', () => {
    let server: TlsServer;
    before(async () => {
      server = await startTlsServer({ dir: temp.dir, serverCert, ca: ca.cert, listenerLines: ['tls_min_version = "tls13"'] });
    });
    after(() => server?.stop());

    it('refuses a client that speaks at most TLS 1.2', async () => {
      assert.match(await refusal(request(server.address, 'GET', 'sys/health', { ca: ca.cert, maxVersion: 'TLSv1.2' })), /protocol version|alert/i);
    });

    it('serves a TLS 1.3 client', async () => {
      const answer = await request(server.address, 'GET', 'sys/health', { ca: ca.cert });
      assert.equal(answer.status, 200);
      assert.equal(answer.protocol, 'TLSv1.3');
    });
  });

  describe('tls_max_version = "tls12" with tls_cipher_suites in Go\'s names', () => {
    let server: TlsServer;
    before(async () => {
      server = await startTlsServer({
        dir: temp.dir,
        serverCert,
        ca: ca.cert,
        listenerLines: ['tls_max_version = "tls12"', 'tls_cipher_suites = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"'],
      });
    });
    after(() => server?.stop());

    it('negotiates the configured suite over TLS 1.2', async () => {
      const answer = await request(server.address, 'GET', 'sys/health', { ca: ca.cert });
      assert.equal(answer.protocol, 'TLSv1.2');
      assert.equal(answer.cipher, 'ECDHE-ECDSA-AES128-GCM-SHA256');
    });

    it('refuses a client offering only other suites', async () => {
      const message = await refusal(request(server.address, 'GET', 'sys/health', { ca: ca.cert, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }));
      assert.match(message, /handshake failure|no shared cipher|alert/i);
    });

    it('refuses a TLS 1.3 client', async () => {
      assert.match(await refusal(request(server.address, 'GET', 'sys/health', { ca: ca.cert, minVersion: 'TLSv1.3' })), /protocol version|alert/i);
    });
  });

  describe('refusing a bad TLS configuration', () => {
    /** Runs `coffer server -config` with this listener stanza body; it is expected to exit by itself. */
    async function runWith(listenerBody: string): Promise<{ code: number | null; stderr: string; file: string }> {
      // Line 1-3: storage; line 4: listener; line 5: address; the listener body starts at line 6.
      const { code, stderr, configFile } = await runServer({ config: { listeners: [`listener "tcp" {\n  address = "127.0.0.1:0"\n${listenerBody}}\n`] } });
      return { code, stderr, file: configFile! };
    }
    const certLines = () => `  tls_cert_file = "${serverCert.cert}"\n  tls_key_file = "${serverCert.key}"\n`;

    it('exits 1 for an unknown tls_min_version, naming file and line', async () => {
      const result = await runWith(`${certLines()}  tls_min_version = "tls14"\n`);
      assert.equal(result.code, 1, result.stderr);
      assert.ok(result.stderr.includes(`${result.file}:8`), result.stderr);
      assert.match(result.stderr, /tls_min_version must be one of tls10, tls11, tls12, tls13/);
    });

    it('exits 1 for a tls_max_version older than tls_min_version', async () => {
      const result = await runWith(`${certLines()}  tls_min_version = "tls13"\n  tls_max_version = "tls12"\n`);
      assert.equal(result.code, 1, result.stderr);
      assert.ok(result.stderr.includes(`${result.file}:9`), result.stderr);
    });

    it('exits 1 for a cipher suite it does not know, naming it', async () => {
      const result = await runWith(`${certLines()}  tls_cipher_suites = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_MADE_UP"\n`);
      assert.equal(result.code, 1, result.stderr);
      assert.ok(result.stderr.includes(`${result.file}:8`), result.stderr);
      assert.match(result.stderr, /unknown cipher suite "TLS_MADE_UP"/);
    });

    it('exits 1 for an insecure cipher suite (RC4, 3DES)', async () => {
      const result = await runWith(`${certLines()}  tls_cipher_suites = "TLS_RSA_WITH_RC4_128_SHA"\n`);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /TLS_RSA_WITH_RC4_128_SHA is insecure and not supported/);
    });

    it('exits 1 when client certificates are both required and disabled', async () => {
      const result = await runWith(`${certLines()}  tls_require_and_verify_client_cert = true\n  tls_disable_client_certs = true\n`);
      assert.equal(result.code, 1, result.stderr);
      assert.ok(result.stderr.includes(`${result.file}:9`), result.stderr);
      assert.match(result.stderr, /mutually exclusive/);
    });

    it('exits 1 for a certificate file that does not exist, naming it', async () => {
      const missing = join(temp.dir, 'missing.pem');
      const result = await runWith(`  tls_cert_file = "${missing}"\n  tls_key_file = "${serverCert.key}"\n`);
      assert.equal(result.code, 1, result.stderr);
      assert.ok(result.stderr.includes(`tls_cert_file ${missing}`), result.stderr);
    });

    it('exits 1 for a key that does not match the certificate, without printing the key', async () => {
      const other = ca.server('mismatch');
      const result = await runWith(`  tls_cert_file = "${serverCert.cert}"\n  tls_key_file = "${other.key}"\n`);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /unusable TLS certificate, key or client CA/);
      assert.doesNotMatch(result.stderr, /PRIVATE KEY/);
    });

    it('exits 1 for a max_request_duration that is not a duration', async () => {
      const result = await runWith(`  tls_disable = true\n  max_request_duration = "soon"\n`);
      assert.equal(result.code, 1, result.stderr);
      assert.ok(result.stderr.includes(`${result.file}:7`), result.stderr);
      assert.match(result.stderr, /max_request_duration must be a duration/);
    });
  });
});
