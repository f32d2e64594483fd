import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../harness/server.js';
import { writePolicy } from '../sys/fixture.js';
import { coffer as runCoffer, succeeded, tableValue, type CliRun } from '../harness/cli.js';
import { INVALID_WRAPPING_TOKEN } from '../wrapping/fixture.js';

// The vault CLI's wrapping grammar, run through bin/coffer.js against a real dev server:
// -wrap-ttl on any command, `unwrap [TOKEN]`, `token lookup -accessor`, sys/wrapping/* via write.

/** Go's time.Time printed by the table formatter: "2006-01-02 15:04:05.999999999 -0700 MST". */
const GO_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? [+-]\d{4} \S+$/;

describe('coffer CLI response wrapping', () => {
  let server: TestServer;
  let home: string;
  const secret = { password: 'cli-s3cret', user: 'cli-user' };

  const coffer = (args: string[], token = server.rootToken): Promise<CliRun> => runCoffer(server.address, token, home, args);
  const ok = async (args: string[], token?: string) => succeeded(await coffer(args, token), `coffer ${args.join(' ')}`);
  /** A wrapping token for the KV secret, from `kv get -wrap-ttl=5m -field=wrapping_token`. */
  const wrappedSecret = async () => (await ok(['kv', 'get', '-wrap-ttl=5m', '-field=wrapping_token', 'secret/cli/x'])).trim();

  before(async () => {
    server = await startServer();
    home = await mkdtemp(join(tmpdir(), 'coffer-cli-wrap-'));
    await writePolicy(server.address, server.rootToken, 'agent-policy', 'path "secret/data/cli/*" {\n  capabilities = ["read"]\n}\n');
    await ok(['kv', 'put', 'secret/cli/x', `password=${secret.password}`, `user=${secret.user}`]);
  });
  after(async () => {
    await server?.destroy();
    if (home) await rm(home, { recursive: true, force: true });
  });

  describe('-wrap-ttl', () => {
    it('kv get -wrap-ttl=5m prints the wrap_info table instead of the secret', async () => {
      const out = await ok(['kv', 'get', '-wrap-ttl=5m', 'secret/cli/x']);
      assert.match(out, /^Key\s+Value\n---\s+-----\n/);
      assert.ok((tableValue(out, 'wrapping_token:') ?? '').length > 0, out);
      assert.ok((tableValue(out, 'wrapping_accessor:') ?? '').length > 0, out);
      assert.equal(tableValue(out, 'wrapping_token_ttl:'), '5m');
      assert.match(tableValue(out, 'wrapping_token_creation_time:') ?? '', GO_TIME);
      assert.equal(tableValue(out, 'wrapping_token_creation_path:'), 'secret/data/cli/x');
      assert.equal(tableValue(out, 'wrapped_accessor:'), undefined, 'no wrapped_accessor row for a KV read');
      assert.ok(!out.includes(secret.password), 'the secret is not printed');
    });

    it('read -wrap-ttl=10m secret/data/... wraps the logical read', async () => {
      const out = await ok(['read', '-wrap-ttl=10m', 'secret/data/cli/x']);
      assert.equal(tableValue(out, 'wrapping_token_ttl:'), '10m');
      assert.equal(tableValue(out, 'wrapping_token_creation_path:'), 'secret/data/cli/x');
      assert.ok(!out.includes(secret.password), 'the secret is not printed');
    });

    it('write -wrap-ttl=15m sys/wrapping/wrap key=value wraps the given data', async () => {
      const out = await ok(['write', '-wrap-ttl=15m', 'sys/wrapping/wrap', 'key=value']);
      assert.equal(tableValue(out, 'wrapping_token_ttl:'), '15m');
      assert.equal(tableValue(out, 'wrapping_token_creation_path:'), 'sys/wrapping/wrap');
      const unwrapped = await ok(['unwrap', tableValue(out, 'wrapping_token:')!]);
      assert.equal(tableValue(unwrapped, 'key'), 'value');
    });

    it('token create -wrap-ttl=60s -policy=agent-policy shows the wrapped token\'s accessor', async () => {
      const out = await ok(['token', 'create', '-wrap-ttl=60s', '-policy=agent-policy']);
      assert.equal(tableValue(out, 'wrapping_token_ttl:'), '1m');
      assert.equal(tableValue(out, 'wrapping_token_creation_path:'), 'auth/token/create');
      assert.ok((tableValue(out, 'wrapped_accessor:') ?? '').length > 0, out);
    });
  });

  describe('unwrap', () => {
    it('with VAULT_TOKEN set to the wrapping token and no argument, prints the wrapped token', async () => {
      const created = await ok(['token', 'create', '-wrap-ttl=60s', '-policy=agent-policy']);
      const out = await ok(['unwrap'], tableValue(created, 'wrapping_token:'));
      assert.ok((tableValue(out, 'token') ?? '').length > 0, out);
      assert.equal(tableValue(out, 'token_accessor'), tableValue(created, 'wrapped_accessor:'));
      assert.equal(tableValue(out, 'policies'), '["agent-policy" "default"]');
    });

    it('unwrap TOKEN prints the wrapped KV response as a table', async () => {
      const out = await ok(['unwrap', await wrappedSecret()]);
      assert.match(tableValue(out, 'data') ?? '', /^map\[password:cli-s3cret user:cli-user\]$/);
    });

    it('unwrap -format=json TOKEN prints the response with .data.data equal to the secret', async () => {
      const printed = JSON.parse(await ok(['unwrap', '-format=json', await wrappedSecret()])) as { data: { data: unknown } };
      assert.deepEqual(printed.data.data, secret);
    });

    it('unwrap -field=NAME prints just that value of the wrapped data', async () => {
      const out = await ok(['write', '-wrap-ttl=5m', '-field=wrapping_token', 'sys/wrapping/wrap', 'password=only-this']);
      assert.equal(await ok(['unwrap', '-field=password', out.trim()]), 'only-this');
    });

    it('a second unwrap of the same token fails with Vault\'s message and exit 2', async () => {
      const token = await wrappedSecret();
      await ok(['unwrap', token]);
      const again = await coffer(['unwrap', token]);
      assert.equal(again.code, 2, again.stdout);
      assert.ok(again.stderr.includes(INVALID_WRAPPING_TOKEN), again.stderr);
    });
  });

  describe('inspecting a wrapping token', () => {
    it('token lookup -accessor shows the response-wrapping policy and a single use', async () => {
      const wrapped = await ok(['kv', 'get', '-wrap-ttl=5m', 'secret/cli/x']);
      const out = await ok(['token', 'lookup', '-accessor', tableValue(wrapped, 'wrapping_accessor:')!]);
      assert.equal(tableValue(out, 'policies'), '[response-wrapping]');
      assert.equal(tableValue(out, 'num_uses'), '1');
    });

    it('write sys/wrapping/lookup token=... shows creation_path, creation_time and creation_ttl', async () => {
      const out = await ok(['write', 'sys/wrapping/lookup', `token=${await wrappedSecret()}`]);
      assert.equal(tableValue(out, 'creation_path'), 'secret/data/cli/x');
      assert.equal(tableValue(out, 'creation_ttl'), '5m');
      assert.ok((tableValue(out, 'creation_time') ?? '').length > 0, out);
    });

    it('write sys/wrapping/rewrap token=... prints a new wrapping token that unwraps to the secret', async () => {
      const old = await wrappedSecret();
      const out = await ok(['write', 'sys/wrapping/rewrap', `token=${old}`]);
      const fresh = tableValue(out, 'wrapping_token:');
      assert.ok(fresh && fresh !== old, out);
      assert.equal(tableValue(out, 'wrapping_token_ttl:'), '5m');
      const printed = JSON.parse(await ok(['unwrap', '-format=json', fresh])) as { data: { data: unknown } };
      assert.deepEqual(printed.data.data, secret);
    });

    it('after rewrap, the old token no longer unwraps', async () => {
      const old = await wrappedSecret();
      await ok(['write', 'sys/wrapping/rewrap', `token=${old}`]);
      const res = await coffer(['unwrap', old]);
      assert.equal(res.code, 2, res.stdout);
      assert.ok(res.stderr.includes(INVALID_WRAPPING_TOKEN), res.stderr);
    });
  });
});
