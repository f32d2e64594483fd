import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CofferApiError, CofferClient } from '../../src/client/index.js';
import { cleanEnv, runCli, runProgram } from '../harness/cli.js';
import { poll } from '../harness/poll.js';
import { metricSample } from '../harness/prometheus.js';
import { COFFER_BIN, startServer, type TestServer } from '../harness/server.js';
import { agentConfigs, runAgent, startAgent } from './fixture.js';

// `coffer agent` as real processes against a real dev server: the seeds' secret-zero flow (a
// provisioner wraps a token, an init-container agent unwraps it once and writes it for the app),
// AppRole with a wrapped secret id, and the long-running mode's sink rewrites.

describe('coffer agent: auto_auth and file sinks (real server, agent as a child process)', () => {
  let server: TestServer;
  let root: CofferClient;
  let dir: string;

  const agentConfig = agentConfigs(() => dir, () => server.address);

  /** Counter of refused unwraps by reason, from the server's metrics. */
  async function unwrapFailures(reason: string): Promise<number> {
    const res = await fetch(`${server.address}/v1/sys/metrics?format=prometheus`, { headers: { 'X-Vault-Token': server.rootToken } });
    return metricSample(await res.text(), 'coffer_wrapping_unwraps_failed_total', { reason }) ?? 0;
  }

  before(async () => {
    server = await startServer();
    root = new CofferClient({ address: server.address, token: server.rootToken, env: {} });
    dir = await mkdtemp(join(tmpdir(), 'coffer-agent-'));
    await root.policy.write('agent-policy', 'path "secret/data/app/*" { capabilities = ["read"] }');
    await root.kv.put('secret/app/config', { password: 'from-kv' });
    await root.auth.enable('approle', { type: 'approle' });
  });
  after(async () => {
    await server?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('secret zero: a wrapped token from `token create -wrap-ttl` is unwrapped once and written 0600; a second agent with it exits 1 naming "already used", and the server counts it', async () => {
    const provision = await runCli(['token', 'create', '-wrap-ttl=60s', '-policy=agent-policy', '-field=wrapping_token'], { env: { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken } });
    assert.equal(provision.code, 0, provision.stderr);
    const wrappingFile = join(dir, 'wrapping-token');
    await writeFile(wrappingFile, provision.stdout.trim());
    const sink = join(dir, 'token');
    const config = await agentConfig(`exit_after_auth = true
auto_auth {
  method "wrapped_token" {
    config = { token_file_path = "${wrappingFile}" }
  }
  sink "file" {
    config = { path = "${sink}", mode = 0600 }
  }
}
`);
    const first = await runAgent(config);
    assert.equal(first.code, 0, first.stderr);
    assert.equal((await stat(sink)).mode & 0o777, 0o600);
    const token = (await readFile(sink, 'utf8')).trim();
    const app = new CofferClient({ address: server.address, token, env: {} });
    assert.equal(((await app.kv.get('secret/app/config')).secret!.data as { data: { password: string } }).data.password, 'from-kv');
    assert.ok(!first.stderr.includes(token) && !first.stdout.includes(token), 'the token is never logged');

    const before = await unwrapFailures('already_used');
    const second = await runAgent(config);
    assert.equal(second.code, 1);
    const lines = second.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
    assert.deepEqual(lines, ['coffer agent: unwrap failed: already used']);
    assert.equal(await unwrapFailures('already_used'), before + 1);
  });

  it('AppRole with secret_id_response_wrapping_path: the secret id file is removed after reading; a wrapping token made elsewhere is refused and left unused', async () => {
    await root.write('auth/approle/role/web', { token_policies: ['agent-policy'], token_ttl: '10m' });
    const roleId = (await root.read('auth/approle/role/web/role-id'))!.data!.role_id as string;
    const roleFile = join(dir, 'role-id');
    await writeFile(roleFile, roleId);
    const secretFile = join(dir, 'secret-id');
    const wrapped = (await root.request('POST', 'auth/approle/role/web/secret-id', { body: {}, wrapTTL: '60s' }))!.wrap_info!;
    await writeFile(secretFile, wrapped.token);
    const sink = join(dir, 'approle-token');
    const stanza = (path: string) => `exit_after_auth = true
auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "${roleFile}"
      secret_id_file_path = "${secretFile}"
      secret_id_response_wrapping_path = "${path}"
    }
  }
  sink "file" { config = { path = "${sink}" } }
}
`;
    const ok = await runAgent(await agentConfig(stanza('auth/approle/role/web/secret-id')));
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(existsSync(secretFile), false, 'remove_secret_id_file_after_reading defaults to true');
    assert.equal((await stat(sink)).mode & 0o777, 0o640, "the sink's default mode");
    assert.ok((await readFile(sink, 'utf8')).trim().length > 10);

    const forged = await root.wrapping.wrapData({ secret_id: 'forged' }, '60s');
    await writeFile(secretFile, forged.token);
    const refused = await runAgent(await agentConfig(stanza('auth/approle/role/web/secret-id')));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /coffer agent: unwrap failed: wrong creation path "sys\/wrapping\/wrap"/);
    assert.equal((await root.wrapping.lookup(forged.token)).creation_path, 'sys/wrapping/wrap', 'not unwrapped');
  });

  it("auto_auth method namespace: the agent logs in with AppRole in that namespace and renders the namespace's secret", async () => {
    await root.write('sys/namespaces/agent-ns', {});
    const inNs = new CofferClient({ address: server.address, token: server.rootToken, namespace: 'agent-ns', env: {} });
    await inNs.write('sys/mounts/secret', { type: 'kv', options: { version: '2' } });
    await inNs.kv.put('secret/app/config', { password: 'from-the-namespace' });
    await inNs.policy.write('agent-policy', 'path "secret/data/app/*" { capabilities = ["read"] }');
    await inNs.auth.enable('approle', { type: 'approle' });
    await inNs.write('auth/approle/role/web', { token_policies: ['agent-policy'], token_ttl: '10m' });
    const roleFile = join(dir, 'ns-role-id');
    const secretFile = join(dir, 'ns-secret-id');
    await writeFile(roleFile, (await inNs.read('auth/approle/role/web/role-id'))!.data!.role_id as string);
    await writeFile(secretFile, (await inNs.write('auth/approle/role/web/secret-id', {}))!.data!.secret_id as string);
    const rendered = join(dir, 'ns-rendered');
    const run = await runAgent(await agentConfig(`exit_after_auth = true
auto_auth {
  method "approle" {
    namespace = "agent-ns"
    config = {
      role_id_file_path = "${roleFile}"
      secret_id_file_path = "${secretFile}"
    }
  }
}
template {
  contents = "{{ with secret \\"secret/data/app/config\\" }}{{ .Data.data.password }}{{ end }}"
  destination = "${rendered}"
}
`));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await readFile(rendered, 'utf8'), 'from-the-namespace', "the namespace's secret, not the root's");
  });

  it('a sink with wrap_ttl holds the JSON wrap_info of a wrapping token that unwraps to the token', async () => {
    const token = (await root.tokens.create({ policies: ['agent-policy'], ttl: '10m' }))!.auth!.client_token;
    const tokenFile = join(dir, 'given-token');
    await writeFile(tokenFile, token);
    const sink = join(dir, 'wrapped-sink');
    const result = await runAgent(await agentConfig(`exit_after_auth = true
auto_auth {
  method "token_file" { config = { token_file_path = "${tokenFile}" } }
  sink "file" {
    wrap_ttl = "2m"
    config = { path = "${sink}" }
  }
}
`));
    assert.equal(result.code, 0, result.stderr);
    const info = JSON.parse(await readFile(sink, 'utf8')) as { token: string; ttl: number; creation_path: string };
    assert.equal(info.ttl, 120);
    assert.equal(info.creation_path, 'sys/wrapping/wrap');
    assert.deepEqual((await root.unwrap(info.token))!.data, { token });
  });

  it('long-running: rewrites the sink after a new login (token revoked behind its back), and exits 0 on SIGTERM, revoking with revoke_on_shutdown', async () => {
    await root.write('auth/approle/role/daemon', { token_policies: ['agent-policy'], token_ttl: '2s', token_max_ttl: '1h' });
    const roleId = (await root.read('auth/approle/role/daemon/role-id'))!.data!.role_id as string;
    const secretId = (await root.write('auth/approle/role/daemon/secret-id', {}))!.data!.secret_id as string;
    const roleFile = join(dir, 'daemon-role');
    const secretFile = join(dir, 'daemon-secret');
    await writeFile(roleFile, roleId);
    await writeFile(secretFile, secretId);
    const sink = join(dir, 'daemon-token');
    const pidFile = join(dir, 'agent.pid');
    const config = await agentConfig(`pid_file = "${pidFile}"
revoke_on_shutdown = true
auto_auth {
  method "approle" {
    config = { role_id_file_path = "${roleFile}", secret_id_file_path = "${secretFile}", remove_secret_id_file_after_reading = false }
  }
  sink "file" { config = { path = "${sink}" } }
}
`);
    const child = startAgent(config);
    try {
      const first = await poll('no token in the sink', async () => (existsSync(sink) ? (await readFile(sink, 'utf8')).trim() : undefined), { timeoutMs: 15_000, detail: child.output });
      assert.equal((await readFile(pidFile, 'utf8')).trim(), String(child.child.pid));
      await root.tokens.revoke(first);
      // The next renewal (due within about 1.5 s) finds the token gone and logs in again.
      const second = await poll('sink not rewritten', async () => {
        const now = (await readFile(sink, 'utf8')).trim();
        return now !== first ? now : undefined;
      }, { timeoutMs: 15_000, detail: child.output });
      await new CofferClient({ address: server.address, token: second, env: {} }).tokens.lookupSelf();
      const exited = new Promise<number | null>((resolve) => child.child.once('exit', (code) => resolve(code)));
      child.child.kill('SIGTERM');
      assert.equal(await exited, 0, child.output());
      assert.equal(existsSync(pidFile), false, 'the pid file is removed');
      assert.equal(existsSync(sink), true, 'the sink is left in place');
      await assert.rejects(root.tokens.lookup(second), (err: unknown) => err instanceof CofferApiError && err.status === 403);
      assert.ok(!child.output().includes(first) && !child.output().includes(second) && !child.output().includes(secretId), 'no token or secret id in the logs');
    } finally {
      await child.stop();
    }
  });

  it('refuses a configuration it cannot use with exit 1 and the reason', async () => {
    const bad = await runAgent(await agentConfig('auto_auth {\n  method "aws" {\n    config = {}\n  }\n}\n'));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /auto_auth method "aws" is not supported/);
    const badMode = await runAgent(await agentConfig('auto_auth {\n  method "token_file" {\n    config = { token_file_path = "/x" }\n  }\n  sink "file" {\n    config = { path = "/tmp/x", mode = 999 }\n  }\n}\n'));
    assert.equal(badMode.code, 1);
    assert.match(badMode.stderr, /mode must be an octal file mode/);
    const missing = await runProgram(process.execPath, [COFFER_BIN, 'agent'], { timeoutMs: 10_000 });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /agent needs one of -config=FILE and -config-env=NAME/);
    const unset = await runProgram(process.execPath, [COFFER_BIN, 'agent', '-config-env=COFFER_AGENT_CONFIG'], { timeoutMs: 10_000, env: cleanEnv() });
    assert.equal(unset.code, 1);
    assert.match(unset.stderr, /COFFER_AGENT_CONFIG is not set/);
  });

  it('-config-env reads the configuration (HCL or JSON) from an environment variable, as injected containers run it', async () => {
    const token = (await root.tokens.create({ policies: ['default'], ttl: '10m' }))!.auth!.client_token;
    await writeFile(join(dir, 'env-token'), token);
    const sink = join(dir, 'env-sink');
    const config = JSON.stringify({
      vault: { address: server.address },
      exit_after_auth: true,
      auto_auth: { method: { type: 'token_file', config: { token_file_path: join(dir, 'env-token') } }, sink: [{ type: 'file', config: { path: sink } }] },
    });
    const run = await runProgram(process.execPath, [COFFER_BIN, 'agent', '-config-env=COFFER_AGENT_CONFIG'], { timeoutMs: 30_000, env: cleanEnv({ COFFER_AGENT_CONFIG: config }) });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await readFile(sink, 'utf8')).trim(), token);
    const both = await runProgram(process.execPath, [COFFER_BIN, 'agent', '-config=/x', '-config-env=COFFER_AGENT_CONFIG'], { timeoutMs: 10_000 });
    assert.equal(both.code, 1);
  });
});
