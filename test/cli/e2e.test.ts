import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, runCli, succeeded, type CliRun } from '../harness/cli.js';
import { startServer, type TestServer } from '../harness/server.js';

describe('coffer CLI against a real dev server', () => {
  let server: TestServer;
  let home: string;

  /** Runs `node bin/coffer.js ...args` with the server's address and (by default) its root token. */
  function coffer(args: string[], options: { token?: string; stdin?: string } = {}): Promise<CliRun> {
    return runCli(args, { env: cleanEnv({ HOME: home, COFFER_ADDR: server.address, COFFER_TOKEN: options.token ?? server.rootToken }), stdin: options.stdin });
  }

  /** Runs a command that must succeed and returns its stdout. */
  async function ok(args: string[], options: { token?: string; stdin?: string } = {}): Promise<string> {
    return succeeded(await coffer(args, options), `coffer ${args.join(' ')}`);
  }

  before(async () => {
    // A custom root token id may not use Vault's hvs. prefix (the server refuses it), so pick our own.
    server = await startServer({ rootTokenId: `e2e-root-${randomBytes(12).toString('hex')}` });
    home = await mkdtemp(join(tmpdir(), 'coffer-cli-e2e-'));
  });
  after(async () => {
    await server?.destroy();
    if (home) await rm(home, { recursive: true, force: true });
  });

  describe('kv on the dev server\'s secret/ (v2)', () => {
    it('kv put then kv get shows the data in its table section', async () => {
      await ok(['kv', 'put', 'secret/e2e/table', 'user=admin', 'password=s3cret']);
      const out = await ok(['kv', 'get', 'secret/e2e/table']);
      assert.match(out, /Secret Path =*\nsecret\/data\/e2e\/table\n/);
      assert.match(out, /= Data =+\nKey\s+Value\n---\s+-----\npassword\s+s3cret\nuser\s+admin\n$/);
      assert.match(out, /^version\s+1$/m);
    });

    it('kv get -format=json prints the envelope with data and metadata', async () => {
      await ok(['kv', 'put', 'secret/e2e/json', 'a=1']);
      const printed = JSON.parse(await ok(['kv', 'get', '-format=json', 'secret/e2e/json']));
      assert.deepEqual(printed.data.data, { a: '1' });
      assert.equal(printed.data.metadata.version, 1);
    });

    it('kv get -field prints just the value', async () => {
      await ok(['kv', 'put', 'secret/e2e/field', 'password=hunter2']);
      assert.equal(await ok(['kv', 'get', '-field=password', 'secret/e2e/field']), 'hunter2');
    });

    it('kv get -version reads an older version', async () => {
      await ok(['kv', 'put', 'secret/e2e/versions', 'n=1']);
      await ok(['kv', 'put', 'secret/e2e/versions', 'n=2']);
      assert.equal(await ok(['kv', 'get', '-version=1', '-field=n', 'secret/e2e/versions']), '1');
      assert.equal(await ok(['kv', 'get', '-field=n', 'secret/e2e/versions']), '2');
    });

    it('kv put -mount= addresses the path inside the mount', async () => {
      await ok(['kv', 'put', '-mount=secret', 'e2e/mounted', 'x=y']);
      assert.equal(await ok(['kv', 'get', '-field=x', 'secret/e2e/mounted']), 'y');
    });

    it('kv get of a missing secret fails with exit 2', async () => {
      const result = await coffer(['kv', 'get', 'secret/e2e/nothing-here']);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /No value found at secret\/data\/e2e\/nothing-here/);
    });
  });

  describe('read/write/list/delete on a kv v1 mount', () => {
    before(async () => {
      await ok(['secrets', 'enable', '-path=kv1', '-version=1', 'kv']);
    });

    it('writes, reads, lists and deletes', async () => {
      assert.equal(await ok(['write', 'kv1/app/db', 'user=u1', 'pass=p1']), 'Success! Data written to: kv1/app/db\n');
      const read = await ok(['read', 'kv1/app/db']);
      assert.match(read, /^pass\s+p1$/m);
      assert.match(read, /^user\s+u1$/m);
      assert.equal(await ok(['list', 'kv1/app']), 'Keys\n----\ndb\n');
      assert.equal(await ok(['delete', 'kv1/app/db']), 'Success! Data deleted (if it existed) at: kv1/app/db\n');
      const gone = await coffer(['read', 'kv1/app/db']);
      assert.equal(gone.code, 2);
      assert.match(gone.stderr, /No value found at kv1\/app\/db/);
    });

    it('write takes a JSON object on stdin with -', async () => {
      await ok(['write', 'kv1/from-stdin', '-'], { stdin: '{"k":"v"}' });
      assert.equal(await ok(['read', '-field=k', 'kv1/from-stdin']), 'v');
    });

    it('kv get on a v1 mount prints the Data section without a Secret Path', async () => {
      await ok(['write', 'kv1/plain', 'a=b']);
      const out = await ok(['kv', 'get', 'kv1/plain']);
      assert.doesNotMatch(out, /Secret Path/);
      assert.match(out, /= Data =+\nKey\s+Value\n---\s+-----\na\s+b\n/);
    });
  });

  describe('tokens', () => {
    it('token create with policies, then lookup, then revoke', async () => {
      const token = await ok(['token', 'create', '-policy=alpha', '-policy=beta', '-ttl=1h', '-field=token']);
      assert.ok(token.length > 0);
      const lookup = JSON.parse(await ok(['token', 'lookup', '-format=json', token]));
      assert.deepEqual([...lookup.data.policies].sort(), ['alpha', 'beta', 'default']);
      assert.equal(await ok(['token', 'revoke', token]), 'Success! Revoked token (if it existed)\n');
      const after = await coffer(['token', 'lookup', token]);
      assert.equal(after.code, 2);
    });

    it('token create prints the auth table', async () => {
      const out = await ok(['token', 'create', '-policy=default']);
      assert.match(out, /^token\s+\S+$/m);
      assert.match(out, /^token_accessor\s+\S+$/m);
      assert.match(out, /^token_policies\s+\["default"\]$/m);
    });

    it('token lookup without an argument looks up the caller', async () => {
      const out = await ok(['token', 'lookup']);
      assert.match(out, /^policies\s+\[root\]$/m);
    });

    it('a token without the right policy is refused with exit 1 and Vault\'s error layout', async () => {
      const token = await ok(['token', 'create', '-policy=default', '-field=token']);
      const result = await coffer(['read', 'kv1/anything'], { token });
      assert.equal(result.code, 2);
      assert.match(result.stderr, /^Error reading kv1\/anything: Error making API request\.\n\nURL: GET http:\/\/\S+\/v1\/kv1\/anything\nCode: 403\. Errors:\n\n\* permission denied/);
    });
  });

  describe('policies', () => {
    it('policy write from a file, then read and list', async () => {
      const file = join(home, 'reader.hcl');
      await writeFile(file, 'path "secret/data/e2e/*" {\n  capabilities = ["read"]\n}\n');
      assert.equal(await ok(['policy', 'write', 'reader', file]), 'Success! Uploaded policy: reader\n');
      assert.match(await ok(['policy', 'read', 'reader']), /capabilities = \["read"\]/);
      assert.match(await ok(['policy', 'list']), /^reader$/m);
    });

    it('policy write from stdin with -', async () => {
      await ok(['policy', 'write', 'stdin-policy', '-'], { stdin: 'path "kv1/*" { capabilities = ["list"] }' });
      assert.match(await ok(['policy', 'read', 'stdin-policy']), /kv1/);
    });

    it('policy delete removes it', async () => {
      await ok(['policy', 'write', 'doomed', '-'], { stdin: 'path "x" { capabilities = ["read"] }' });
      assert.equal(await ok(['policy', 'delete', 'doomed']), 'Success! Deleted policy: doomed\n');
      const result = await coffer(['policy', 'read', 'doomed']);
      assert.equal(result.code, 2);
    });
  });

  describe('secrets engines', () => {
    it('enable, list and disable', async () => {
      assert.equal(await ok(['secrets', 'enable', '-path=team', '-description=team kv', 'kv']), 'Success! Enabled the kv secrets engine at: team/\n');
      assert.match(await ok(['secrets', 'list']), /^team\/\s+kv\s+\S+\s+team kv$/m);
      const mounts = JSON.parse(await ok(['secrets', 'list', '-format=json']));
      assert.equal(mounts['team/'].type, 'kv');
      assert.equal(await ok(['secrets', 'disable', 'team']), 'Success! Disabled the secrets engine (if it existed) at: team/\n');
      assert.doesNotMatch(await ok(['secrets', 'list']), /^team\//m);
    });
  });

  describe('errors and exit codes', () => {
    it('an unknown flag exits 1', async () => {
      const result = await coffer(['kv', 'get', '-nope', 'secret/x']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /flag provided but not defined: -nope/);
    });

    it('an unknown command exits 1', async () => {
      assert.equal((await coffer(['frobnicate'])).code, 1);
    });

    it('status exits 0 on an unsealed server', async () => {
      const out = await ok(['status']);
      assert.match(out, /^Sealed\s+false$/m);
    });
  });
});
