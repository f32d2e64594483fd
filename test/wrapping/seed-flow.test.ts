import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COFFER_BIN, startServer, type TestServer } from '../harness/server.js';
import { createToken, writePolicy } from '../sys/fixture.js';
import { cleanEnv, coffer, runProgram, succeeded, type CliRun } from '../harness/cli.js';
import type { ApiResponse } from '../harness/http.js';
import { clientFor, INVALID_WRAPPING_TOKEN, metricSample, prometheusText, type Envelope } from './fixture.js';

// The secure-introduction ("seed") flow response wrapping exists for: a trusted provisioner asks for
// a token for an agent, wrapped; the agent receives only the wrapping token, unwraps it once, and
// uses what it got. Anyone replaying the wrapping token later is refused, and the refusal shows up
// in the metrics an operator alerts on.

/**
 * The agent: one shell process whose only credential is the wrapping token in VAULT_TOKEN. It
 * unwraps it into a token of its own and reads its secret with that token.
 */
const AGENT_SCRIPT = 'set -e\nT=$("$0" "$1" unwrap -field=token)\nVAULT_TOKEN="$T" "$0" "$1" kv get -field=password secret/agent/db\n';

describe('seed flow: a provisioner hands an agent a wrapped token', () => {
  let server: TestServer;
  let home: string;
  let wrappingToken: string;
  let agent: CliRun;
  let replay: CliRun;
  let metrics: string;
  /** sys/wrapping/lookup of the wrapping token as it was handed to the agent. */
  let handedOver: ApiResponse<Envelope>;

  before(async () => {
    server = await startServer();
    const root = server.rootToken;
    home = await mkdtemp(join(tmpdir(), 'coffer-seed-flow-'));
    await writePolicy(server.address, root, 'agent-policy', 'path "secret/data/agent/*" {\n  capabilities = ["read"]\n}\n');
    await writePolicy(server.address, root, 'provisioner', 'path "auth/token/create" {\n  capabilities = ["update"]\n}\n');
    const written = await clientFor(server.address).call('POST', 'secret/data/agent/db', { token: root, body: { data: { password: 'agent-s3cret' } } });
    assert.equal(written.status, 200, written.text);
    // A non-root token may only hand out policies it holds itself (Vault's rule for child tokens).
    const provisioner = (await createToken(server.address, root, { policies: ['provisioner', 'agent-policy'] })).token;

    wrappingToken = succeeded(
      await coffer(server.address, provisioner, home, ['token', 'create', '-wrap-ttl=60s', '-policy=agent-policy', '-field=wrapping_token']),
      'provisioner: token create -wrap-ttl=60s',
    ).trim();

    handedOver = await clientFor(server.address).call('POST', 'sys/wrapping/lookup', { body: { token: wrappingToken } });
    agent = await runProgram('sh', ['-c', AGENT_SCRIPT, process.execPath, COFFER_BIN], { env: cleanEnv({ HOME: home, VAULT_ADDR: server.address, VAULT_TOKEN: wrappingToken }) });
    replay = await coffer(server.address, wrappingToken, home, ['unwrap', '-field=token']);
    metrics = (await prometheusText(server.address, root)).text;
  });
  after(async () => {
    await server?.destroy();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('the provisioner receives a 60s wrapping token for auth/token/create', () => {
    assert.equal(handedOver.status, 200, handedOver.text);
    assert.equal(handedOver.body.data?.['creation_path'], 'auth/token/create');
    assert.equal(handedOver.body.data?.['creation_ttl'], 60);
  });

  it('the agent, holding only the wrapping token, unwraps it and reads its secret', () => {
    assert.equal(agent.code, 0, `agent failed:\n${agent.stderr}${agent.stdout}`);
    assert.equal(agent.stdout, 'agent-s3cret');
  });

  it('a second unwrap of the same wrapping token is refused', () => {
    assert.notEqual(replay.code, 0, `replay succeeded: ${replay.stdout}`);
    assert.ok(replay.stderr.includes(INVALID_WRAPPING_TOKEN), replay.stderr);
    assert.equal(replay.stdout, '', 'the replay prints no token');
  });

  it('the refused replay is counted as already_used', () => {
    assert.equal(metricSample(metrics, 'coffer_wrapping_unwraps_failed_total', { reason: 'already_used' }), 1, metrics);
    assert.equal(metricSample(metrics, 'coffer_wrapping_unwraps_succeeded_total'), 1, metrics);
  });
});
