import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { initialize, startConfigServer, type ConfigServer } from '../metrics/server-process.js';
import { poll } from '../harness/poll.js';
import { runServer } from '../harness/server.js';

// Server logs: JSON lines by default, Vault's one-line "standard" format with -log-format=standard
// or log_format in the config file.

/** The server's log line carrying this request id, once it is written. */
async function lineFor(server: ConfigServer, requestId: string): Promise<string> {
  return poll(`a log line with ${requestId}`, () => server.output().split('\n').find((line) => line.includes(requestId)), { detail: () => server.output() });
}

/** A KV read that misses (nothing to set up), answering its request id. */
async function request(address: string, token: string): Promise<string> {
  const res = await api<{ request_id?: string }>(address, 'GET', 'sys/policies/acl/default', { token });
  assert.equal(res.status, 200, res.text);
  return res.body.request_id!;
}

describe('server log format', () => {
  let server: ConfigServer | undefined;
  afterEach(async () => {
    await server?.destroy();
    server = undefined;
  });
  after(async () => {
    await server?.destroy();
  });

  it('writes JSON lines by default, naming the logger in @module', async () => {
    server = await startConfigServer({ args: ['-log-level=debug'] });
    const root = await initialize(server.addresses[0]!);
    const id = await request(server.addresses[0]!, root);
    const record = JSON.parse(await lineFor(server, id)) as Record<string, unknown>;
    assert.equal(record['@module'], 'core');
    assert.equal(record.level, 20);
    assert.equal(record.msg, 'request handled');
    assert.equal(record.mount_type, 'system');
    assert.equal(record.status, 200);
  });

  it('writes one human line per entry with -log-format=standard: time [LEVEL]  module: message: key=value', async () => {
    server = await startConfigServer({ args: ['-log-level=debug', '-log-format=standard'] });
    const root = await initialize(server.addresses[0]!);
    const id = await request(server.addresses[0]!, root);
    const line = await lineFor(server, id);
    assert.match(
      line,
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\[DEBUG\\] core: request handled: request_id=${id} mount_type=system operation=read status=200 duration_ms=[\\d.]+$`),
    );
    const jsonLines = server.output().split('\n').filter((l) => l.startsWith('{'));
    assert.deepEqual(jsonLines, [], 'no JSON line is left');
  });

  it('takes log_format = "standard" from the config file', async () => {
    // An uninitialized store makes the server warn at start, through the root logger.
    server = await startConfigServer({ config: 'log_format = "standard"\n' });
    const s = server;
    await poll('the uninitialized warning', () => /\[WARN\] {2}storage is not initialized/.test(s.output()), { detail: () => s.output() });
    assert.match(s.output(), /^\d{4}-\d\d-\d\dT[\d:.]+Z \[WARN\]  storage is not initialized: initialize it with PUT \/v1\/sys\/init$/m);
  });

  it('refuses an unknown -log-format with usage (exit 1)', async () => {
    const result = await runServer({ dev: true, args: ['-log-format=xml'] });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /unknown log-format "xml"/);
  });

  it('refuses an unknown log_level in the config file (exit 1)', async () => {
    const result = await runServer({ config: 'storage "inmem" {}\nlistener "tcp" {\n  tls_disable = true\n}\nlog_level = "loud"\n' });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /coffer\.hcl:5: log_level must be one of trace, debug, info, warn, error, got "loud"/);
  });
});
