import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodeVault from 'node-vault';
import { CofferClient } from '../../src/client/index.js';
import { HVAC_SCENARIOS, runPython } from '../e2e/python.js';
import { poll } from '../harness/poll.js';
import { freePort } from '../harness/process.js';
import { metricSample } from '../harness/prometheus.js';
import { startServer, type TestServer } from '../harness/server.js';
import { startAgent, type RunningAgent } from './fixture.js';

// `coffer agent`'s API proxy (listener + api_proxy + cache) as a real process between real clients
// (node-vault, hvac) that hold no token and a real dev server.

describe('coffer agent API proxy (real server; node-vault and hvac with no token of their own)', () => {
  let server: TestServer;
  let root: CofferClient;
  let dir: string;
  let agent: RunningAgent;
  let proxy: string;

  before(async () => {
    server = await startServer();
    root = new CofferClient({ address: server.address, token: server.rootToken, env: {} });
    dir = await mkdtemp(join(tmpdir(), 'coffer-agent-proxy-'));
    await root.policy.write('proxy-policy', ['path "secret/data/app/*" { capabilities = ["read"] }', 'path "auth/token/create" { capabilities = ["update"] }', 'path "auth/token/revoke" { capabilities = ["update"] }'].join('\n'));
    await root.kv.put('secret/app/proxied', { answer: '42' });
    const token = (await root.tokens.create({ policies: ['proxy-policy'], ttl: '1h' }))!.auth!.client_token;
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, token);
    const port = await freePort();
    proxy = `http://127.0.0.1:${port}`;
    const config = join(dir, 'agent.hcl');
    await writeFile(config, `vault { address = "${server.address}" }
auto_auth {
  method "token_file" { config = { token_file_path = "${tokenFile}" } }
}
cache {}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address = "127.0.0.1:${port}"
  tls_disable = true
}
`);
    agent = startAgent(config);
    await poll('agent proxy did not start', () => agent.output().includes('API proxy listening'), { timeoutMs: 15_000, detail: agent.output });
  });
  after(async () => {
    await agent?.stop();
    await server?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('node-vault reads a secret through the proxy with no token of its own', async () => {
    const vault = nodeVault({ apiVersion: 'v1', endpoint: proxy });
    const answer = (await vault.read('secret/data/app/proxied')) as { data: { data: Record<string, string> } };
    assert.deepEqual(answer.data.data, { answer: '42' });
  });

  it('hvac reads a secret through the proxy with no token of its own', async () => {
    const run = await runPython([HVAC_SCENARIOS, 'agent_proxy_read'], { VAULT_ADDR: proxy, SECRET_PATH: 'app/proxied' });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.deepEqual((JSON.parse(run.stdout) as { data: unknown }).data, { answer: '42' });
  });

  it('caches a token it made for the same request, until that token is revoked through the proxy; a client token of its own is passed through', async () => {
    const viaProxy = new CofferClient({ address: proxy, env: {} });
    const request = { policies: ['default'], ttl: '10m', display_name: 'cached' };
    const first = (await viaProxy.tokens.create(request))!.auth!.client_token;
    const second = (await viaProxy.tokens.create(request))!.auth!.client_token;
    assert.equal(second, first, 'the same request answered from the cache');
    await viaProxy.tokens.revoke(first);
    const third = (await viaProxy.tokens.create(request))!.auth!.client_token;
    assert.notEqual(third, first, 'revoked through the proxy: evicted');
    const withOwn = new CofferClient({ address: proxy, token: server.rootToken, env: {} });
    assert.deepEqual((await withOwn.tokens.lookupSelf())!.data!.policies, ['root']);
  });

  it('serves its metrics at /agent/v1/metrics', async () => {
    const text = await (await fetch(`${proxy}/agent/v1/metrics`)).text();
    assert.equal(metricSample(text, 'coffer_agent_auth_attempts_total', { method: 'token' }), 1);
    assert.ok((metricSample(text, 'coffer_agent_cache_hits_total') ?? 0) >= 1);
    assert.ok((metricSample(text, 'coffer_agent_proxy_requests_total') ?? 0) >= 3);
    assert.ok(!agent.output().includes(server.rootToken), 'no token in the agent log');
  });
});
