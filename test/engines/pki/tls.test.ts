import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import tls from 'node:tls';
import { api } from '../../harness/http.js';
import { assertRefused, issue, pkiSuite, type Issued, type PkiSuite } from './fixture.js';

/** A TLS server on loopback presenting `cert` (leaf then chain) with `key`; answers "hello" and closes. */
async function tlsServer(key: string, cert: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = tls.createServer({ key, cert }, (socket) => socket.end('hello'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A client handshake trusting only `ca` (and checking `crl` when given): "ok", or the error code. */
function handshake(port: number, ca: string, crl?: string[]): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'app.example.com', ca, ...(crl ? { crl } : {}) }, () => {
      socket.destroy();
      resolve('ok');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

const crlPem = async (pki: PkiSuite, path: string) => (await api(pki.server.address, 'GET', path)).text;

// Real handshakes with Node's TLS (OpenSSL underneath) on certificates the engine issued: a client
// that trusts only the root accepts the leaf through the intermediate; after the intermediate is
// rotated (a new issuer, the old one revoked at the root) a CRL-checking client refuses what the
// old intermediate issued and accepts the new one's, and nothing else changes.
describe('pki engine: TLS handshakes and rotating the intermediate', () => {
  const pki = pkiSuite();

  it('a client trusting only the root completes a handshake with the issued leaf, and fails exactly where it should after the rotation', async () => {
    const oldLeaf = await issue(pki, { common_name: 'app.example.com', ttl: '1h' });
    const oldServer = await tlsServer(oldLeaf.private_key!, oldLeaf.certificate + oldLeaf.ca_chain.join(''));
    let newServer: Awaited<ReturnType<typeof tlsServer>> | undefined;
    let crossServer: Awaited<ReturnType<typeof tlsServer>> | undefined;
    try {
      const crls = async () => [await crlPem(pki, 'pki/crl/pem'), await crlPem(pki, 'pki_int/issuer/default/crl/pem')];
      assert.equal(await handshake(oldServer.port, pki.root), 'ok');
      assert.equal(await handshake(oldServer.port, pki.root, await crls()), 'ok', 'CRL checking, nothing revoked');
      assert.equal(await handshake(oldServer.port, oldLeaf.issuing_ca), 'UNABLE_TO_GET_ISSUER_CERT', 'trusting only the intermediate is not enough: the chain must reach a root');

      // Rotation: a new intermediate in the same mount, made the default; the old one revoked at the root and retired here.
      const oldIssuer = (await pki.call('GET', 'pki_int/issuer/default')).body.data as { issuer_id: string; serial_number: string; certificate: string };
      const oldCrl = await crlPem(pki, `pki_int/issuer/${oldIssuer.issuer_id}/crl/pem`);
      const csr = (await pki.call('POST', 'pki_int/intermediate/generate/internal', { common_name: 'Coffer Test Intermediate G2', key_type: 'ec' })).body.data as { csr: string };
      const signed = (await pki.call('POST', 'pki/root/sign-intermediate', { csr: csr.csr, common_name: 'Coffer Test Intermediate G2', ttl: '43800h' })).body.data as Issued;
      const imported = (await pki.call('POST', 'pki_int/intermediate/set-signed', { certificate: signed.certificate })).body.data as { imported_issuers: string[] };
      const newIssuerId = imported.imported_issuers[0]!;
      assert.notEqual(((await pki.call('GET', 'pki_int/config/issuers')).body.data as { default: string }).default, newIssuerId, 'an import does not move the default');
      await pki.call('POST', 'pki_int/config/issuers', { default: newIssuerId });
      await pki.call('POST', 'pki/revoke', { serial_number: oldIssuer.serial_number });
      await pki.call('POST', `pki_int/issuer/${oldIssuer.issuer_id}/revoke`);
      assertRefused(await pki.raw('POST', `pki_int/issuer/${oldIssuer.issuer_id}/issue/example-dot-com`, { common_name: 'app.example.com' }), 400, /does not have the issuing-certificates usage \(it was revoked\)/);

      const newLeaf = await issue(pki, { common_name: 'app.example.com', ttl: '1h' });
      assert.equal(newLeaf.issuing_ca.trim(), signed.certificate.trim());
      assert.ok(!newLeaf.ca_chain.some((c) => c.trim() === oldIssuer.certificate.trim()), 'the old intermediate is not in the new chain');
      newServer = await tlsServer(newLeaf.private_key!, newLeaf.certificate + newLeaf.ca_chain.join(''));
      // The old intermediate still signs its own CRL; clients fetch each issuer's from its CRL distribution point.
      const withRevocation = [await crlPem(pki, 'pki/crl/pem'), await crlPem(pki, 'pki_int/issuer/default/crl/pem'), oldCrl];
      assert.equal(await handshake(newServer.port, pki.root, withRevocation), 'ok', 'the new intermediate\'s leaf passes CRL checks');
      assert.equal(await handshake(newServer.port, pki.root), 'ok');
      assert.equal(await handshake(oldServer.port, pki.root, withRevocation), 'CERT_REVOKED', 'the old intermediate is on the root\'s CRL');
      assert.equal(await handshake(oldServer.port, pki.root), 'ok', 'a client that checks no CRL cannot know: only the CRL-checking one fails');
      // The old leaf presented with the new chain does not verify: its issuer is no longer there.
      crossServer = await tlsServer(oldLeaf.private_key!, oldLeaf.certificate + newLeaf.ca_chain.join(''));
      assert.equal(await handshake(crossServer.port, pki.root), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      await oldServer.close();
      await newServer?.close();
      await crossServer?.close();
    }
  });
});
