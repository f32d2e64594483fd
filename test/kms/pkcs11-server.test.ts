import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { createSoftHsmToken, SOFTHSM_LIB, TOKEN_LABEL, type SoftHsmToken } from './pkcs11-token.js';
import { startSealServer, type SealServer } from './seal-server.js';

const SECRET = 'pkcs11-sealed-value-8c1f2a';

const sealStanza = (extra = '') => `seal "pkcs11" {
  lib         = "${SOFTHSM_LIB}"
  token_label = "${TOKEN_LABEL}"
  key_label   = "coffer-root"
  mechanism   = "CKM_AES_GCM"
  generate_key = true
${extra}}`;

describe('a server sealed by pkcs11 (SoftHSM)', () => {
  let token: SoftHsmToken;
  const servers: SealServer[] = [];

  before(async () => {
    token = await createSoftHsmToken();
  });
  after(async () => {
    for (const server of servers) await server.stop();
    await token.destroy();
  });
  const start = async (env: Record<string, string>) => {
    const server = await startSealServer(token.dir, sealStanza(), { ...token.env, ...env });
    servers.push(server);
    return server;
  };

  let rootToken = '';

  it('initializes, reports the pkcs11 seal and stores a secret', async () => {
    const server = await start({ COFFER_PKCS11_PIN: '1234' });
    const address = await server.address();
    const init = await api<{ root_token: string }>(address, 'PUT', 'sys/init', { body: {} });
    assert.equal(init.status, 200, init.text);
    rootToken = init.body.root_token;
    const status = await api<{ type: string; sealed: boolean; initialized: boolean }>(address, 'GET', 'sys/seal-status');
    assert.equal(status.body.type, 'pkcs11');
    assert.equal(status.body.sealed, false);
    assert.equal((await api(address, 'POST', 'sys/mounts/secret', { token: rootToken, body: { type: 'kv', options: { version: '2' } } })).status, 204);
    const write = await api(address, 'POST', 'secret/data/app', { token: rootToken, body: { data: { password: SECRET } } });
    assert.equal(write.status, 200, write.text);
    await server.stop();
  });

  it('keeps only ciphertext on disk: the secret is in no storage file', async () => {
    assert.ok(rootToken, 'needs the server initialized by the previous test');
    for (const name of await readdir(token.dir)) {
      if (!name.startsWith('coffer.db')) continue;
      assert.ok(!(await readFile(join(token.dir, name))).includes(SECRET), `${name} holds the secret in clear`);
    }
  });

  it('unseals itself through SoftHSM after a restart and reads the secret back', async () => {
    assert.ok(rootToken, 'needs the server initialized by the first test');
    const server = await start({ COFFER_PKCS11_PIN: '1234' });
    const address = await server.address();
    const status = await api<{ sealed: boolean; type: string }>(address, 'GET', 'sys/seal-status');
    assert.deepEqual([status.body.sealed, status.body.type], [false, 'pkcs11']);
    const read = await api<{ data: { data: { password: string } } }>(address, 'GET', 'secret/data/app', { token: rootToken });
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.data.data.password, SECRET);
    await server.stop();
  });

  it('exits 1 with a clear message when the pin is wrong', async () => {
    const server = await start({ COFFER_PKCS11_PIN: '0000' });
    assert.equal(await server.exited(), 1);
    assert.match(server.output(), /Error starting server: pkcs11: login to token "coffer-test" failed: wrong pin \(CKR_PIN_INCORRECT\)/);
    assert.ok(!server.output().includes('0000'), 'the pin is not printed');
  });

  it('exits 1 naming the library when the PKCS#11 library is missing', async () => {
    const server = await startSealServer(token.dir, sealStanza().replace(SOFTHSM_LIB, '/nonexistent/libsofthsm2.so'), { ...token.env, COFFER_PKCS11_PIN: '1234' });
    servers.push(server);
    assert.equal(await server.exited(), 1);
    assert.match(server.output(), /Error starting server: pkcs11: cannot load the PKCS#11 library \/nonexistent\/libsofthsm2\.so/);
  });
});
