import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import { StorageView } from '../../../src/core/storage-view.js';
import { CrlStore } from '../../../src/engines/pki/crl.js';
import { newSerial, signCertificate } from '../../../src/engines/pki/certificate.js';
import { storeGeneratedKey, storeIssuer } from '../../../src/engines/pki/issuers.js';
import { KEYS, type IssuerEntry, type RevokedEntry } from '../../../src/engines/pki/model.js';
import { x509 } from '../../../src/engines/pki/x509.js';
import { InmemBackend } from '../../../src/storage/inmem.js';

// The CRL store on its own: a CRL larger than a chunk is stored in pieces under a new generation,
// read back whole (by another CrlStore too: another node, a cold cache), and the previous
// generation's pieces are removed once the pointer moved.
describe('pki engine: chunked CRL storage', () => {
  it('stores a CRL of 300 revocations in 1 KiB chunks, serves it whole from a cold cache, and drops the old generation', async () => {
    const store = new StorageView(new InmemBackend());
    const spec = { type: 'ec' as const, bits: 256 };
    const pair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await signCertificate(
      { subject: [{ CN: ['CRL Root'] }], publicKey: pair.publicKey, serial: newSerial(), notBefore: new Date(now - 1000), notAfter: new Date(now + 86_400_000), ca: { maxPathLength: -1, permittedDnsDomains: [] }, keyUsage: x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, extKeyUsage: [], sans: { dns: [], email: [], ip: [], uri: [] } },
      { privateKey: pair.privateKey, algorithm: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams },
    );
    const { entry: key } = await storeGeneratedKey(store, pair, spec, 'k');
    const issuer: IssuerEntry = await storeIssuer(store, cert, key.id, 'root');
    const serials = Array.from({ length: 300 }, () => newSerial());
    for (const serial of serials) {
      await store.put(KEYS.revoked(serial), { serial, certificate: '', issuerId: issuer.id, revokedAt: now, notAfter: Math.floor(now / 1000) + 3600 } satisfies RevokedEntry);
    }
    const crls = new CrlStore(1024);
    await crls.rebuildAll(store, now);
    const first = await store.list(`${KEYS.crl(issuer.id)}1/`);
    assert.ok(first.length > 5, `stored in ${first.length} chunks`);
    const cold = new CrlStore(1024);
    const der = await cold.current(store, issuer, async () => assert.fail('no rebuild needed'));
    const crl = new x509.X509Crl(new Uint8Array(der!));
    assert.equal(crl.entries.length, 300);
    assert.ok(await crl.verify({ publicKey: cert.publicKey }));
    assert.deepEqual(new Set(crl.entries.map((e) => e.serialNumber.toLowerCase())), new Set(serials.map((s) => s.replace(/:/g, ''))));
    await crls.rebuildAll(store, now + 1000);
    assert.deepEqual(await store.list(`${KEYS.crl(issuer.id)}1/`), [], 'generation 1 removed');
    assert.ok((await store.list(`${KEYS.crl(issuer.id)}2/`)).length > 5);
    const again = new x509.X509Crl(new Uint8Array((await cold.current(store, issuer, async () => assert.fail('no rebuild needed')))!));
    assert.equal(again.entries.length, 300, 'the cold reader follows the pointer to generation 2');
    assert.equal(again.thisUpdate.getTime(), Math.floor((now + 1000) / 1000) * 1000);
  });
});
