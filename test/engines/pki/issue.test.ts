import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { api } from '../../harness/http.js';
import { assertRefused, issue, listedCerts, opensslOk, pkiSuite, verifyLeaf, type Issued } from './fixture.js';

// Roles and issuance: issue (server-side key), sign (CSR), sign-verbatim and the per-issuer
// variants, names checked as Vault checks them, lifetimes capped by max_ttl and the issuer.
describe('pki engine: roles and issuance', () => {
  const pki = pkiSuite();

  it('roles: POST writes Vault\'s defaults, read answers them, PATCH changes one field, LIST lists, DELETE removes', async () => {
    await pki.call('POST', 'pki_int/roles/defaults', { allowed_domains: ['a.test'] });
    const role = (await pki.call('GET', 'pki_int/roles/defaults')).body.data as Record<string, unknown>;
    for (const [k, v] of Object.entries({
      allow_localhost: true,
      enforce_hostnames: true,
      allow_ip_sans: true,
      server_flag: true,
      client_flag: true,
      key_type: 'rsa',
      key_bits: 2048,
      signature_bits: 256,
      use_csr_common_name: true,
      use_csr_sans: true,
      require_cn: true,
      generate_lease: false,
      no_store: false,
      not_before_duration: 30,
      ttl: 0,
      max_ttl: 0,
      issuer_ref: 'default',
    })) {
      assert.deepEqual(role[k], v, k);
    }
    assert.deepEqual(role.key_usage, ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment']);
    const patched = await api(pki.server.address, 'PATCH', 'pki_int/roles/defaults', { token: pki.server.rootToken, body: { max_ttl: '1h' }, headers: { 'Content-Type': 'application/merge-patch+json' } });
    assert.equal(patched.status, 200, patched.text);
    const after = (await pki.call('GET', 'pki_int/roles/defaults')).body.data as Record<string, unknown>;
    assert.equal(after.max_ttl, 3600);
    assert.deepEqual(after.allowed_domains, ['a.test'], 'PATCH kept the rest');
    await pki.call('POST', 'pki_int/roles/defaults', { max_ttl: '2h' });
    assert.deepEqual(((await pki.call('GET', 'pki_int/roles/defaults')).body.data as Record<string, unknown>).allowed_domains, [], 'POST replaces the role');
    const keys = ((await pki.call('LIST', 'pki_int/roles')).body.data as { keys: string[] }).keys;
    assert.deepEqual(keys.sort(), ['defaults', 'example-dot-com']);
    await pki.call('DELETE', 'pki_int/roles/defaults');
    assert.equal((await pki.raw('GET', 'pki_int/roles/defaults')).status, 404);
  });

  it('refuses a bad role with 400 and stores nothing', async () => {
    for (const [body, message] of [
      [{ key_type: 'dsa' }, 'unknown key type: dsa'],
      [{ key_type: 'ec', key_bits: 123 }, 'unsupported bit length for EC key: 123'],
      [{ ttl: '2h', max_ttl: '1h' }, '"ttl" value must be less than "max_ttl" value'],
      [{ generate_lease: true, no_store: true }, '"no_store" cannot be true when "generate_lease" is true'],
      [{ key_usage: ['Teleportation'] }, 'unknown key_usage "Teleportation"'],
      [{ issuer_ref: 'nobody' }, 'unable to find PKI issuer for reference: nobody'],
      [{ ttl: 'soon' }, /ttl/],
    ] as const) {
      assertRefused(await pki.raw('POST', 'pki_int/roles/bad', body), 400, message);
    }
    assert.equal((await pki.raw('GET', 'pki_int/roles/bad')).status, 404);
  });

  it('issues root → intermediate → leaf: openssl verifies the chain and shows the SANs, key usages and the config/urls URLs', async () => {
    const leaf = await issue(pki, { common_name: 'app.example.com', alt_names: 'api.example.com,ops@mail.example.com', ip_sans: '127.0.0.1', ttl: '1h' });
    assert.match(await verifyLeaf(pki, leaf.certificate), /OK/);
    assert.equal(leaf.private_key_type, 'ec');
    assert.match(leaf.private_key!, /^-----BEGIN EC PRIVATE KEY-----/);
    assert.match(leaf.serial_number, /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    assert.equal(leaf.issuing_ca.trim(), pki.intermediate.trim());
    assert.equal(leaf.ca_chain.length, 1);
    assert.ok(Math.abs(leaf.expiration - (Date.now() / 1000 + 3600)) < 60, 'expiration: unix seconds of notAfter');
    const text = await opensslOk(['x509', '-noout', '-text', '-in', await pki.file('leaf.pem', leaf.certificate)]);
    assert.match(text, /Subject: CN = app\.example\.com/);
    assert.match(text, /DNS:app\.example\.com, DNS:api\.example\.com, email:ops@mail\.example\.com, IP Address:127\.0\.0\.1/);
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment, Key Agreement/);
    assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.match(text, new RegExp(`OCSP - URI:${pki.server.address}/v1/pki_int/ocsp`));
    assert.match(text, new RegExp(`CA Issuers - URI:${pki.server.address}/v1/pki_int/ca`));
    assert.match(text, new RegExp(`URI:${pki.server.address}/v1/pki_int/crl`));
    // The key answered is the certificate's.
    const keyFile = await pki.file('leaf.key', leaf.private_key!);
    assert.equal(await opensslOk(['pkey', '-pubout', '-in', keyFile]), await opensslOk(['x509', '-pubkey', '-noout', '-in', await pki.file('leaf.pem', leaf.certificate)]));
    // Stored: listed, and readable by serial without a token.
    assert.ok((await listedCerts(pki)).includes(leaf.serial_number));
    const read = (await api(pki.server.address, 'GET', `pki_int/cert/${leaf.serial_number}`)).body as { data: { certificate: string; revocation_time: number } };
    assert.equal(read.data.certificate.trim(), leaf.certificate.trim());
    assert.equal(read.data.revocation_time, 0);
  });

  it('refuses names outside the role with Vault\'s messages, and changes nothing', async () => {
    const before = await listedCerts(pki);
    const refused = async (body: Record<string, unknown>, message: string) => assertRefused(await pki.raw('POST', 'pki_int/issue/example-dot-com', body), 400, message);
    await refused({ common_name: 'app.other.com' }, 'common name app.other.com not allowed by this role');
    await refused({ common_name: 'example.com' }, 'common name example.com not allowed by this role');
    await refused({ common_name: 'app.example.com', alt_names: 'evil.test' }, 'subject alternate name evil.test not allowed by this role');
    await refused({ common_name: 'app.example.com', alt_names: 'me@evil.test' }, 'email address me@evil.test not allowed by this role');
    await refused({ common_name: 'bad_host.example.com' }, 'common name bad_host.example.com not allowed by this role');
    await refused({ common_name: 'app.example.com', uri_sans: 'spiffe://x/y' }, 'URI Subject Alternative Names are not allowed in this role, but were provided via the API');
    await refused({ common_name: 'app.example.com', ip_sans: 'not-an-ip' }, 'the value "not-an-ip" is not a valid IP address');
    await refused({}, 'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false');
    await refused({ common_name: 'app.example.com', format: 'xml' }, 'invalid format "xml": pem, der or pem_bundle');
    await refused({ common_name: 'app.example.com', ttl: '1h', not_after: '2030-01-01T00:00:00Z' }, 'Either ttl or not_after should be provided. Both should not be provided in the same request.');
    assertRefused(await pki.raw('POST', 'pki_int/issue/nope', { common_name: 'a.example.com' }), 400, 'unknown role: nope');
    // Wildcards and localhost, as the role allows them.
    await issue(pki, { common_name: '*.example.com', ttl: '1m' });
    await issue(pki, { common_name: 'localhost', ttl: '1m' });
    const after = await listedCerts(pki);
    assert.equal(after.length, before.length + 2, 'only the two allowed requests stored anything');
  });

  it('caps the TTL at max_ttl with Vault\'s warning, and at the issuer per leaf_not_after_behavior', async () => {
    const capped = await pki.call('POST', 'pki_int/issue/example-dot-com', { common_name: 'cap.example.com', ttl: '100h' });
    assert.deepEqual(capped.body.warnings, ['TTL "100h0m0s" is longer than permitted maxTTL "72h0m0s", so maxTTL is being used']);
    const data = capped.body.data as Issued;
    assert.ok(Math.abs(data.expiration - (Date.now() / 1000 + 72 * 3600)) < 60);
    await pki.call('POST', 'pki_int/roles/long', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', max_ttl: '87600h' });
    const intermediateEnd = Math.floor(new Date((await opensslOk(['x509', '-noout', '-enddate', '-in', await pki.file('int.pem', pki.intermediate)])).split('=')[1]!.trim()).getTime() / 1000);
    assertRefused(await pki.raw('POST', 'pki_int/issue/long', { common_name: 'long.example.com', ttl: '50000h' }), 400, /cannot satisfy request, as TTL would result in notAfter of .* that is beyond the expiration of the CA certificate at /);
    await pki.call('POST', 'pki_int/issuer/default', { leaf_not_after_behavior: 'truncate' });
    const truncated = await issue(pki, { common_name: 'long.example.com', ttl: '50000h' }, 'long');
    assert.equal(truncated.expiration, intermediateEnd, 'notAfter truncated to the intermediate\'s');
    await pki.call('POST', 'pki_int/issuer/default', { leaf_not_after_behavior: 'permit' });
    const permitted = await issue(pki, { common_name: 'long.example.com', ttl: '50000h' }, 'long');
    assert.ok(permitted.expiration > intermediateEnd);
    await pki.call('POST', 'pki_int/issuer/default', { leaf_not_after_behavior: 'err' });
  });

  it('signs a CSR made by openssl: the CSR\'s names are checked, its key kept, and a key the role does not allow is refused', async () => {
    const key = await pki.file('csr.key', '');
    await opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    const csrFile = await pki.file('app.csr', '');
    await opensslOk(['req', '-new', '-key', key, '-subj', '/CN=csr.example.com', '-addext', 'subjectAltName=DNS:csr2.example.com', '-out', csrFile]);
    const csr = await readFile(csrFile, 'utf8');
    const signed = (await pki.call('POST', 'pki_int/sign/example-dot-com', { csr, common_name: 'ignored.example.com', ttl: '1h' })).body.data as Issued;
    assert.equal(signed.private_key, undefined);
    await verifyLeaf(pki, signed.certificate, 'signed');
    const text = await opensslOk(['x509', '-noout', '-text', '-in', await pki.file('signed.pem', signed.certificate)]);
    assert.match(text, /Subject: CN = csr\.example\.com/, 'use_csr_common_name');
    assert.match(text, /DNS:csr2\.example\.com, DNS:csr\.example\.com/);
    assert.equal(await opensslOk(['pkey', '-pubout', '-in', key]), await opensslOk(['x509', '-pubkey', '-noout', '-in', await pki.file('signed.pem', signed.certificate)]));
    const otherCsr = await pki.file('other.csr', '');
    await opensslOk(['req', '-new', '-key', key, '-subj', '/CN=csr.other.org', '-out', otherCsr]);
    assertRefused(await pki.raw('POST', 'pki_int/sign/example-dot-com', { csr: await readFile(otherCsr, 'utf8') }), 400, 'common name csr.other.org not allowed by this role');
    const rsaKey = await pki.file('rsa.key', '');
    await opensslOk(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', rsaKey]);
    const rsaCsr = await pki.file('rsa.csr', '');
    await opensslOk(['req', '-new', '-key', rsaKey, '-subj', '/CN=rsa.example.com', '-out', rsaCsr]);
    assertRefused(await pki.raw('POST', 'pki_int/sign/example-dot-com', { csr: await readFile(rsaCsr, 'utf8') }), 400, 'role requires keys of type ec');
    // sign-verbatim takes the CSR as it is, whatever the names.
    const verbatim = (await pki.call('POST', 'pki_int/sign-verbatim', { csr: await readFile(otherCsr, 'utf8'), ttl: '1h' })).body.data as Issued;
    assert.match(await opensslOk(['x509', '-noout', '-subject', '-in', await pki.file('verbatim.pem', verbatim.certificate)]), /CN = csr\.other\.org/);
    await verifyLeaf(pki, verbatim.certificate, 'verbatim');
  });

  it('issues RSA-2048 and Ed25519 keys, in der and pem_bundle formats, and through issuer/:ref/issue', async () => {
    await pki.call('POST', 'pki_int/roles/rsa', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'rsa', key_bits: 2048, max_ttl: '1h' });
    const rsa = await issue(pki, { common_name: 'rsa.example.com', format: 'pem_bundle', private_key_format: 'pkcs8' }, 'rsa');
    assert.equal(rsa.private_key_type, 'rsa');
    assert.match(rsa.certificate, /^-----BEGIN PRIVATE KEY-----[\s\S]+-----BEGIN CERTIFICATE-----[\s\S]+-----BEGIN CERTIFICATE-----/);
    const bundle = await pki.file('bundle.pem', rsa.certificate);
    assert.match(await opensslOk(['x509', '-noout', '-text', '-in', bundle]), /Public-Key: \(2048 bit\)/);
    await pki.call('POST', 'pki_int/roles/ed', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ed25519', max_ttl: '1h' });
    const ed = await issue(pki, { common_name: 'ed.example.com', format: 'der' }, 'ed');
    assert.equal(ed.private_key_type, 'ed25519');
    const der = await pki.file('ed.der', Buffer.from(ed.certificate, 'base64'));
    assert.match(await opensslOk(['x509', '-inform', 'der', '-noout', '-text', '-in', der]), /ED25519/);
    const issuerId = ((await pki.call('GET', 'pki_int/issuer/default')).body.data as { issuer_id: string }).issuer_id;
    const byRef = (await pki.call('POST', `pki_int/issuer/${issuerId}/issue/example-dot-com`, { common_name: 'ref.example.com', ttl: '1m', remove_roots_from_chain: true })).body.data as Issued;
    await verifyLeaf(pki, byRef.certificate, 'byref');
  });

  it('no_store issues without storing; generate_lease makes the certificate a lease whose revocation revokes it', async () => {
    await pki.call('POST', 'pki_int/roles/nostore', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', no_store: true, max_ttl: '1h' });
    const before = await listedCerts(pki);
    const unstored = await issue(pki, { common_name: 'n.example.com' }, 'nostore');
    assert.deepEqual(await listedCerts(pki), before);
    assert.equal((await api(pki.server.address, 'GET', `pki_int/cert/${unstored.serial_number}`)).status, 404);
    await pki.call('POST', 'pki_int/roles/leased', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', generate_lease: true, max_ttl: '1h' });
    const res = await pki.call('POST', 'pki_int/issue/leased', { common_name: 'l.example.com', ttl: '30m' });
    const leaseId = res.body.lease_id as string;
    assert.match(leaseId, /^pki_int\/issue\/leased\//);
    assert.ok((res.body.lease_duration as number) > 1700 && (res.body.lease_duration as number) <= 1800);
    assert.equal(res.body.renewable, false);
    const serial = (res.body.data as Issued).serial_number;
    await pki.call('PUT', 'sys/leases/revoke', { lease_id: leaseId });
    const read = (await api(pki.server.address, 'GET', `pki_int/cert/${serial}`)).body as { data: { revocation_time: number } };
    assert.ok(read.data.revocation_time > 0, 'revoking the lease revoked the certificate');
    const revoked = ((await pki.call('LIST', 'pki_int/certs/revoked')).body.data as { keys: string[] }).keys;
    assert.ok(revoked.includes(serial));
  });
});
