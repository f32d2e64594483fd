import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CofferClient } from '../../src/client/index.js';
import { poll } from '../harness/poll.js';
import { freePort } from '../harness/process.js';
import { REPO_ROOT, startServer, type TestServer } from '../harness/server.js';
import { startAgent } from './fixture.js';

// An existing Vault Agent configuration (Vault's documented token_file example, in
// test/fixtures/) run by `coffer agent` with only its address, port and paths replaced.

describe('coffer agent runs a Vault Agent configuration from Vault\'s docs', () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await startServer();
    dir = await mkdtemp(join(tmpdir(), 'coffer-agent-vaultcfg-'));
  });
  after(async () => {
    await server?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders both templates, serves the API proxy with the auto-auth token, and writes its pid file', async () => {
    const root = new CofferClient({ address: server.address, token: server.rootToken, env: {} });
    await root.kv.put('secret/tls', { key: 'KEY-PEM', cert: 'CERT-PEM' });
    await writeFile(join(dir, '.vault-token'), server.rootToken);
    await writeFile(join(dir, 'server.key.ctmpl'), '{{ with secret "secret/data/tls" }}{{ .Data.data.key }}{{ end }}');
    await writeFile(join(dir, 'server.crt.ctmpl'), '{{ with secret "secret/data/tls" }}{{ .Data.data.cert }}{{ end }}');
    const port = await freePort();
    const fixture = await readFile(join(REPO_ROOT, 'test/fixtures/vault-agent-token-file.hcl'), 'utf8');
    const config = fixture
      .replace('https://127.0.0.1:8200', server.address)
      .replace('127.0.0.1:8100', `127.0.0.1:${port}`)
      .replace('./pidfile', join(dir, 'pidfile'))
      .replace('/home/username/.vault-token', join(dir, '.vault-token'))
      .replaceAll('/etc/vault/', `${dir}/`);
    const file = join(dir, 'agent.hcl');
    await writeFile(file, config);
    const agent = startAgent(file);
    try {
      await poll('templates not rendered', () => existsSync(join(dir, 'server.key')) && existsSync(join(dir, 'server.crt')) && agent.output().includes('API proxy listening'), { timeoutMs: 15_000, detail: agent.output });
      assert.equal(await readFile(join(dir, 'server.key'), 'utf8'), 'KEY-PEM');
      assert.equal(await readFile(join(dir, 'server.crt'), 'utf8'), 'CERT-PEM');
      assert.equal((await readFile(join(dir, 'pidfile'), 'utf8')).trim(), String(agent.child.pid));
      const viaProxy = await fetch(`http://127.0.0.1:${port}/v1/secret/data/tls`);
      assert.equal(viaProxy.status, 200);
      assert.deepEqual(((await viaProxy.json()) as { data: { data: unknown } }).data.data, { key: 'KEY-PEM', cert: 'CERT-PEM' });
    } finally {
      await agent.stop();
    }
  });
});
