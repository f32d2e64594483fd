import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pkiSuite } from './fixture.js';

/** Values of every wrong shape a field may be sent. */
const HOSTILE: unknown[] = [
  12345,
  -1,
  true,
  [],
  [{}],
  { nested: { deeper: 1 } },
  '',
  'garbage',
  '../../etc',
  'a'.repeat(20_000),
  '-----BEGIN CERTIFICATE-----\nZZZZ\n-----END CERTIFICATE-----\n',
  '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
  '-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n',
  '1970-13-45T99:99:99Z',
];

// Every PKI write, as root (past the ACL, so the handlers see it), with one field at a time
// replaced by a hostile value: the answer is a 2xx or a 4xx in Vault's {"errors": [...]} shape,
// never a 500 and never a dropped connection; afterwards the mount still issues.
describe('pki engine: hostile input', () => {
  const pki = pkiSuite();

  it('answers hostile field values with 2xx or a 4xx {"errors"} — never a 5xx — and keeps working', async () => {
    const csr = ((await pki.call('POST', 'pki_int/intermediate/generate/internal', { common_name: 'Fuzz CSR', key_type: 'ec', key_name: 'fuzz-csr-key' })).body.data as { csr: string }).csr;
    const routes: [string, Record<string, unknown>][] = [
      ['pki_int/issue/example-dot-com', { common_name: 'f.example.com', ttl: '1m', alt_names: 'g.example.com', ip_sans: '127.0.0.1', format: 'pem', private_key_format: 'der', not_after: '', exclude_cn_from_sans: false }],
      ['pki_int/sign/example-dot-com', { csr, common_name: 'f.example.com', ttl: '1m' }],
      ['pki_int/sign-verbatim', { csr, ttl: '1m', key_usage: ['DigitalSignature'], ext_key_usage: [] }],
      ['pki_int/roles/fuzz', { allowed_domains: 'example.com', key_type: 'ec', key_bits: 256, ttl: '1m', max_ttl: '1h', key_usage: [], cn_validations: ['hostname'], allowed_uri_sans: [] }],
      ['pki_int/revoke', { serial_number: '01:02' }],
      ['pki_int/revoke-with-key', { serial_number: '01:02', private_key: 'x' }],
      ['pki_int/config/urls', { issuing_certificates: 'http://x/ca', ocsp_servers: [], crl_distribution_points: [] }],
      ['pki_int/config/crl', { expiry: '72h', disable: false, auto_rebuild: false, auto_rebuild_grace_period: '12h', ocsp_expiry: '12h' }],
      ['pki_int/config/issuers', { default: 'default', default_follows_latest_issuer: false }],
      ['pki_int/issuer/default', { issuer_name: '', usage: 'read-only,issuing-certificates,crl-signing,ocsp-signing', leaf_not_after_behavior: 'err', manual_chain: [] }],
      ['pki_int/key/fuzz-csr-key', { key_name: 'fuzz-csr-key' }],
      ['pki_int/config/ca', { pem_bundle: '' }],
      ['pki_int/intermediate/set-signed', { certificate: '' }],
      ['pki_int/tidy', { tidy_cert_store: false, safety_buffer: '72h' }],
      ['pki_int/config/auto-tidy', { enabled: false, interval_duration: '12h' }],
      ['pki/root/sign-intermediate', { csr, common_name: 'Fuzz Int', ttl: '1h', max_path_length: -1, permitted_dns_domains: [] }],
      ['pki/root/sign-self-issued', { certificate: pki.intermediate }],
      ['pki_int/intermediate/generate/internal', { common_name: 'Fuzz', key_type: 'ec', key_bits: 0, key_name: '' }],
      ['pki_int/keys/import', { pem_bundle: 'x' }],
    ];
    const failures: string[] = [];
    let requests = 0;
    for (const [path, base] of routes) {
      for (const name of Object.keys(base)) {
        for (const value of HOSTILE) {
          const res = await pki.raw('POST', path, { ...base, [name]: value });
          requests++;
          const shaped = res.status < 400 || Array.isArray((res.body as { errors?: unknown }).errors);
          if (res.status >= 500 || !shaped) failures.push(`${path} ${name}=${JSON.stringify(value).slice(0, 40)}: ${res.status} ${res.text.slice(0, 200)}`);
        }
      }
    }
    for (const value of HOSTILE.filter((v): v is string => typeof v === 'string' && v.length < 100)) {
      for (const path of [`pki_int/cert/${encodeURIComponent(value)}`, `pki_int/issuer/${encodeURIComponent(value)}/pem`, `pki_int/ocsp/${encodeURIComponent(value)}`]) {
        const res = await pki.raw('GET', path);
        requests++;
        if (res.status >= 500) failures.push(`GET ${path}: ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${requests} requests`);
    // Still issuing once the issuer's settings are put back (the fuzzing may have changed them, validly).
    await pki.call('POST', 'pki_int/issuer/default', { usage: 'read-only,issuing-certificates,crl-signing,ocsp-signing', leaf_not_after_behavior: 'err' });
    await pki.call('POST', 'pki_int/roles/example-dot-com', { allowed_domains: 'example.com', allow_subdomains: true, max_ttl: '72h', key_type: 'ec' });
    const after = await pki.raw('POST', 'pki_int/issue/example-dot-com', { common_name: 'after.example.com', ttl: '1m' });
    assert.equal(after.status, 200, after.text);
  });
});
