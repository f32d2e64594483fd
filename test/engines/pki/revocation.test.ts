import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { api } from '../../harness/http.js';
import { poll } from '../../harness/poll.js';
import { assertRefused, issue, listedCerts, openssl, opensslOk, pkiSuite, type Issued, type PkiSuite } from './fixture.js';

/** `openssl ocsp` against the mount's responder (POST, as openssl sends it); answers the status line for the leaf. */
async function ocspStatus(pki: PkiSuite, leaf: string, mount = 'pki_int'): Promise<string> {
  const issuer = await pki.file('ocsp-issuer.pem', pki.intermediate);
  const chain = await pki.file('ocsp-ca.pem', pki.intermediate + pki.root);
  const cert = await pki.file('ocsp-leaf.pem', leaf);
  const out = await opensslOk(['ocsp', '-issuer', issuer, '-CAfile', chain, '-cert', cert, '-url', `${pki.server.address}/v1/${mount}/ocsp`]);
  assert.match(out, /Response verify OK/);
  assert.doesNotMatch(out, /no nonce/, 'the request\'s nonce is echoed');
  return /ocsp-leaf\.pem: (\w+)/.exec(out)?.[1] ?? out;
}

/** The serials `openssl crl` lists in the mount's CRL (fetched as PEM, without a token), uppercase hex. */
async function crlSerials(pki: PkiSuite, mount = 'pki_int'): Promise<string[]> {
  const res = await api(pki.server.address, 'GET', `${mount}/crl/pem`);
  assert.equal(res.status, 200, res.text);
  const file = await pki.file('crl.pem', res.text);
  const text = await opensslOk(['crl', '-noout', '-text', '-in', file, '-CAfile', await pki.file('crl-ca.pem', pki.intermediate + pki.root)]);
  assert.match(text, /verify OK/);
  return [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]!);
}

const hex = (serial: string) => serial.replace(/:/g, '').toUpperCase();

describe('pki engine: revocation, CRLs, OCSP and tidy', () => {
  const pki = pkiSuite();

  it('openssl ocsp says good, then revoked after pki/revoke; the CRL (openssl crl) lists the serial; revoking again answers the same time', async () => {
    const leaf = await issue(pki, { common_name: 'ocsp.example.com', ttl: '1h' });
    assert.equal(await ocspStatus(pki, leaf.certificate), 'good');
    assert.ok(!(await crlSerials(pki)).includes(hex(leaf.serial_number)));
    const revoked = (await pki.call('POST', 'pki_int/revoke', { serial_number: leaf.serial_number })).body.data as { revocation_time: number; revocation_time_rfc3339: string };
    assert.ok(Math.abs(revoked.revocation_time - Date.now() / 1000) < 60);
    assert.equal(await ocspStatus(pki, leaf.certificate), 'revoked');
    assert.ok((await crlSerials(pki)).includes(hex(leaf.serial_number)));
    const again = (await pki.call('POST', 'pki_int/revoke', { serial_number: leaf.serial_number.replace(/:/g, '-') })).body.data as { revocation_time: number };
    assert.equal(again.revocation_time, revoked.revocation_time);
    const read = (await api(pki.server.address, 'GET', `pki_int/cert/${leaf.serial_number}`)).body as { data: { revocation_time: number; revocation_time_rfc3339: string } };
    assert.equal(read.data.revocation_time, revoked.revocation_time);
    assert.ok(((await pki.call('LIST', 'pki_int/certs/revoked')).body.data as { keys: string[] }).keys.includes(leaf.serial_number));
  });

  it('answers an OCSP GET (base64 request in the path) and POST application/ocsp-request with RFC 6960 DER; unknown serials are "unknown", other issuers "unauthorized"', async () => {
    const leaf = await issue(pki, { common_name: 'get.example.com', ttl: '1h' });
    const issuer = await pki.file('g-issuer.pem', pki.intermediate);
    const cert = await pki.file('g-leaf.pem', leaf.certificate);
    const reqFile = await pki.file('g-req.der', '');
    await opensslOk(['ocsp', '-issuer', issuer, '-cert', cert, '-no_nonce', '-reqout', reqFile]);
    const der = await readFile(reqFile);
    const get = await fetch(`${pki.server.address}/v1/pki_int/ocsp/${encodeURIComponent(der.toString('base64'))}`);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('content-type'), 'application/ocsp-response');
    const respFile = await pki.file('g-resp.der', Buffer.from(await get.arrayBuffer()));
    const verdict = await opensslOk(['ocsp', '-respin', respFile, '-issuer', issuer, '-CAfile', await pki.file('g-ca.pem', pki.intermediate + pki.root), '-cert', cert]);
    assert.match(verdict, /g-leaf\.pem: good/);
    const post = await fetch(`${pki.server.address}/v1/pki_int/ocsp`, { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body: der });
    assert.equal(post.status, 200);
    const postFile = await pki.file('p-resp.der', Buffer.from(await post.arrayBuffer()));
    assert.match(await opensslOk(['ocsp', '-respin', postFile, '-issuer', issuer, '-CAfile', await pki.file('g-ca.pem', pki.intermediate + pki.root), '-cert', cert]), /good/);
    // A serial the mount never issued, asked of the right issuer: unknown.
    const unknownReq = await pki.file('u-req.der', '');
    await opensslOk(['ocsp', '-issuer', issuer, '-serial', '0x7f00000000000000000000000000000000000001', '-no_nonce', '-reqout', unknownReq]);
    const unknown = await fetch(`${pki.server.address}/v1/pki_int/ocsp`, { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body: await readFile(unknownReq) });
    const unknownFile = await pki.file('u-resp.der', Buffer.from(await unknown.arrayBuffer()));
    assert.match(await opensslOk(['ocsp', '-respin', unknownFile, '-issuer', issuer, '-CAfile', await pki.file('g-ca.pem', pki.intermediate + pki.root), '-serial', '0x7f00000000000000000000000000000000000001']), /: unknown/);
    // Asked of the root mount, which did not issue the leaf's intermediate's leaves: unauthorized.
    const wrong = await fetch(`${pki.server.address}/v1/pki/ocsp`, { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body: der });
    const wrongFile = await pki.file('w-resp.der', Buffer.from(await wrong.arrayBuffer()));
    const wrongText = await openssl(['ocsp', '-respin', wrongFile, '-resp_text', '-noverify']);
    assert.match(wrongText.stdout + wrongText.stderr, /unauthorized/i);
    // Garbage is a malformedRequest answer, not a 500.
    const bad = await fetch(`${pki.server.address}/v1/pki_int/ocsp`, { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body: Buffer.from('not DER') });
    assert.equal(bad.status, 200);
    const badFile = await pki.file('b-resp.der', Buffer.from(await bad.arrayBuffer()));
    assert.match((await openssl(['ocsp', '-respin', badFile, '-resp_text', '-noverify'])).stdout, /malformedrequest/i);
  });

  it('revoke-with-key needs the certificate\'s private key; a wrong one is refused and nothing is revoked', async () => {
    const leaf = await issue(pki, { common_name: 'pop.example.com', ttl: '1h' });
    const other = await issue(pki, { common_name: 'other.example.com', ttl: '1h' });
    assertRefused(await pki.raw('POST', 'pki_int/revoke-with-key', { serial_number: leaf.serial_number, private_key: other.private_key }), 400, /private key does not match/);
    assert.equal(await ocspStatus(pki, leaf.certificate), 'good');
    const done = (await pki.call('POST', 'pki_int/revoke-with-key', { certificate: leaf.certificate, private_key: leaf.private_key })).body.data as { revocation_time: number };
    assert.ok(done.revocation_time > 0);
    assert.equal(await ocspStatus(pki, leaf.certificate), 'revoked');
  });

  it('refuses bad revocations with 400 and changes nothing', async () => {
    const before = ((await pki.call('LIST', 'pki_int/certs/revoked')).body.data as { keys: string[] }).keys;
    assertRefused(await pki.raw('POST', 'pki_int/revoke', { serial_number: '11:22:33' }), 400, 'certificate with serial 11:22:33 not found.');
    assertRefused(await pki.raw('POST', 'pki_int/revoke', { serial_number: 'zz' }), 400, 'invalid serial number: "zz"');
    assertRefused(await pki.raw('POST', 'pki_int/revoke', {}), 400, 'either serial_number or certificate (but not both) must be given');
    assertRefused(await pki.raw('POST', 'pki_int/revoke', { certificate: pki.root }), 400, 'unable to verify that the certificate was issued by an issuer in this mount');
    const issuerSerial = ((await pki.call('GET', 'pki_int/issuer/default')).body.data as { serial_number: string }).serial_number;
    assertRefused(await pki.raw('POST', 'pki_int/revoke', { serial_number: issuerSerial }), 400, /to its own CRL is not allowed/);
    assert.deepEqual(((await pki.call('LIST', 'pki_int/certs/revoked')).body.data as { keys: string[] }).keys, before);
  });

  it('config/crl: auto_rebuild holds revocations until crl/rotate; disable serves a signed, empty CRL; the CRL is chunked and cached yet always current', async () => {
    const crl = (await pki.call('GET', 'pki_int/config/crl')).body.data as Record<string, unknown>;
    assert.equal(crl.expiry, '72h');
    assert.equal(crl.auto_rebuild, false);
    assertRefused(await pki.raw('POST', 'pki_int/config/crl', { auto_rebuild: true, auto_rebuild_grace_period: '80h' }), 400, /grace period \(80h\) must be strictly shorter than CRL expiry \(72h\)/);
    await pki.call('POST', 'pki_int/config/crl', { auto_rebuild: true, expiry: '48h', auto_rebuild_grace_period: '1h' });
    const held = await issue(pki, { common_name: 'held.example.com', ttl: '1h' });
    await pki.call('POST', 'pki_int/revoke', { serial_number: held.serial_number });
    assert.ok(!(await crlSerials(pki)).includes(hex(held.serial_number)), 'not on the CRL until it is rebuilt');
    assert.equal(await ocspStatus(pki, held.certificate), 'revoked', 'OCSP is current at once');
    assert.deepEqual((await pki.call('GET', 'pki_int/crl/rotate')).body.data, { success: true });
    assert.ok((await crlSerials(pki)).includes(hex(held.serial_number)));
    const nextUpdate = await opensslOk(['crl', '-noout', '-nextupdate', '-lastupdate', '-in', await pki.file('c.pem', (await api(pki.server.address, 'GET', 'pki_int/crl/pem')).text)]);
    const [last, next] = [/lastUpdate=(.*)/.exec(nextUpdate)![1]!, /nextUpdate=(.*)/.exec(nextUpdate)![1]!].map((d) => new Date(d).getTime());
    assert.equal(next! - last!, 48 * 3600_000, 'expiry sets nextUpdate');
    await pki.call('POST', 'pki_int/config/crl', { disable: true, auto_rebuild: false });
    assert.deepEqual(await crlSerials(pki), [], 'disabled: signed, with no entries');
    await pki.call('POST', 'pki_int/config/crl', { disable: false, expiry: '72h' });
    assert.ok((await crlSerials(pki)).length > 0);
    const der = await fetch(`${pki.server.address}/v1/pki_int/crl`);
    assert.equal(der.headers.get('content-type'), 'application/pkix-crl');
    const derFile = await pki.file('crl.der', Buffer.from(await der.arrayBuffer()));
    await opensslOk(['crl', '-inform', 'der', '-noout', '-in', derFile]);
    const json = (await api(pki.server.address, 'GET', 'pki_int/cert/crl')).body as { data: { certificate: string } };
    assert.match(json.data.certificate, /-----BEGIN X509 CRL-----/);
  });

  it('config/urls refuses a URL that is not one, and a change applies to the next certificate only', async () => {
    assertRefused(await pki.raw('POST', 'pki_int/config/urls', { ocsp_servers: 'not a url' }), 400, 'invalid URL found in Authority Information Access (AIA) parameter ocsp_servers: not a url');
    const urls = (await pki.call('GET', 'pki_int/config/urls')).body.data as { ocsp_servers: string[] };
    assert.deepEqual(urls.ocsp_servers, [`${pki.server.address}/v1/pki_int/ocsp`]);
  });

  it('the unauthenticated paths answer without a token; lists, revoke and tidy need one', async () => {
    const leaf = await issue(pki, { common_name: 'anon.example.com', ttl: '1h' });
    for (const path of ['pki_int/ca', 'pki_int/ca/pem', 'pki_int/ca_chain', 'pki_int/crl', 'pki_int/crl/pem', `pki_int/cert/${leaf.serial_number}`, `pki_int/cert/${leaf.serial_number}/raw/pem`, 'pki_int/issuer/default/pem', 'pki_int/issuer/default/crl/pem']) {
      assert.equal((await api(pki.server.address, 'GET', path)).status, 200, path);
    }
    assert.equal((await api(pki.server.address, 'LIST', 'pki_int/issuers')).status, 200);
    for (const [method, path] of [['LIST', 'pki_int/certs'], ['LIST', 'pki_int/certs/revoked'], ['POST', 'pki_int/revoke'], ['POST', 'pki_int/tidy'], ['GET', 'pki_int/config/crl'], ['POST', 'pki_int/issue/example-dot-com']] as const) {
      assert.equal((await api(pki.server.address, method, path, method === 'POST' ? { body: {} } : {})).status, 403, `${method} ${path}`);
    }
  });

  it('tidy removes certificates and revocations past notAfter + safety_buffer (tidy-status reports it), and the CRL is rebuilt without them', async () => {
    const short = await issue(pki, { common_name: 'short.example.com', ttl: '2s' });
    const kept = await issue(pki, { common_name: 'kept.example.com', ttl: '1h' });
    await pki.call('POST', 'pki_int/revoke', { serial_number: short.serial_number });
    assert.ok((await crlSerials(pki)).includes(hex(short.serial_number)));
    assertRefused(await pki.raw('POST', 'pki_int/tidy', {}), 400, /at least one tidy operation/);
    await poll('the short certificate to expire', async () => (Date.now() / 1000 > short.expiration + 1 ? true : undefined), { timeoutMs: 10_000, intervalMs: 200 });
    const started = await pki.raw('POST', 'pki_int/tidy', { tidy_cert_store: true, tidy_revoked_certs: true, safety_buffer: '1s' });
    assert.equal(started.status, 202);
    const status = await poll('tidy to finish', async () => {
      const s = (await pki.call('GET', 'pki_int/tidy-status')).body.data as Record<string, unknown>;
      return s.state === 'Finished' ? s : undefined;
    });
    assert.ok((status.cert_store_deleted_count as number) >= 1);
    assert.ok((status.revoked_cert_deleted_count as number) >= 1);
    assert.equal(status.tidy_cert_store, true);
    const certs = await listedCerts(pki);
    assert.ok(!certs.includes(short.serial_number) && certs.includes(kept.serial_number));
    assert.ok(!(await crlSerials(pki)).includes(hex(short.serial_number)), 'expired revocation off the CRL');
    // config/auto-tidy keeps its settings (the periodic run itself is on a 1-minute clock, as Vault's).
    assertRefused(await pki.raw('POST', 'pki_int/config/auto-tidy', { enabled: true }), 400, /no tidy operations/);
    const auto = (await pki.call('POST', 'pki_int/config/auto-tidy', { enabled: true, tidy_cert_store: true, interval_duration: '1h', safety_buffer: '24h' })).body.data as Record<string, unknown>;
    assert.equal(auto.enabled, true);
    assert.equal(auto.interval_duration, 3600);
    assert.equal(((await pki.call('GET', 'pki_int/config/auto-tidy')).body.data as Record<string, unknown>).safety_buffer, 86400);
  });

  it('an intermediate revoked at the root (pki/revoke of its serial) goes on the root\'s CRL', async () => {
    const extra = (await pki.call('POST', 'pki_int/intermediate/generate/internal', { common_name: 'Spare Intermediate', key_type: 'ec' })).body.data as { csr: string };
    const signed = (await pki.call('POST', 'pki/root/sign-intermediate', { csr: extra.csr, common_name: 'Spare Intermediate', ttl: '100h' })).body.data as Issued;
    await pki.call('POST', 'pki/revoke', { serial_number: signed.serial_number });
    assert.ok((await crlSerials(pki, 'pki')).includes(hex(signed.serial_number)));
  });
});
