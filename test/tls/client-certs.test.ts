import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { refusal, request, startTlsServer, tempDir, TestCa, type CertFiles, type TlsServer } from './fixture.js';

describe('tls_require_and_verify_client_cert with tls_client_ca_file', () => {
  const temp = tempDir('mtls');
  let ca: TestCa;
  let goodClient: CertFiles;
  let strangerClient: CertFiles;
  let server: TlsServer;

  before(async () => {
    ca = new TestCa(temp.dir, 'mtls-ca');
    goodClient = ca.client('app');
    // Same subject as a client of our CA, issued by a CA the server does not trust.
    strangerClient = new TestCa(temp.dir, 'stranger-ca').client('app-elsewhere');
    server = await startTlsServer({
      dir: temp.dir,
      serverCert: ca.server('mtls-server'),
      ca: ca.cert,
      clientCert: goodClient,
      listenerLines: ['tls_require_and_verify_client_cert = true', `tls_client_ca_file = "${ca.cert}"`],
    });
  });
  after(async () => {
    await server?.stop();
    temp.remove();
  });

  it('refuses a TLS 1.3 client that presents no certificate (alert: certificate required)', async () => {
    assert.match(await refusal(request(server.address, 'GET', 'sys/health', { ca: ca.cert })), /certificate required/);
  });

  it('refuses a TLS 1.2 client that presents no certificate (alert: handshake failure)', async () => {
    assert.match(await refusal(request(server.address, 'GET', 'sys/health', { ca: ca.cert, maxVersion: 'TLSv1.2' })), /handshake failure/);
  });

  it('refuses a client whose certificate another CA issued', async () => {
    const message = await refusal(request(server.address, 'GET', 'sys/health', { ca: ca.cert, client: strangerClient }));
    // Node verifies the client's chain once the handshake is done and then drops the connection.
    assert.match(message, /unknown ca|bad certificate|socket hang up|ECONNRESET/i);
  });

  it('serves a client whose certificate the client CA issued', async () => {
    const answer = await request(server.address, 'GET', 'auth/token/lookup-self', { ca: ca.cert, client: goodClient, token: server.rootToken });
    assert.equal(answer.status, 200, answer.text);
  });
});
