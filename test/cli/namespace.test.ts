import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, runCli, succeeded, tableValue, type CliRun } from '../harness/cli.js';
import { poll } from '../harness/poll.js';
import { startServer, type TestServer } from '../harness/server.js';
import { expect2xx, nsCall, tokenIn } from '../namespaces/fixture.js';

// `coffer namespace create|list|lookup|patch|delete` and the global -namespace flag and
// VAULT_NAMESPACE on other commands, run through bin/coffer.js against a real dev server. Each
// test makes namespaces of its own, so any one of them can run alone; what a test only needs to
// exist is made over HTTP (a CLI run costs a Node start-up).

/** A namespace's answer as `-format=json` prints it: Vault's whole response envelope. */
interface Printed {
  request_id: string;
  data: { id: string; path: string; custom_metadata: Record<string, string> };
}

describe('coffer namespace', () => {
  let server: TestServer;
  let home: string;

  /** `coffer ...args` as root (or `token`), with extra environment such as VAULT_NAMESPACE. */
  const coffer = (args: string[], env: Record<string, string> = {}, token = server.rootToken): Promise<CliRun> =>
    runCli(args, { env: cleanEnv({ HOME: home, VAULT_ADDR: server.address, VAULT_TOKEN: token, ...env }) });
  const ok = async (args: string[], env: Record<string, string> = {}, token?: string) => succeeded(await coffer(args, env, token), `coffer ${args.join(' ')}`);
  /** Asserts the exit code, showing the output when it differs; answers the run. */
  const exits = async (code: number, args: string[], env: Record<string, string> = {}, token?: string): Promise<CliRun> => {
    const run = await coffer(args, env, token);
    assert.equal(run.code, code, `coffer ${args.join(' ')}:\n${run.stderr}${run.stdout}`);
    return run;
  };
  /** An API call as root, in `namespace` when given; asserts a 2xx. */
  const setUp = async (method: string, path: string, body?: unknown, namespace?: string) =>
    expect2xx(await nsCall(server.address, server.rootToken, method, path, { body, namespace }), `${method} ${namespace ?? ''} ${path}`);

  before(async () => {
    server = await startServer();
    home = await mkdtemp(join(tmpdir(), 'coffer-cli-namespace-'));
  });
  after(async () => {
    await server?.destroy();
    if (home) await rm(home, { recursive: true, force: true });
  });

  describe('create, list, lookup, patch, delete', () => {
    it('create prints id, path and custom metadata as a table; -format=json prints the response envelope', async () => {
      const table = await ok(['namespace', 'create', '-custom-metadata=owner=alice', '-custom-metadata=cost=7', 'create-a']);
      assert.equal(tableValue(table, 'path'), 'create-a/');
      assert.equal(tableValue(table, 'custom_metadata'), 'map[cost:7 owner:alice]');
      assert.match(tableValue(table, 'id') ?? '', /^[A-Za-z0-9]{5}$/);
      const printed = JSON.parse(await ok(['namespace', 'create', '-format=json', 'create-b'])) as Printed;
      assert.deepEqual(Object.keys(printed).sort(), ['auth', 'data', 'lease_duration', 'lease_id', 'mount_type', 'renewable', 'request_id', 'warnings', 'wrap_info']);
      assert.deepEqual({ ...printed.data, id: '' }, { id: '', path: 'create-b/', custom_metadata: {} });
    });

    it('creates, lists and looks up relative to -namespace or VAULT_NAMESPACE, -namespace winning', async () => {
      await setUp('POST', 'sys/namespaces/rel');
      await setUp('POST', 'sys/namespaces/rel/three');
      assert.equal(tableValue(await ok(['namespace', 'create', '-namespace=rel', 'one']), 'path'), 'rel/one/');
      assert.equal(tableValue(await ok(['namespace', 'create', 'two'], { VAULT_NAMESPACE: 'rel' }), 'path'), 'rel/two/');
      assert.equal(await ok(['namespace', 'list', '-namespace=rel']), 'Keys\n----\none/\nthree/\ntwo/\n');
      assert.deepEqual(JSON.parse(await ok(['namespace', 'list', '-format=json'], { VAULT_NAMESPACE: 'rel' })), ['one/', 'three/', 'two/']);
      const looked = JSON.parse(await ok(['namespace', 'lookup', '-format=json', '-namespace=rel', 'one'], { VAULT_NAMESPACE: 'nowhere' })) as Printed;
      assert.equal(looked.data.path, 'rel/one/');
    });

    it('patch adds and removes custom metadata keys, keeping the others', async () => {
      await setUp('POST', 'sys/namespaces/patched', { custom_metadata: { owner: 'alice', team: 'blue' } });
      const out = await ok(['namespace', 'patch', '-custom-metadata=cost=42', '-remove-custom-metadata=owner', 'patched']);
      assert.equal(tableValue(out, 'custom_metadata'), 'map[cost:42 team:blue]');
      const looked = JSON.parse(await ok(['namespace', 'lookup', '-format=json', 'patched'])) as Printed;
      assert.deepEqual(looked.data.custom_metadata, { cost: '42', team: 'blue' });
    });

    it('delete refuses a namespace with children (exit 2, the server\'s reason), then deletes child and parent', async () => {
      await setUp('POST', 'sys/namespaces/parent');
      await setUp('POST', 'sys/namespaces/parent/child');
      const refused = await exits(2, ['namespace', 'delete', 'parent']);
      assert.match(refused.stderr, /^Error deleting namespace: Error making API request\.\n\nURL: DELETE http:\/\/\S+\/v1\/sys\/namespaces\/parent\nCode: 400\. Errors:\n\n\* cannot delete namespace "parent\/": it has child namespaces/);
      // Vault's asynchronous delete: the CLI shows the answer's status, as Vault's does.
      assert.equal(tableValue(await ok(['namespace', 'delete', '-namespace=parent', 'child']), 'status'), 'in-progress');
      await poll('child deleted', async () => (await nsCall(server.address, server.rootToken, 'GET', 'sys/namespaces/parent/child')).status === 404);
      assert.equal(tableValue(await ok(['namespace', 'delete', 'parent/']), 'status'), 'in-progress');
      await poll('parent deleted', async () => (await nsCall(server.address, server.rootToken, 'GET', 'sys/namespaces/parent')).status === 404);
      assert.equal(await ok(['namespace', 'delete', 'parent/']), 'Success! Namespace deleted at: parent/\n', 'nothing left to delete');
    });

    it('list with no child namespaces says "No namespaces found" (-format=json: {}) and exits 2', async () => {
      await setUp('POST', 'sys/namespaces/leaf');
      const table = await exits(2, ['namespace', 'list', '-namespace=leaf']);
      assert.deepEqual([table.stdout, table.stderr], ['', 'No namespaces found\n']);
      const json = await exits(2, ['namespace', 'list', '-format=json'], { VAULT_NAMESPACE: 'leaf' });
      assert.deepEqual(JSON.parse(json.stdout), {});
    });
  });

  describe('exit codes', () => {
    it('a usage error exits 1 and sends nothing: missing or extra arguments, an unknown flag or subcommand', async () => {
      const cases: [string[], RegExp][] = [
        [['namespace', 'create', 'a', 'b'], /Too many arguments \(expected 1, got 2\)/],
        [['namespace', 'lookup'], /Not enough arguments \(expected 1, got 0\)/],
        [['namespace', 'create', '-nope', 'c'], /flag provided but not defined: -nope/],
        [['namespace', 'frobnicate'], /Unknown subcommand "namespace frobnicate"/],
      ];
      for (const [args, message] of cases) assert.match((await exits(1, args)).stderr, message, args.join(' '));
      for (const name of ['a', 'b', 'c']) assert.equal((await nsCall(server.address, server.rootToken, 'GET', `sys/namespaces/${name}`)).status, 404, `no namespace ${name}`);
    });

    it('a server refusal exits 2: a reserved name, a missing parent, a token of another namespace', async () => {
      assert.match((await exits(2, ['namespace', 'create', 'cubbyhole'])).stderr, /Code: 400/);
      assert.match((await exits(2, ['namespace', 'create', 'no-parent/child'])).stderr, /parent namespace "no-parent\/" does not exist/);
      await setUp('POST', 'sys/namespaces/owner');
      const token = await tokenIn(server.address, server.rootToken, 'owner', ['default']);
      assert.match((await exits(2, ['namespace', 'list'], {}, token)).stderr, /Code: 403\. Errors:\n\n\* permission denied/);
    });
  });

  describe('-namespace and VAULT_NAMESPACE on other commands', () => {
    before(async () => {
      for (const name of ['kv-a', 'kv-b']) await setUp('POST', `sys/namespaces/${name}`);
      // Through the CLI once each: a mount and a KV v2 write in a namespace.
      await ok(['secrets', 'enable', '-namespace=kv-a', '-path=secret', '-version=2', 'kv']);
      await ok(['kv', 'put', '-namespace=kv-a', 'secret/app', 'where=kv-a']);
      await setUp('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } }, 'kv-b');
      await setUp('POST', 'secret/data/app', { data: { where: 'kv-b' } }, 'kv-b');
      await setUp('POST', 'secret/data/app', { data: { where: 'root' } });
    });

    it('kv get reads the namespace named by -namespace or VAULT_NAMESPACE (or as a path prefix), -namespace winning', async () => {
      assert.equal(await ok(['kv', 'get', '-namespace=kv-b', '-field=where', 'secret/app']), 'kv-b');
      const printed = JSON.parse(await ok(['kv', 'get', '-format=json', 'secret/app'], { VAULT_NAMESPACE: 'kv-a' })) as { data: { data: Record<string, string>; metadata: { version: number } } };
      assert.deepEqual([printed.data.data, printed.data.metadata.version], [{ where: 'kv-a' }, 1]);
      assert.equal(await ok(['kv', 'get', '-namespace=kv-b', '-field=where', 'secret/app'], { VAULT_NAMESPACE: 'kv-a' }), 'kv-b');
      assert.equal(await ok(['kv', 'get', '-field=where', 'kv-b/secret/app']), 'kv-b');
      assert.equal(await ok(['kv', 'get', '-field=where', 'secret/app']), 'root');
    });

    it('read finds the mount in the namespace (sys/internal/ui/mounts answers its path relative to it)', async () => {
      const mount = JSON.parse(await ok(['read', '-namespace=kv-a', '-format=json', 'sys/internal/ui/mounts/secret/app'])) as { data: { path: string; options: { version: string } } };
      assert.deepEqual([mount.data.path, mount.data.options.version], ['secret/', '2']);
      assert.equal(await ok(['read', '-namespace=kv-b', '-field=data', 'secret/data/app']), 'map[where:kv-b]');
    });

    it("a namespace's token works through VAULT_NAMESPACE there, and is refused (exit 2) in the sibling and the root", async () => {
      await setUp('PUT', 'sys/policies/acl/reader', { policy: 'path "secret/data/*" { capabilities = ["read"] }' }, 'kv-a');
      const token = await tokenIn(server.address, server.rootToken, 'kv-a', ['reader']);
      assert.equal(await ok(['kv', 'get', '-field=where', 'secret/app'], { VAULT_NAMESPACE: 'kv-a' }, token), 'kv-a');
      assert.equal(tableValue(await ok(['token', 'lookup'], { VAULT_NAMESPACE: 'kv-a' }, token), 'namespace_path'), 'kv-a/');
      for (const env of [{ VAULT_NAMESPACE: 'kv-b' }, {}] as Record<string, string>[]) {
        assert.match((await exits(2, ['kv', 'get', 'secret/app'], env, token)).stderr, /permission denied/, JSON.stringify(env));
      }
    });
  });
});
