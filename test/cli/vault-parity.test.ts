import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT_API_ERROR, EXIT_OK, EXIT_USAGE } from '../../src/cli/exit-codes.js';
import { envelope, startStub } from '../client/stub-server.js';
import { api } from '../harness/http.js';
import { freePort } from '../harness/process.js';
import { startServer, type TestServer } from '../harness/server.js';
import { startTlsServer, tempDir, TestCa, type TlsServer } from '../tls/fixture.js';
import { writePolicy } from '../sys/fixture.js';
import { cleanEnv, runCli, type CliRun } from '../harness/cli.js';

// The CLI as a Vault user's scripts meet it, run as bin/coffer.js subprocesses: Vault's exit codes,
// paths sent as typed, path-help, and Vault's environment (token file, TLS, namespace, wrap TTL).

describe('coffer against a dev server, as Vault scripts use it', () => {
  let server: TestServer;
  let home: string;
  const coffer = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
    runCli(args, { env: cleanEnv({ HOME: home, VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken, ...env }) });

  before(async () => {
    server = await startServer();
    home = await mkdtemp(join(tmpdir(), 'coffer-cli-home-'));
  });
  after(async () => {
    await server.destroy();
    await rm(home, { recursive: true, force: true });
  });

  describe("exit codes as Vault's: 0 success, 1 local or usage error, 2 the server's error", () => {
    it('0 for a success', async () => {
      const result = await coffer(['kv', 'put', 'secret/exit-codes', 'a=1']);
      assert.equal(result.code, EXIT_OK, result.stderr);
    });

    it('1 for a bad flag, a missing argument and an unreadable file', async () => {
      const badFlag = await coffer(['kv', 'get', '-no-such-flag', 'secret/exit-codes']);
      assert.equal(badFlag.code, EXIT_USAGE);
      assert.match(badFlag.stderr, /flag provided but not defined: -no-such-flag/);
      assert.equal((await coffer(['kv', 'get'])).code, EXIT_USAGE);
      const unreadable = await coffer(['write', 'kv1/x', `a=@${join(home, 'no-such-file')}`]);
      assert.equal(unreadable.code, 1, unreadable.stderr);
      assert.match(unreadable.stderr, /no-such-file/);
    });

    it('2 for a 403 from the server', async () => {
      await writePolicy(server.address, server.rootToken, 'nothing-much', 'path "cubbyhole/*" { capabilities = ["read"] }');
      const created = await api<{ auth: { client_token: string } }>(server.address, 'POST', 'auth/token/create', { token: server.rootToken, body: { policies: ['nothing-much'] } });
      const token = created.body.auth.client_token;
      const result = await coffer(['kv', 'get', 'secret/exit-codes'], { VAULT_TOKEN: token });
      assert.equal(result.code, EXIT_API_ERROR);
      assert.match(result.stderr, /Code: 403\. Errors:\n\n\* permission denied/);
    });
  });

  it('sends a path with ".." as typed: the server refuses it with 400, and nothing else is read', async () => {
    const result = await coffer(['read', 'secret/data/../../sys/mounts']);
    assert.equal(result.code, EXIT_API_ERROR);
    assert.match(result.stderr, /URL: GET http:\/\/\S+\/v1\/secret\/data\/\.\.\/\.\.\/sys\/mounts\nCode: 400\./);
    assert.match(result.stderr, /invalid path/);
    assert.equal(result.stdout, '', 'sys/mounts must not have been read');
  });

  it('path-help prints the help the server generates from its path table', async () => {
    const mount = await coffer(['path-help', 'secret/']);
    assert.equal(mount.code, 0, mount.stderr);
    assert.match(mount.stdout, /^## DESCRIPTION\n/);
    assert.match(mount.stdout, /\^data\(\?:\\\/\(\.\*\)\)\?\$\n\s+\S/);
    const path = await coffer(['path-help', 'secret/data/app']);
    assert.match(path.stdout, /^Request: +data\/app\nMatching Route: /);
    assert.match(path.stdout, /^ {4}version \(int\)\n {8}Version to read/m);
    const anonymous = await coffer(['path-help', 'secret/'], { VAULT_TOKEN: '' });
    assert.equal(anonymous.code, EXIT_API_ERROR, 'help needs a valid token, as in Vault');
  });

  it('reads ~/.vault-token when ~/.coffer-token is absent, and prefers ~/.coffer-token', async () => {
    const own = await mkdtemp(join(tmpdir(), 'coffer-cli-vault-home-'));
    try {
      await writeFile(join(own, '.vault-token'), `${server.rootToken}\n`);
      const withVaultFile = await runCli(['token', 'lookup', '-field=policies'], { env: cleanEnv({ HOME: own, VAULT_ADDR: server.address }) });
      assert.equal(withVaultFile.code, 0, withVaultFile.stderr);
      assert.equal(withVaultFile.stdout, '[root]');
      await writeFile(join(own, '.coffer-token'), 'not-a-valid-token');
      const preferred = await runCli(['token', 'lookup'], { env: cleanEnv({ HOME: own, VAULT_ADDR: server.address }) });
      assert.equal(preferred.code, EXIT_API_ERROR, 'the .coffer-token (invalid here) must be the one used');
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('VAULT_WRAP_TTL wraps a read, and -wrap-ttl wins over it', async () => {
    const wrapped = await coffer(['kv', 'get', '-format=json', 'secret/exit-codes'], { VAULT_WRAP_TTL: '90s' });
    assert.equal(wrapped.code, 0, wrapped.stderr);
    const info = (JSON.parse(wrapped.stdout) as { wrap_info: { ttl: number; token: string } }).wrap_info;
    assert.equal(info.ttl, 90);
    const flagWins = await coffer(['kv', 'get', '-format=json', '-wrap-ttl=2m', 'secret/exit-codes'], { VAULT_WRAP_TTL: '90s' });
    assert.equal((JSON.parse(flagWins.stdout) as { wrap_info: { ttl: number } }).wrap_info.ttl, 120);
  });

  it('VAULT_FORMAT chooses the output format, and -format wins over it', async () => {
    const json = await coffer(['token', 'lookup'], { VAULT_FORMAT: 'json' });
    assert.deepEqual((JSON.parse(json.stdout) as { data: { policies: string[] } }).data.policies, ['root']);
    const table = await coffer(['token', 'lookup', '-format=table'], { VAULT_FORMAT: 'json' });
    assert.match(table.stdout, /^Key +Value\n/);
  });
});

describe('VAULT_NAMESPACE (against a recording stub)', () => {
  it('is sent as X-Vault-Namespace, and -namespace wins over it', async () => {
    const stub = await startStub(() => ({ status: 200, body: envelope({ policies: ['root'] }) }));
    const home = await mkdtemp(join(tmpdir(), 'coffer-cli-ns-'));
    try {
      const env = cleanEnv({ HOME: home, VAULT_ADDR: stub.address, VAULT_TOKEN: 't', VAULT_NAMESPACE: 'team-a' });
      assert.equal((await runCli(['token', 'lookup'], { env })).code, 0);
      assert.equal(stub.seen.at(-1)?.headers['x-vault-namespace'], 'team-a');
      await runCli(['token', 'lookup', '-namespace=team-b/prod'], { env });
      assert.equal(stub.seen.at(-1)?.headers['x-vault-namespace'], 'team-b/prod');
    } finally {
      await stub.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe("Vault's TLS environment against a TLS listener", () => {
  const tmp = tempDir('cli-env');
  const ca = new TestCa(tmp.dir, 'cli-env-ca');
  const clientCa = new TestCa(tmp.dir, 'cli-env-client-ca');
  const client = clientCa.client('cli-env-client');
  let server: TlsServer;
  let mtls: string;
  const lookup = (address: string, env: Record<string, string>, args: string[] = []) =>
    runCli(['token', 'lookup', '-field=policies', ...args], { env: cleanEnv({ HOME: tmp.dir, VAULT_ADDR: address, VAULT_TOKEN: server.rootToken, ...env }) });

  before(async () => {
    const second = ca.server('cli-env-mtls');
    const port = await freePort();
    mtls = `https://127.0.0.1:${port}`;
    server = await startTlsServer({
      dir: tmp.dir,
      serverCert: ca.server('cli-env-server'),
      ca: ca.cert,
      extraListeners: [
        `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_cert_file = "${second.cert}"\n  tls_key_file = "${second.key}"\n  tls_require_and_verify_client_cert = true\n  tls_client_ca_file = "${clientCa.cert}"\n}`,
      ],
    });
  });
  after(async () => {
    await server.stop();
    tmp.remove();
  });

  it('refuses an untrusted certificate by default (exit 2, a TLS error)', async () => {
    const result = await lookup(server.address, {});
    assert.equal(result.code, EXIT_API_ERROR);
    assert.match(result.stderr, /certificate/i);
  });

  it('trusts the CA in VAULT_CACERT, or in a VAULT_CAPATH directory', async () => {
    assert.equal((await lookup(server.address, { VAULT_CACERT: ca.cert })).stdout, '[root]');
    const caDir = join(tmp.dir, 'ca-dir');
    mkdirSync(caDir);
    writeFileSync(join(caDir, 'a.pem'), readFileSync(ca.cert, 'utf8'));
    assert.equal((await lookup(server.address, { VAULT_CAPATH: caDir })).stdout, '[root]');
  });

  it('VAULT_SKIP_VERIFY=true (Go ParseBool: also "1") accepts it unverified; "false" does not', async () => {
    assert.equal((await lookup(server.address, { VAULT_SKIP_VERIFY: 'true' })).stdout, '[root]');
    assert.equal((await lookup(server.address, { VAULT_SKIP_VERIFY: '1' })).stdout, '[root]');
    assert.equal((await lookup(server.address, { VAULT_SKIP_VERIFY: 'false' })).code, EXIT_API_ERROR);
    const bad = await lookup(server.address, { VAULT_SKIP_VERIFY: 'maybe' });
    assert.equal(bad.code, EXIT_USAGE);
    assert.match(bad.stderr, /VAULT_SKIP_VERIFY/);
  });

  it('presents VAULT_CLIENT_CERT / VAULT_CLIENT_KEY to a listener that requires a client certificate', async () => {
    assert.equal((await lookup(mtls, { VAULT_CACERT: ca.cert })).code, EXIT_API_ERROR, 'no client certificate: the handshake fails');
    const withCert = await lookup(mtls, { VAULT_CACERT: ca.cert, VAULT_CLIENT_CERT: client.cert, VAULT_CLIENT_KEY: client.key });
    assert.equal(withCert.stdout, '[root]', withCert.stderr);
    const flags = await lookup(mtls, {}, [`-ca-cert=${ca.cert}`, `-client-cert=${client.cert}`, `-client-key=${client.key}`]);
    assert.equal(flags.stdout, '[root]', flags.stderr);
  });
});
