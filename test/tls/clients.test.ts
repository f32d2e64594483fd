import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import nodeVault from 'node-vault';
import { runPython } from '../e2e/python.js';
import { request, startTlsServer, tempDir, TestCa, type CertFiles, type TlsServer } from './fixture.js';

/** hvac over HTTPS with a client certificate: writes a KV v2 secret and reads it back, printing JSON. */
const HVAC_SCRIPT = `
import json, os, hvac
client = hvac.Client(url=os.environ['VAULT_ADDR'], token=os.environ['VAULT_TOKEN'],
                     verify=os.environ['CA_FILE'], cert=(os.environ['CLIENT_CERT'], os.environ['CLIENT_KEY']))
client.secrets.kv.v2.create_or_update_secret(path='from-hvac', secret={'lang': 'python'}, mount_point='secret')
read = client.secrets.kv.v2.read_secret_version(path='from-hvac', mount_point='secret')
print(json.dumps({'authenticated': client.is_authenticated(), 'data': read['data']['data']}))
`;

describe('Vault clients over HTTPS with a private CA and a client certificate', () => {
  const temp = tempDir('clients');
  let ca: TestCa;
  let client: CertFiles;
  let server: TlsServer;

  before(async () => {
    ca = new TestCa(temp.dir, 'clients-ca');
    client = ca.client('client-app');
    server = await startTlsServer({
      dir: temp.dir,
      serverCert: ca.server('clients-server'),
      ca: ca.cert,
      clientCert: client,
      listenerLines: ['tls_require_and_verify_client_cert = true', `tls_client_ca_file = "${ca.cert}"`],
    });
    const mount = await request(server.address, 'POST', 'sys/mounts/secret', { ca: ca.cert, client, token: server.rootToken, body: { type: 'kv', options: { version: '2' } } });
    assert.equal(mount.status, 204, mount.text);
  });
  after(async () => {
    await server?.stop();
    temp.remove();
  });

  it('node-vault writes and reads a secret', async () => {
    const vault = nodeVault({
      apiVersion: 'v1',
      endpoint: server.address,
      token: server.rootToken,
      requestOptions: { ca: readFileSync(ca.cert), cert: readFileSync(client.cert), key: readFileSync(client.key) },
    });
    await vault.write('secret/data/from-node', { data: { lang: 'typescript' } });
    const read = (await vault.read('secret/data/from-node')) as { data: { data: Record<string, string> } };
    assert.deepEqual(read.data.data, { lang: 'typescript' });
  });

  it('node-vault without the client certificate cannot connect', async () => {
    const vault = nodeVault({ apiVersion: 'v1', endpoint: server.address, token: server.rootToken, requestOptions: { ca: readFileSync(ca.cert) } });
    await assert.rejects(vault.read('secret/data/from-node'), (err: Error & { response?: unknown }) => err.response === undefined);
  });

  it('hvac (verify=CA file, cert=client pair) writes and reads a secret', async () => {
    const run = await runPython(['-c', HVAC_SCRIPT], { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken, CA_FILE: ca.cert, CLIENT_CERT: client.cert, CLIENT_KEY: client.key });
    assert.equal(run.code, 0, `hvac failed:\n${run.stderr}${run.stdout}`);
    assert.deepEqual(JSON.parse(run.stdout), { authenticated: true, data: { lang: 'python' } });
  });
});
