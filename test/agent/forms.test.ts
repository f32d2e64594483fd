import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CofferClient } from '../../src/client/index.js';
import { TokenIssuer, TokenReviewStandIn } from '../auth/kubernetes/fixture.js';
import { poll } from '../harness/poll.js';
import { startServer, type TestServer } from '../harness/server.js';
import { runAgent, startAgent } from './fixture.js';

// The other shapes an agent config takes: JSON instead of HCL, a unix-socket listener, a log
// file; and the kubernetes method, its TokenReview answered by the harness's STAND-IN (no
// Kubernetes API server runs here).

describe('coffer agent: JSON config, unix listener, log_file, kubernetes auto-auth (TokenReview stand-in)', () => {
  let server: TestServer;
  let root: CofferClient;
  let dir: string;

  before(async () => {
    server = await startServer();
    root = new CofferClient({ address: server.address, token: server.rootToken, env: {} });
    dir = await mkdtemp(join(tmpdir(), 'coffer-agent-forms-'));
    await root.policy.write('reader', 'path "secret/data/*" { capabilities = ["read"] }');
    await root.kv.put('secret/forms', { v: 'json-config' });
  });
  after(async () => {
    await server?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a JSON config with a unix listener and a log file: the proxy answers on the socket, the log holds no token, the socket is removed on exit', async () => {
    const token = (await root.tokens.create({ policies: ['reader'], ttl: '10m' }))!.auth!.client_token;
    await writeFile(join(dir, 'token'), token);
    const socket = join(dir, 'agent.sock');
    const logFile = join(dir, 'agent.log');
    const config = join(dir, 'agent.json');
    await writeFile(config, JSON.stringify({
      vault: { address: server.address },
      log_file: logFile,
      auto_auth: { method: { type: 'token_file', config: { token_file_path: join(dir, 'token') } } },
      api_proxy: { use_auto_auth_token: 'force' },
      listener: { unix: { address: socket, tls_disable: true } },
    }));
    const agent = startAgent(config);
    try {
      await poll('socket not listening', () => existsSync(socket), { timeoutMs: 15_000 });
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ socketPath: socket, path: '/v1/secret/data/forms', headers: { 'X-Vault-Token': 'ignored-when-forced' } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      assert.deepEqual((JSON.parse(body) as { data: { data: unknown } }).data.data, { v: 'json-config' });
      const exited = new Promise<number | null>((resolve) => agent.child.once('exit', (code) => resolve(code)));
      agent.child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.equal(existsSync(socket), false);
      const log = await readFile(logFile, 'utf8');
      assert.match(log, /API proxy listening/);
      assert.ok(!log.includes(token), 'no token in the log file');
    } finally {
      await agent.stop();
    }
  });

  it('kubernetes auto-auth (TokenReview stand-in): logs in with the service-account token file and writes the sink', async () => {
    const reviewer = `reviewer-${randomUUID()}`;
    const standIn = await TokenReviewStandIn.start({ reviewerToken: reviewer });
    try {
      await root.auth.enable('kubernetes', { type: 'kubernetes' });
      await root.write('auth/kubernetes/config', { kubernetes_host: standIn.url, token_reviewer_jwt: reviewer, disable_local_ca_jwt: true });
      await root.write('auth/kubernetes/role/web', { bound_service_account_names: ['web'], bound_service_account_namespaces: ['shop'], audience: 'coffer', token_policies: ['reader'], token_ttl: '10m' });
      const issuer = await TokenIssuer.create();
      const uid = randomUUID();
      const jwt = await issuer.sign({ namespace: 'shop', name: 'web', uid, audience: 'coffer' });
      standIn.knows(jwt, { namespace: 'shop', name: 'web', uid, audiences: ['coffer'] });
      await writeFile(join(dir, 'sa-token'), jwt);
      const sink = join(dir, 'k8s-token');
      const config = join(dir, 'k8s.hcl');
      await writeFile(config, `vault { address = "${server.address}" }
exit_after_auth = true
auto_auth {
  method "kubernetes" {
    mount_path = "auth/kubernetes"
    config = { role = "web", token_path = "${join(dir, 'sa-token')}" }
  }
  sink "file" { config = { path = "${sink}" } }
}
`);
      const run = await runAgent(config);
      assert.equal(run.code, 0, run.stderr);
      const token = (await readFile(sink, 'utf8')).trim();
      const meta = (await root.tokens.lookup(token))!.data!.meta as Record<string, string>;
      assert.equal(meta.service_account_name, 'web');
    } finally {
      await standIn.stop();
    }
  });
});
