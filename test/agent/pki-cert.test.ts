import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CofferClient } from '../../src/client/index.js';
import { opensslOk } from '../engines/pki/fixture.js';
import { poll } from '../harness/poll.js';
import { startServer, type TestServer } from '../harness/server.js';
import { agentConfigs, runAgent, startAgent } from './fixture.js';

// consul-template's pkiCert in `coffer agent`: a certificate issued by a write to pki/issue/<role>,
// rendered as .Cert/.Key/.CA, issued again before it expires, and, after a restart, taken from the
// destination while it is still good rather than issued anew.
describe('coffer agent pkiCert (real server, agent as a child process)', () => {
  let server: TestServer;
  let root: CofferClient;
  let dir: string;
  let rootPem: string;
  let tokenFile: string;
  const agentConfig = agentConfigs(() => dir, () => server.address);

  const serialOf = async (file: string) => (await opensslOk(['x509', '-noout', '-serial', '-in', file])).trim();
  const storedCerts = async () => ((await root.list('pki/certs'))?.data?.keys as string[] | undefined)?.length ?? 0;

  before(async () => {
    server = await startServer();
    root = new CofferClient({ address: server.address, token: server.rootToken, env: {} });
    dir = await mkdtemp(join(tmpdir(), 'coffer-agent-pki-'));
    await root.write('sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '8760h' } });
    rootPem = String((await root.write('pki/root/generate/internal', { common_name: 'Agent Root', key_type: 'ec', ttl: '8760h' }))!.data!.certificate);
    await root.write('pki/roles/agent', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', max_ttl: '24h' });
    await root.policy.write('pki-agent', 'path "pki/issue/agent" { capabilities = ["update"] }');
    const token = (await root.tokens.create({ policies: ['pki-agent'], ttl: '10m' }))!.auth!.client_token;
    tokenFile = join(dir, 'token');
    await writeFile(tokenFile, token);
  });
  after(async () => {
    await server?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders .Cert, .Key and .CA of one issued certificate, and issues it again before it expires (the command runs each time)', async () => {
    const out = join(dir, 'live.pem');
    const marks = join(dir, 'live-runs');
    const config = await agentConfig(`auto_auth {
  method "token_file" { config = { token_file_path = "${tokenFile}" } }
}
template {
  contents = "{{ with pkiCert \\"pki/issue/agent\\" \\"common_name=live.example.com\\" \\"ttl=8s\\" }}{{ .Cert }}{{ .Key }}{{ .CA }}{{ end }}"
  destination = "${out}"
  perms = 0600
  command = "sh -c 'echo run >> ${marks}'"
}
`);
    const agent = startAgent(config);
    const runs = async () => (existsSync(marks) ? (await readFile(marks, 'utf8')).split('\n').filter(Boolean).length : 0);
    try {
      await poll('first render', async () => existsSync(out) && (await runs()) === 1, { timeoutMs: 15_000, detail: agent.output });
      const text = await readFile(out, 'utf8');
      assert.match(text, /^-----BEGIN CERTIFICATE-----[\s\S]+-----BEGIN EC PRIVATE KEY-----[\s\S]+-----BEGIN CERTIFICATE-----/);
      const rootFile = join(dir, 'root.pem');
      await writeFile(rootFile, rootPem);
      await opensslOk(['verify', '-CAfile', rootFile, out]);
      assert.equal(await opensslOk(['pkey', '-pubout', '-in', out]), await opensslOk(['x509', '-pubkey', '-noout', '-in', out]), '.Key is .Cert\'s key');
      const first = await serialOf(out);
      // 90% of an 8 s certificate's life: issued again after ~7 s, well before it ends.
      const second = await poll('re-issued before expiry', async () => {
        const now = await serialOf(out).catch(() => first);
        return now !== first ? now : undefined;
      }, { timeoutMs: 20_000, intervalMs: 250, detail: agent.output });
      assert.notEqual(second, first);
      await opensslOk(['verify', '-CAfile', rootFile, out]);
      await poll('the command ran again', async () => (await runs()) === 2, { timeoutMs: 5_000 });
      assert.ok(!agent.output().includes('PRIVATE KEY'), 'no key in the logs');
    } finally {
      await agent.stop();
    }
  });

  it('after a restart, a certificate still good in the destination is used, not issued again', async () => {
    const out = join(dir, 'cached.pem');
    const config = await agentConfig(`exit_after_auth = true
auto_auth {
  method "token_file" { config = { token_file_path = "${tokenFile}" } }
}
template {
  contents = "{{ with pkiCert \\"pki/issue/agent\\" \\"common_name=cached.example.com\\" \\"ttl=1h\\" }}{{ .Cert }}{{ .Key }}{{ end }}"
  destination = "${out}"
}
`);
    const first = await runAgent(config);
    assert.equal(first.code, 0, first.stderr);
    const serial = await serialOf(out);
    const before = await storedCerts();
    const second = await runAgent(config);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(await serialOf(out), serial, 'the same certificate');
    assert.equal(await storedCerts(), before, 'nothing was issued');
  });
});
