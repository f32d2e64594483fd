import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runPython } from '../../e2e/python.js';
import { cleanEnv, runCli, succeeded, tableValue } from '../../harness/cli.js';
import { REPO_ROOT } from '../../harness/server.js';
import { opensslOk, pkiSuite, verifyLeaf } from './fixture.js';

const HVAC_PKI = join(REPO_ROOT, 'test/e2e/python/hvac_pki.py');

// Someone else's code against the engine: the coffer CLI as a user types it (write with
// -wrap-ttl, unwrap, read), and hvac's secrets.pki methods; openssl judges what they got.
describe('pki engine: the CLI and hvac', () => {
  const pki = pkiSuite();
  const cli = (...args: string[]) => runCli(args, { env: cleanEnv({ VAULT_ADDR: pki.server.address, VAULT_TOKEN: pki.server.rootToken }) });

  it('coffer write -wrap-ttl=15m pki_int/issue/... gives a wrapping token; coffer unwrap gives a certificate and key that verify and match', async () => {
    const wrapped = succeeded(await cli('write', '-wrap-ttl=15m', 'pki_int/issue/example-dot-com', 'common_name=app.example.com'), 'coffer write -wrap-ttl');
    assert.match(wrapped, /^wrapping_token:\s+hvs\./m);
    assert.match(wrapped, /^wrapping_token_ttl:\s+15m$/m);
    assert.match(wrapped, /^wrapping_token_creation_path:\s+pki_int\/issue\/example-dot-com$/m);
    assert.doesNotMatch(wrapped, /PRIVATE KEY|BEGIN CERTIFICATE/, 'nothing of the secret outside the wrap');
    const token = /^wrapping_token:\s+(\S+)$/m.exec(wrapped)![1]!;
    const unwrapped = JSON.parse(succeeded(await cli('unwrap', '-format=json', token), 'coffer unwrap')) as { data: { certificate: string; private_key: string; serial_number: string; ca_chain: string[] } };
    await verifyLeaf(pki, unwrapped.data.certificate, 'cli-leaf');
    const key = await pki.file('cli.key', unwrapped.data.private_key);
    assert.equal(await opensslOk(['pkey', '-pubout', '-in', key]), await opensslOk(['x509', '-pubkey', '-noout', '-in', await pki.file('cli-leaf.pem', unwrapped.data.certificate)]));
    const again = await cli('unwrap', token);
    assert.equal(again.code, 2, 'a wrapping token unwraps once');
    assert.match(again.stderr, /wrapping token is not valid or does not exist/);

    const read = succeeded(await cli('read', `pki_int/cert/${unwrapped.data.serial_number}`), 'coffer read cert');
    assert.match(read, /^Key\s+Value\n---\s+-----\n/);
    assert.match(tableValue(read, 'certificate') ?? '', /^-----BEGIN CERTIFICATE-----/);
    assert.equal(tableValue(read, 'revocation_time'), '0');
    const json = JSON.parse(succeeded(await cli('read', '-format=json', `pki_int/cert/${unwrapped.data.serial_number}`), 'coffer read -format=json')) as { data: { certificate: string } };
    assert.equal(json.data.certificate.trim(), unwrapped.data.certificate.trim());
    const refused = await cli('write', 'pki_int/issue/example-dot-com', 'common_name=app.other.com');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /common name app\.other\.com not allowed by this role/);
  });

  it('hvac: generate_root, create_or_update_role, generate_certificate, sign_certificate, revoke_certificate and read_crl', async () => {
    const key = await pki.file('hvac.key', '');
    await opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    const csrFile = await pki.file('hvac.csr', '');
    await opensslOk(['req', '-new', '-key', key, '-subj', '/CN=csr.hvac.test', '-out', csrFile]);
    const run = await runPython([HVAC_PKI, 'pki_lifecycle'], { VAULT_ADDR: pki.server.address, VAULT_TOKEN: pki.server.rootToken, CSR_PEM: await readFile(csrFile, 'utf8') });
    assert.equal(run.code, 0, `hvac scenario failed:\n${run.stderr}${run.stdout}`);
    const facts = JSON.parse(run.stdout) as { root: string; certificate: string; private_key: string; serial_number: string; signed: string; refused: string[]; crl: string };
    const root = await pki.file('hvac-root.pem', facts.root);
    await opensslOk(['verify', '-CAfile', root, await pki.file('hvac-leaf.pem', facts.certificate)]);
    await opensslOk(['verify', '-CAfile', root, await pki.file('hvac-signed.pem', facts.signed)]);
    assert.match(await opensslOk(['x509', '-noout', '-ext', 'subjectAltName', '-in', await pki.file('hvac-leaf.pem', facts.certificate)]), /DNS:www\.hvac\.test, DNS:api\.hvac\.test/);
    assert.deepEqual(facts.refused, ['common name www.elsewhere.test not allowed by this role']);
    const crl = await opensslOk(['crl', '-noout', '-text', '-CAfile', root, '-in', await pki.file('hvac-crl.pem', facts.crl)]);
    assert.match(crl, /verify OK/);
    assert.match(crl, new RegExp(`Serial Number: ${facts.serial_number.replace(/:/g, '').toUpperCase()}`));
  });
});
