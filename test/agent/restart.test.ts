import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CofferClient } from '../../src/client/index.js';
import { restartableServer } from '../client/sdk/fixture.js';
import { poll } from '../harness/poll.js';
import type { TestServer } from '../harness/server.js';
import { startAgent } from './fixture.js';

// A long-running `coffer agent` while its server process is stopped and started again on the same
// files and port: renewals and renders fail meanwhile, and both pick up again afterwards.

describe('coffer agent survives a server restart (real server stopped by PID and restarted)', () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await restartableServer();
    dir = await mkdtemp(join(tmpdir(), 'coffer-agent-restart-'));
  });
  after(async () => {
    await server?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps its token renewed and renders a change made after the restart', async () => {
    const root = new CofferClient({ address: server.address, token: server.rootToken, env: {} });
    await root.secrets.enable('secret', { type: 'kv', options: { version: '2' } });
    await root.policy.write('reader', 'path "secret/data/*" { capabilities = ["read"] }');
    await root.kv.put('secret/svc', { v: 'before' });
    await root.auth.enable('approle', { type: 'approle' });
    await root.write('auth/approle/role/svc', { token_policies: ['reader'], token_ttl: '6s', token_max_ttl: '1h' });
    await writeFile(join(dir, 'role'), (await root.read('auth/approle/role/svc/role-id'))!.data!.role_id as string);
    await writeFile(join(dir, 'secret'), (await root.write('auth/approle/role/svc/secret-id', {}))!.data!.secret_id as string);
    const out = join(dir, 'svc.txt');
    const config = join(dir, 'agent.hcl');
    await writeFile(config, `vault {
  address = "${server.address}"
  retry { num_retries = 0 }
}
auto_auth {
  method "approle" {
    min_backoff = "200ms"
    max_backoff = "1s"
    config = { role_id_file_path = "${join(dir, 'role')}", secret_id_file_path = "${join(dir, 'secret')}" }
  }
  sink "file" { config = { path = "${join(dir, 'token')}" } }
}
template_config { static_secret_render_interval = "1s" }
template {
  contents = "{{ with secret \\"secret/data/svc\\" }}{{ .Data.data.v }}{{ end }}"
  destination = "${out}"
}
`);
    const agent = startAgent(config);
    try {
      await poll('first render', async () => existsSync(out) && (await readFile(out, 'utf8')) === 'before', { timeoutMs: 15_000, detail: agent.output });
      await server.stop();
      await poll('no failed render while the server is down', () => agent.output().includes('template failed'), { timeoutMs: 10_000, detail: agent.output });
      server = await server.restart();
      const again = new CofferClient({ address: server.address, token: server.rootToken, env: {} });
      await again.kv.put('secret/svc', { v: 'after' });
      await poll('not rendered after the restart', async () => (await readFile(out, 'utf8')) === 'after', { timeoutMs: 15_000, detail: agent.output });
      // The token in the sink still works: renewed (or replaced by a new login) once the server was back.
      await poll('sink token not valid after the restart', async () => {
        const token = (await readFile(join(dir, 'token'), 'utf8')).trim();
        return (await new CofferClient({ address: server.address, token, env: {}, maxRetries: 0 }).read('secret/data/svc').catch(() => undefined)) !== undefined;
      }, { timeoutMs: 15_000, detail: agent.output });
      assert.equal(agent.child.exitCode, null, 'the agent kept running');
    } finally {
      await agent.stop();
    }
  });
});
