import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { COFFER_BIN } from '../harness/server.js';
import { initialize, startConfigServer, until, type ConfigServer } from '../metrics/server-process.js';

// Server logs: JSON lines by default, Vault's one-line "standard" format with -log-format=standard
// or log_format in the config file.

/** The server's log line carrying this request id, once it is written. */
async function lineFor(server: ConfigServer, requestId: string): Promise<string> {
  let found: string | undefined;
  await until(
    () => (found = server.output().split('\n').find((line) => line.includes(requestId))) !== undefined,
    () => `a log line with ${requestId} in:\n${server.output()}`,
  );
  return found!;
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
    await until(() => /\[WARN\] {2}storage is not initialized/.test(s.output()), () => s.output());
    assert.match(s.output(), /^\d{4}-\d\d-\d\dT[\d:.]+Z \[WARN\]  storage is not initialized: initialize it with PUT \/v1\/sys\/init$/m);
  });

  it('refuses an unknown -log-format with usage (exit 1)', () => {
    const result = spawnSync(process.execPath, [COFFER_BIN, 'server', '-dev', '-log-format=xml'], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /unknown log-format "xml"/);
  });

  it('refuses an unknown log_level in the config file (exit 1)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-logs-'));
    try {
      const file = join(dir, 'coffer.hcl');
      await writeFile(file, 'storage "inmem" {}\nlistener "tcp" {\n  tls_disable = true\n}\nlog_level = "loud"\n');
      const result = spawnSync(process.execPath, [COFFER_BIN, 'server', `-config=${file}`], { encoding: 'utf8', timeout: 15_000 });
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, /coffer\.hcl:5: log_level must be one of trace, debug, info, warn, error, got "loud"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
