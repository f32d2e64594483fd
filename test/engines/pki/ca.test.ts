import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { api } from '../../harness/http.js';
import { assertRefused, opensslOk, pkiSuite, type Issued } from './fixture.js';

// CA management as Vault ≥ 1.11 has it: roots, intermediates made from a CSR, several issuers per
// mount with their keys, the default issuer, imports, re-signing a self-issued root, deleting all.
describe('pki engine: CAs, issuers and keys', () => {
  const pki = pkiSuite();

  it('generates an internal root: a self-signed CA certificate openssl accepts, its issuer and key listed, no private key answered', async () => {
    const root = await opensslOk(['x509', '-noout', '-text', '-in', await pki.file('root.pem', pki.root)]);
    assert.match(root, /Issuer: CN = Coffer Test Root/);
    assert.match(root, /Subject: CN = Coffer Test Root/);
    assert.match(root, /CA:TRUE/);
    assert.match(root, /Certificate Sign, CRL Sign/);
    assert.match(root, /ecdsa-with-SHA256/);
    await opensslOk(['verify', '-CAfile', await pki.file('root.pem', pki.root), await pki.file('root-again.pem', pki.root)]);
    const issuers = (await pki.call('LIST', 'pki/issuers')).body.data as { keys: string[]; key_info: Record<string, { issuer_name: string }> };
    assert.equal(issuers.keys.length, 1);
    assert.equal(issuers.key_info[issuers.keys[0]!]!.issuer_name, 'root-2026');
    const keys = (await pki.call('LIST', 'pki/keys')).body.data as { keys: string[] };
    assert.equal(keys.keys.length, 1);
    const key = (await pki.call('GET', `pki/key/${keys.keys[0]}`)).body.data as Record<string, unknown>;
    assert.deepEqual(Object.keys(key).sort(), ['key_bits', 'key_id', 'key_name', 'key_type']);
    assert.equal(key.key_type, 'ec');
  });

  it('exported root answers its private key once, in Vault\'s formats (pkcs8 on request), and pem_bundle puts it before the certificate', async () => {
    await pki.call('POST', 'sys/mounts/pki_exp', { type: 'pki' });
    const der = (await pki.call('POST', 'pki_exp/root/generate/exported', { common_name: 'Exported', key_type: 'rsa', ttl: '24h' })).body.data as Issued & { key_id: string };
    assert.equal(der.private_key_type, 'rsa');
    assert.match(der.private_key!, /^-----BEGIN RSA PRIVATE KEY-----/);
    const keyFile = await pki.file('exported.key', der.private_key!);
    const certFile = await pki.file('exported.pem', der.certificate);
    const modKey = await opensslOk(['rsa', '-noout', '-modulus', '-in', keyFile]);
    const modCert = await opensslOk(['x509', '-noout', '-modulus', '-in', certFile]);
    assert.equal(modKey, modCert, 'the answered key is the certificate\'s');
    const pkcs8 = (await pki.call('POST', 'pki_exp/root/generate/exported', { common_name: 'P8', key_type: 'ec', private_key_format: 'pkcs8', format: 'pem_bundle', issuer_name: 'p8' })).body.data as Issued;
    assert.match(pkcs8.private_key!, /^-----BEGIN PRIVATE KEY-----/);
    assert.match(pkcs8.certificate, /^-----BEGIN PRIVATE KEY-----[\s\S]+-----BEGIN CERTIFICATE-----/);
    // The first root became the default; the second did not replace it.
    const config = (await pki.call('GET', 'pki_exp/config/issuers')).body.data as { default: string };
    const first = (await pki.call('GET', 'pki_exp/issuer/default')).body.data as { issuer_id: string; certificate: string };
    assert.equal(config.default, first.issuer_id);
    assert.equal(first.certificate.trim(), der.certificate.trim());
  });

  it('builds root → intermediate: the CSR path, sign-intermediate and set-signed give an issuer whose chain openssl verifies', async () => {
    const rootFile = await pki.file('root.pem', pki.root);
    await opensslOk(['verify', '-CAfile', rootFile, await pki.file('int.pem', pki.intermediate)]);
    const text = await opensslOk(['x509', '-noout', '-text', '-in', await pki.file('int.pem', pki.intermediate)]);
    assert.match(text, /Issuer: CN = Coffer Test Root/);
    assert.match(text, /CA:TRUE/);
    const issuer = (await pki.call('GET', 'pki_int/issuer/default')).body.data as { ca_chain: string[]; key_id: string; usage: string; leaf_not_after_behavior: string };
    assert.equal(issuer.ca_chain.length, 1, 'the intermediate mount does not hold the root');
    assert.notEqual(issuer.key_id, '', 'paired with the key its CSR was made with');
    assert.equal(issuer.usage, 'read-only,issuing-certificates,crl-signing,ocsp-signing');
    assert.equal(issuer.leaf_not_after_behavior, 'err');
    // Importing the root into the intermediate mount (certificate only) completes the chain.
    const imported = (await pki.call('POST', 'pki_int/issuers/import/cert', { pem_bundle: pki.root })).body.data as { imported_issuers: string[]; mapping: Record<string, string> };
    assert.equal(imported.imported_issuers.length, 1);
    assert.equal(imported.mapping[imported.imported_issuers[0]!], '', 'no key for the root here');
    const chained = (await pki.call('GET', 'pki_int/issuer/default')).body.data as { ca_chain: string[] };
    assert.equal(chained.ca_chain.length, 2);
    const caChain = await api(pki.server.address, 'GET', 'pki_int/ca_chain');
    assert.equal(caChain.status, 200);
    assert.equal((caChain.text.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
    await pki.call('DELETE', `pki_int/issuer/${imported.imported_issuers[0]}`);
  });

  it('serves ca, ca/pem, ca_chain, cert/ca and cert/ca_chain without a token, in DER, PEM and JSON', async () => {
    const anon = (path: string) => api(pki.server.address, 'GET', path);
    const der = await fetch(`${pki.server.address}/v1/pki/ca`);
    assert.equal(der.headers.get('content-type'), 'application/pkix-cert');
    const derFile = await pki.file('ca.der', Buffer.from(await der.arrayBuffer()));
    assert.match(await opensslOk(['x509', '-inform', 'der', '-noout', '-subject', '-in', derFile]), /CN = Coffer Test Root/);
    const pem = await anon('pki/ca/pem');
    assert.equal(pem.status, 200);
    assert.equal(pem.text.trim(), pki.root.trim());
    const json = (await anon('pki/cert/ca')).body as { data: { certificate: string } };
    assert.equal(json.data.certificate.trim(), pki.root.trim());
    const chain = (await anon('pki_int/cert/ca_chain')).body as { data: { ca_chain: string } };
    assert.match(chain.data.ca_chain, /BEGIN CERTIFICATE/);
    const issuerJson = (await anon('pki/issuer/root-2026/json')).body as { data: { certificate: string } };
    assert.equal(issuerJson.data.certificate.trim(), pki.root.trim());
    // The privileged reads are not open.
    assert.equal((await anon('pki/issuer/root-2026')).status, 403);
    assert.equal((await api(pki.server.address, 'LIST', 'pki/keys')).status, 403);
  });

  it('keys/generate then root/generate/existing makes a root on that key; type=existing reuses it, no new key', async () => {
    await pki.call('POST', 'sys/mounts/pki_existing', { type: 'pki' });
    const key = (await pki.call('POST', 'pki_existing/keys/generate/internal', { key_type: 'ec', key_bits: 384, key_name: 'pre-made' })).body.data as { key_id: string; key_type: string; key_bits: number };
    assert.equal(key.key_bits, 384);
    const root = (await pki.call('POST', 'pki_existing/root/generate/existing', { common_name: 'On Existing Key', key_ref: 'pre-made' })).body.data as { key_id: string; certificate: string };
    assert.equal(root.key_id, key.key_id);
    assert.equal(((await pki.call('LIST', 'pki_existing/keys')).body.data as { keys: string[] }).keys.length, 1);
    assert.match(await opensslOk(['x509', '-noout', '-text', '-in', await pki.file('p384.pem', root.certificate)]), /ASN1 OID: secp384r1[\s\S]+ecdsa-with-SHA384/);
  });

  it('renames an issuer, refuses a taken or reserved name, sets usage, and the new name resolves', async () => {
    await pki.call('POST', 'sys/mounts/pki_names', { type: 'pki' });
    await pki.call('POST', 'pki_names/root/generate/internal', { common_name: 'A', key_type: 'ec', issuer_name: 'a' });
    await pki.call('POST', 'pki_names/root/generate/internal', { common_name: 'B', key_type: 'ec', issuer_name: 'b' });
    assertRefused(await pki.raw('POST', 'pki_names/issuer/a', { issuer_name: 'b' }), 400, 'issuer name already in use');
    assertRefused(await pki.raw('POST', 'pki_names/issuer/a', { issuer_name: 'default' }), 400, "reserved keyword 'default' can not be used as issuer name");
    assertRefused(await pki.raw('POST', 'pki_names/issuer/a', { issuer_name: 'a2', usage: 'read-only,teleport' }), 400, 'unknown usage: teleport');
    assert.equal(((await pki.call('GET', 'pki_names/issuer/a')).body.data as { issuer_name: string }).issuer_name, 'a', 'nothing changed');
    const renamed = (await pki.call('POST', 'pki_names/issuer/a', { issuer_name: 'a2', usage: 'read-only,crl-signing', leaf_not_after_behavior: 'truncate' })).body.data as Record<string, unknown>;
    assert.equal(renamed.issuer_name, 'a2');
    assert.equal(renamed.usage, 'read-only,crl-signing');
    assert.equal(renamed.leaf_not_after_behavior, 'truncate');
    assertRefused(await pki.raw('GET', 'pki_names/issuer/a'), 400, 'unable to find PKI issuer for reference: a');
    // Without issuing-certificates it cannot sign; config/issuers moves the default to b.
    await pki.call('POST', 'pki_names/roles/any', { allow_any_name: true, key_type: 'ec', issuer_ref: 'a2' });
    assertRefused(await pki.raw('POST', 'pki_names/issue/any', { common_name: 'x.test' }), 400, /does not have the issuing-certificates usage/);
    const b = (await pki.call('GET', 'pki_names/issuer/b')).body.data as { issuer_id: string };
    const set = (await pki.call('POST', 'pki_names/config/issuers', { default: 'b' })).body.data as { default: string };
    assert.equal(set.default, b.issuer_id);
  });

  it('deleting the default issuer clears the default with a warning; a key in use cannot be deleted', async () => {
    await pki.call('POST', 'sys/mounts/pki_del', { type: 'pki' });
    const root = (await pki.call('POST', 'pki_del/root/generate/internal', { common_name: 'Del', key_type: 'ec', issuer_name: 'del', key_name: 'del-key' })).body.data as { key_id: string };
    assertRefused(await pki.raw('DELETE', 'pki_del/key/del-key'), 400, /unable to delete key as it is in use by issuers/);
    const deleted = await pki.call('DELETE', 'pki_del/issuer/del');
    assert.match(String((deleted.body.warnings as string[])[0]), /default issuer/);
    assert.equal(((await pki.call('GET', 'pki_del/config/issuers')).body.data as { default: string }).default, '');
    assertRefused(await pki.raw('GET', 'pki_del/ca/pem'), 400, 'no default issuer currently configured');
    const keyGone = await pki.call('DELETE', `pki_del/key/${root.key_id}`);
    assert.match(String((keyGone.body.warnings as string[])[0]), /default key/);
    assert.equal((await pki.raw('LIST', 'pki_del/keys')).status, 404);
  });

  it('config/ca imports an openssl-made CA and its key: it issues, and re-importing reports them as existing', async () => {
    const key = await pki.file('ext-ca.key', '');
    await opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    const cert = await pki.file('ext-ca.pem', '');
    await opensslOk(['req', '-x509', '-new', '-key', key, '-subj', '/CN=External CA', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', cert]);
    const { readFile } = await import('node:fs/promises');
    const bundle = (await readFile(key, 'utf8')) + (await readFile(cert, 'utf8'));
    await pki.call('POST', 'sys/mounts/pki_ext', { type: 'pki' });
    const first = (await pki.call('POST', 'pki_ext/config/ca', { pem_bundle: bundle })).body.data as { imported_issuers: string[]; imported_keys: string[]; mapping: Record<string, string> };
    assert.equal(first.imported_issuers.length, 1);
    assert.equal(first.imported_keys.length, 1);
    assert.equal(first.mapping[first.imported_issuers[0]!], first.imported_keys[0]);
    const again = (await pki.call('POST', 'pki_ext/config/ca', { pem_bundle: bundle })).body.data as { imported_issuers: null; existing_issuers: string[]; existing_keys: string[] };
    assert.equal(again.imported_issuers, null);
    assert.deepEqual(again.existing_issuers, first.imported_issuers);
    assert.deepEqual(again.existing_keys, first.imported_keys);
    await pki.call('POST', 'pki_ext/roles/r', { allow_any_name: true, key_type: 'ec' });
    const leaf = (await pki.call('POST', 'pki_ext/issue/r', { common_name: 'svc.internal', ttl: '24h' })).body.data as Issued;
    // The issuer's leaf_not_after_behavior (err) refuses what would outlive the 30-day CA.
    assertRefused(await pki.raw('POST', 'pki_ext/issue/r', { common_name: 'svc.internal' }), 400, /cannot satisfy request, as TTL would result in notAfter of .* that is beyond the expiration of the CA certificate at /);
    await opensslOk(['verify', '-CAfile', cert, await pki.file('ext-leaf.pem', leaf.certificate)]);
    // A bundle holding a non-CA certificate is refused whole.
    const before = ((await pki.call('LIST', 'pki_ext/issuers')).body.data as { keys: string[] }).keys;
    assertRefused(await pki.raw('POST', 'pki_ext/config/ca', { pem_bundle: leaf.certificate }), 400, /refusing to import non-CA certificate/);
    assertRefused(await pki.raw('POST', 'pki_ext/config/ca', { pem_bundle: 'not pem' }), 400, 'no data found in PEM bundle');
    assert.deepEqual(((await pki.call('LIST', 'pki_ext/issuers')).body.data as { keys: string[] }).keys, before);
  });

  it('sign-self-issued re-signs another self-signed root under this one (sudo), keeping its subject, key and serial', async () => {
    const key = await pki.file('other-root.key', '');
    await opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    const cert = await pki.file('other-root.pem', '');
    await opensslOk(['req', '-x509', '-new', '-key', key, '-subj', '/CN=Other Root', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-out', cert]);
    const { readFile } = await import('node:fs/promises');
    const signed = (await pki.call('POST', 'pki/root/sign-self-issued', { certificate: await readFile(cert, 'utf8') })).body.data as { certificate: string };
    const file = await pki.file('cross.pem', signed.certificate);
    await opensslOk(['verify', '-CAfile', await pki.file('root.pem', pki.root), '-partial_chain', file]);
    const text = await opensslOk(['x509', '-noout', '-subject', '-issuer', '-serial', '-in', file]);
    const original = await opensslOk(['x509', '-noout', '-serial', '-in', cert]);
    assert.match(text, /subject=CN = Other Root/);
    assert.match(text, /issuer=CN = Coffer Test Root/);
    assert.ok(text.includes(original.trim()), 'same serial');
    assertRefused(await pki.raw('POST', 'pki/root/sign-self-issued', { certificate: pki.intermediate }), 400, 'given certificate is not self-issued');
  });

  it('refuses bad CA requests with 400 and changes nothing', async () => {
    await pki.call('POST', 'sys/mounts/pki_bad', { type: 'pki' });
    assertRefused(await pki.raw('POST', 'pki_bad/root/generate/internal', { key_type: 'ec' }), 400, /the common_name field is required/);
    assertRefused(await pki.raw('POST', 'pki_bad/root/generate/internal', { common_name: 'x', key_type: 'dsa' }), 400, 'unknown key type: dsa');
    assertRefused(await pki.raw('POST', 'pki_bad/root/generate/internal', { common_name: 'x', key_type: 'rsa', key_bits: 1024 }), 400, 'unsupported bit length for RSA key: 1024');
    assertRefused(await pki.raw('POST', 'pki_bad/root/generate/kms', { common_name: 'x' }), 400, /managed keys/);
    assertRefused(await pki.raw('POST', 'pki_bad/root/generate/internal', { common_name: 'x', ttl: 'forever' }), 400, /ttl/);
    assertRefused(await pki.raw('POST', 'pki_bad/intermediate/set-signed', { certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }), 400);
    assertRefused(await pki.raw('POST', 'pki/root/sign-intermediate', { csr: 'garbage', common_name: 'x' }), 400, 'certificate request could not be parsed');
    assert.equal((await pki.raw('LIST', 'pki_bad/issuers')).status, 404);
    assert.equal((await pki.raw('LIST', 'pki_bad/keys')).status, 404);
  });

  it('DELETE root (sudo) removes every issuer and key of the mount', async () => {
    await pki.call('POST', 'sys/mounts/pki_wipe', { type: 'pki' });
    await pki.call('POST', 'pki_wipe/root/generate/internal', { common_name: 'Wipe', key_type: 'ec' });
    await pki.call('PUT', 'sys/policy/wipe-no-sudo', { policy: 'path "pki_wipe/*" { capabilities = ["create", "read", "update", "delete", "list"] }' });
    const token = ((await pki.call('POST', 'auth/token/create', { policies: ['wipe-no-sudo'] })).body.auth as { client_token: string }).client_token;
    assert.equal((await api(pki.server.address, 'DELETE', 'pki_wipe/root', { token })).status, 403, 'needs sudo');
    assert.equal((await pki.raw('LIST', 'pki_wipe/issuers')).status, 200);
    assert.equal((await pki.raw('DELETE', 'pki_wipe/root')).status, 204);
    assert.equal((await pki.raw('LIST', 'pki_wipe/issuers')).status, 404);
    assert.equal((await pki.raw('LIST', 'pki_wipe/keys')).status, 404);
  });
});

describe('pki engine: CA private keys at rest', () => {
  it('a CA key imported with config/ca is only ciphertext in the SQLite file, and still signs', async () => {
    const { mkdtemp, readFile, rm, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { createPrivateKey } = await import('node:crypto');
    const { startServer } = await import('../../harness/server.js');
    const { databaseFiles, occurrences } = await import('../../harness/at-rest-scan.js');
    const dir = await mkdtemp(join(tmpdir(), 'coffer-pki-rest-'));
    const server = await startServer({ config: {} });
    try {
      const key = join(dir, 'ca.key');
      const cert = join(dir, 'ca.pem');
      await opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
      await opensslOk(['req', '-x509', '-new', '-key', key, '-subj', '/CN=At Rest CA', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-out', cert]);
      const keyPem = await readFile(key, 'utf8');
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await api(server.address, method, path, { token: server.rootToken, body });
        assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
        return res;
      };
      await call('POST', 'sys/mounts/pki', { type: 'pki' });
      await call('POST', 'pki/config/ca', { pem_bundle: keyPem + (await readFile(cert, 'utf8')) });
      await call('POST', 'pki/roles/r', { allow_any_name: true, key_type: 'ec', ttl: '1h' });
      const leaf = (await call('POST', 'pki/issue/r', { common_name: 'rest.test' })).body.data as Issued;
      await writeFile(join(dir, 'leaf.pem'), leaf.certificate);
      await opensslOk(['verify', '-CAfile', cert, join(dir, 'leaf.pem')]);
      const object = createPrivateKey(keyPem);
      const needles = new Map<string, Buffer>([
        ['CA key (PKCS#8 DER)', object.export({ type: 'pkcs8', format: 'der' })],
        ['CA key (SEC1 DER)', object.export({ type: 'sec1', format: 'der' })],
        ['CA key scalar', Buffer.from(object.export({ format: 'jwk' }).d!, 'base64url')],
      ]);
      assert.deepEqual(occurrences(await databaseFiles(server.dir), needles), []);
    } finally {
      await server.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
