import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { REPO_ROOT, startServer, type TestServer } from '../harness/server.js';
import { PYTHON, runPython } from './python.js';

/** The transit scenarios for hvac (a file of their own beside hvac_scenarios.py). */
const SCENARIOS = join(REPO_ROOT, 'test/e2e/python/hvac_transit.py');
const MOUNT = 'transit-hvac';

const hvacInstalled = existsSync(PYTHON) && (await runPython(['-c', 'import hvac'], {})).code === 0;

type Signed = { input: string; signature: string; public_key: string };
const signatureBytes = (s: string, encoding: 'base64' | 'base64url' = 'base64') => Buffer.from(s.replace(/^vault:v\d+:/, ''), encoding);

// hvac's secrets.transit against a dev server; what hvac is handed back is checked again here with
// Node's crypto (signatures) or in the scenario with Python's hmac (HMACs).
describe('hvac 0.11.2 secrets.transit against a dev server', () => {
  it('has Debian\'s python3-hvac to test with', () => {
    assert.ok(hvacInstalled, `${PYTHON} cannot import hvac: run scripts/test-deps.sh`);
  });

  let server: TestServer;

  async function scenario<T = Record<string, unknown>>(name: string): Promise<T> {
    const run = await runPython([SCENARIOS, name], { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken, TRANSIT_MOUNT: MOUNT });
    assert.equal(run.code, 0, `hvac transit scenario ${name} failed:\n${run.stderr}${run.stdout}`);
    return JSON.parse(run.stdout) as T;
  }

  before(async () => {
    server = await startServer();
    const mounted = await api(server.address, 'POST', `sys/mounts/${MOUNT}`, { token: server.rootToken, body: { type: 'transit' } });
    assert.equal(mounted.status, 204, mounted.text);
  });
  after(async () => {
    await server?.destroy();
  });

  it('create_key(ed25519), sign_data, verify_signed_data; crypto.verify accepts the signature with read_key\'s public key', async () => {
    const r = await scenario<Signed>('sign_ed25519');
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(r.public_key, 'base64').toString('base64url') }, format: 'jwk' });
    assert.equal(verify(null, Buffer.from(r.input), key, signatureBytes(r.signature)), true);
  });

  it('sign_data(marshaling_algorithm=jws) with ecdsa-p256: r ‖ s that crypto.verify accepts as ieee-p1363', async () => {
    const r = await scenario<Signed>('sign_ecdsa_jws');
    assert.equal(verify('sha256', Buffer.from(r.input), { key: createPublicKey(r.public_key), dsaEncoding: 'ieee-p1363' }, signatureBytes(r.signature, 'base64url')), true);
  });

  it('sign_data(signature_algorithm=pkcs1v15, hash_algorithm=sha2-512) with rsa-2048, verified by crypto.verify', async () => {
    const r = await scenario<Signed>('sign_rsa_pkcs1v15');
    assert.equal(verify('sha512', Buffer.from(r.input), createPublicKey(r.public_key), signatureBytes(r.signature)), true);
  });

  it('generate_hmac matches Python\'s HMAC-SHA512 under export_key(hmac-key); verify_signed_data(hmac=) is valid', async () => {
    await scenario('generate_hmac');
  });

  it('generate_data_key(plaintext, 512 bits) decrypts back through decrypt_data; wrapped answers no plaintext', async () => {
    await scenario('generate_data_key');
  });

  it('export_key answers every version of an exportable key and raises InvalidRequest for one that is not', async () => {
    const r = await scenario<{ refused: string[]; versions: string[] }>('export_key');
    assert.deepEqual(r.refused, ['private key material is not exportable']);
    assert.deepEqual(r.versions, ['1', '2']);
  });

  it('backup_key, delete_key, restore_key: old ciphertexts decrypt; a second restore raises InvalidRequest unless force', async () => {
    const r = await scenario<{ again: string[] }>('backup_and_restore');
    assert.equal(r.again.length, 1);
    assert.match(r.again[0]!, /already exists/);
  });

  it('sign_data with an aes256-gcm96 key raises InvalidRequest with Vault\'s words', async () => {
    assert.deepEqual(await scenario('sign_with_aes_key_raises_invalid_request'), { errors: ['key type aes256-gcm96 does not support signing'] });
  });
});
