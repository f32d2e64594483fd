import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CofferClient } from '../../src/client/index.js';
import { CREATE_USER, databaseServer, login, pgConnection } from '../engines/database/fixture.js';
import { runCli } from '../harness/cli.js';
import { clockReaches, poll } from '../harness/poll.js';
import { startPostgres, type PostgresCluster } from '../harness/postgres.js';
import type { TestServer } from '../harness/server.js';
import { agentConfigs, runAgent, startAgent } from './fixture.js';

// `coffer agent` templates as real processes: the seeds' init container (wrapped token in, token
// and rendered secrets out, exit 0) with KV and dynamic PostgreSQL credentials, and the
// long-running mode re-rendering a KV change on its interval with the command run once.

describe('coffer agent templates (real server, real PostgreSQL, agent as a child process)', () => {
  let pgc: PostgresCluster;
  let server: TestServer;
  let root: CofferClient;
  let dir: string;

  const agentConfig = agentConfigs(() => dir, () => server.address);

  before(async () => {
    pgc = await startPostgres();
    server = await databaseServer(pgc, { roleTtl: '1h', maxTtl: '2h' });
    root = new CofferClient({ address: server.address, token: server.rootToken, env: {} });
    dir = await mkdtemp(join(tmpdir(), 'coffer-agent-tpl-'));
    await root.policy.write(
      'agent-policy',
      ['path "secret/data/app/*" { capabilities = ["read"] }', 'path "database/creds/*" { capabilities = ["read"] }', 'path "sys/leases/renew" { capabilities = ["update"] }'].join('\n'),
    );
    await root.write('database/config/pg', { ...pgConnection(pgc), allowed_roles: ['readonly', 'short'] });
    await root.write('database/roles/short', { db_name: 'pg', creation_statements: [CREATE_USER], default_ttl: '2s', max_ttl: '5s' });
    await root.kv.put('secret/app/config', { password: 'from-kv', user: 'app' });
  });
  after(async () => {
    await server?.destroy();
    await pgc?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('init container: unwraps the provisioned token once, writes it 0600, renders KV and database credentials, exits 0; the credentials work after it is gone', async () => {
    const provision = await runCli(['token', 'create', '-wrap-ttl=60s', '-policy=agent-policy', '-field=wrapping_token'], { env: { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken } });
    assert.equal(provision.code, 0, provision.stderr);
    const wrappingFile = join(dir, 'wrapping-token');
    await writeFile(wrappingFile, provision.stdout.trim());
    const secrets = join(dir, 'secrets');
    const config = await agentConfig(`exit_after_auth = true
auto_auth {
  method "wrapped_token" {
    config = { token_file_path = "${wrappingFile}" }
  }
  sink "file" {
    config = { path = "${secrets}/token", mode = 0600 }
  }
}
template {
  contents = "{{ with secret \\"secret/data/app/config\\" }}user={{ .Data.data.user }}\\npassword={{ .Data.data.password }}{{ end }}\\n"
  destination = "${secrets}/app.env"
  perms = 0640
}
template {
  contents = "{{ with secret \\"database/creds/readonly\\" }}{{ .Data.username }}:{{ .Data.password }}{{ end }}"
  destination = "${secrets}/db"
}
`);
    await (await import('node:fs/promises')).mkdir(secrets);
    const run = await runAgent(config);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await stat(join(secrets, 'token'))).mode & 0o777, 0o600);
    assert.equal(await readFile(join(secrets, 'app.env'), 'utf8'), 'user=app\npassword=from-kv\n');
    assert.equal((await stat(join(secrets, 'app.env'))).mode & 0o777, 0o640);
    const [username, password] = (await readFile(join(secrets, 'db'), 'utf8')).split(':') as [string, string];
    assert.equal(await login(pgc, username, password), true, 'the rendered credentials log in, after the agent exited');
    assert.ok(!run.stderr.includes(password) && !run.stderr.includes('from-kv'), 'no secret in the logs');
  });

  it('init container: a template error exits non-zero', async () => {
    const token = (await root.tokens.create({ policies: ['agent-policy'], ttl: '10m' }))!.auth!.client_token;
    const tokenFile = join(dir, 'token-for-bad');
    await writeFile(tokenFile, token);
    const run = await runAgent(await agentConfig(`exit_after_auth = true
auto_auth {
  method "token_file" { config = { token_file_path = "${tokenFile}" } }
}
template {
  contents = "{{ with secret \\"secret/data/app/missing\\" }}{{ .Data.data.x }}{{ end }}"
  destination = "${dir}/never"
  error_on_missing_key = true
}
`));
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /coffer agent: template/);
    assert.equal(existsSync(join(dir, 'never')), false);
  });

  it('long-running: a KV change is rendered again within the interval and the command runs once per change', async () => {
    await root.kv.put('secret/app/live', { v: 'one' });
    const token = (await root.tokens.create({ policies: ['agent-policy'], ttl: '10m' }))!.auth!.client_token;
    const tokenFile = join(dir, 'token-live');
    await writeFile(tokenFile, token);
    const out = join(dir, 'live.txt');
    const marks = join(dir, 'command-runs');
    const config = await agentConfig(`auto_auth {
  method "token_file" { config = { token_file_path = "${tokenFile}" } }
}
template_config { static_secret_render_interval = "1s" }
template {
  contents = "{{ with secret \\"secret/data/app/live\\" }}{{ .Data.data.v }}{{ end }}"
  destination = "${out}"
  command = "echo run >> ${marks}"
}
`);
    const child = startAgent(config);
    const runs = async () => (existsSync(marks) ? (await readFile(marks, 'utf8')).split('\n').filter(Boolean).length : 0);
    try {
      await poll('first render', async () => existsSync(out) && (await readFile(out, 'utf8')) === 'one' && (await runs()) === 1, { timeoutMs: 15_000, detail: child.output });
      await root.kv.put('secret/app/live', { v: 'two' });
      await poll('second render', async () => (await readFile(out, 'utf8')) === 'two' && (await runs()) === 2, { timeoutMs: 10_000, detail: child.output });
      // Intervals with no change write nothing and run nothing.
      const renders = child.output().split('template rendered').length;
      await clockReaches(Date.now() + 2500, 'two more render intervals');
      assert.equal(child.output().split('template rendered').length, renders);
      assert.equal(await runs(), 2);
    } finally {
      await child.stop();
    }
  });

  it('long-running: database credentials are renewed, not read again, and rendered anew when rotated before their max TTL', async () => {
    const token = (await root.tokens.create({ policies: ['agent-policy'], ttl: '10m' }))!.auth!.client_token;
    const tokenFile = join(dir, 'token-db');
    await writeFile(tokenFile, token);
    const out = join(dir, 'db-live');
    const config = await agentConfig(`auto_auth {
  method "token_file" { config = { token_file_path = "${tokenFile}" } }
}
template_config { static_secret_render_interval = "1s" }
template {
  contents = "{{ with secret \\"database/creds/short\\" }}{{ .Data.username }}:{{ .Data.password }}{{ end }}"
  destination = "${out}"
}
`);
    const child = startAgent(config);
    try {
      const first = await poll('first render', async () => (existsSync(out) ? await readFile(out, 'utf8') : undefined), { timeoutMs: 15_000, detail: child.output });
      // Interval renders (every 1 s) reuse the kept lease: still the same user until the rotation.
      const second = await poll('no rotation before the 5 s max TTL', async () => {
        const now = await readFile(out, 'utf8');
        return now !== first ? now : undefined;
      }, { timeoutMs: 10_000, detail: child.output });
      const [user, password] = second.split(':') as [string, string];
      assert.equal(await login(pgc, user, password), true, 'the new credentials work');
      const leases = await root.leases.list('database/creds/short/');
      assert.ok(leases.length <= 2, `one lease per rotation, not one per render: ${leases.length}`);
    } finally {
      await child.stop();
    }
  });
});
