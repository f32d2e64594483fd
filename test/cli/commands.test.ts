import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/session.js';
import { envelope, startStub, type SeenRequest, type StubAnswer } from '../client/stub-server.js';

const kvMetadata = { created_time: '2024-05-01T10:00:00Z', custom_metadata: null, deletion_time: '', destroyed: false, version: 1 };

function route(req: SeenRequest): StubAnswer {
  const url = new URL(req.url, 'http://x');
  const path = url.pathname;
  if (path.startsWith('/v1/sys/internal/ui/mounts/secret')) return { status: 200, body: envelope({ path: 'secret/', type: 'kv', options: { version: '2' } }) };
  if (path === '/v1/secret/data/app' && req.method === 'GET') return { status: 200, body: envelope({ data: { password: 'pw', user: 'admin' }, metadata: kvMetadata }) };
  if (path === '/v1/secret/data/app') return { status: 200, body: envelope(kvMetadata) };
  if (path === '/v1/auth/token/create') {
    return {
      status: 200,
      body: envelope(null, {
        auth: { client_token: 'hvs.new', accessor: 'acc', policies: ['a', 'b', 'default'], token_policies: ['a', 'b', 'default'], metadata: null, lease_duration: 3600, renewable: true },
      }),
    };
  }
  if (path === '/v1/auth/token/lookup-self') return { status: 200, body: envelope({ accessor: 'acc', policies: ['root'], ttl: 0, renewable: false }) };
  if (path === '/v1/kv1/thing') return req.method === 'PUT' ? { status: 204 } : { status: 200, body: envelope({ a: '1' }) };
  if (path === '/v1/missing') return { status: 404, body: { errors: [] } };
  if (path === '/v1/forbidden') return { status: 403, body: { errors: ['permission denied'] } };
  return { status: 404, body: { errors: [] } };
}

interface Captured {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
}

function captureIo(env: Record<string, string>, homeDir: string, stdin = ''): Captured {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      readStdin: async () => stdin,
      stdoutIsTTY: false,
      env,
      homeDir,
    },
    stdout: () => out,
    stderr: () => err,
  };
}

describe('coffer commands (against a stub server)', () => {
  let stub: Awaited<ReturnType<typeof startStub>>;
  let home: string;
  let env: Record<string, string>;
  const last = () => stub.seen[stub.seen.length - 1] as SeenRequest;

  before(async () => {
    stub = await startStub(route);
    home = await mkdtemp(join(tmpdir(), 'coffer-cli-test-'));
    env = { COFFER_ADDR: stub.address, COFFER_TOKEN: 'hvs.root' };
  });
  after(async () => {
    await stub.close();
    await rm(home, { recursive: true, force: true });
  });

  it('kv get prints the Secret Path, Metadata and Data sections', async () => {
    const c = captureIo(env, home);
    assert.equal(await run(['kv', 'get', 'secret/app'], c.io), 0);
    assert.equal(
      c.stdout(),
      [
        // Vault sizes this header to the path: 15 characters leave one sign each side.
        '= Secret Path =',
        'secret/data/app',
        '',
        '======= Metadata =======',
        'Key                Value',
        '---                -----',
        'created_time       2024-05-01T10:00:00Z',
        'custom_metadata    <nil>',
        'deletion_time      n/a',
        'destroyed          false',
        'version            1',
        '',
        '====== Data ======',
        'Key         Value',
        '---         -----',
        'password    pw',
        'user        admin',
        '',
      ].join('\n'),
    );
  });

  it('kv get -field prints only the value, without a newline when stdout is not a terminal', async () => {
    const c = captureIo(env, home);
    assert.equal(await run(['kv', 'get', '-field=password', 'secret/app'], c.io), 0);
    assert.equal(c.stdout(), 'pw');
  });

  it('kv get -format=json prints the whole response envelope', async () => {
    const c = captureIo(env, home);
    assert.equal(await run(['kv', 'get', '-format=json', 'secret/app'], c.io), 0);
    const printed = JSON.parse(c.stdout());
    assert.equal(printed.request_id, 'req-1');
    assert.deepEqual(printed.data.data, { password: 'pw', user: 'admin' });
  });

  it('kv put sends the data under data/ and prints the new version metadata', async () => {
    const c = captureIo(env, home);
    assert.equal(await run(['kv', 'put', '-cas=0', 'secret/app', 'user=admin'], c.io), 0);
    assert.deepEqual(JSON.parse(last().body), { data: { user: 'admin' }, options: { cas: 0 } });
    assert.match(c.stdout(), /^= Secret Path =\nsecret\/data\/app\n\n======= Metadata =======\n/);
  });

  it('write reads k=@file and k=- values and reports success on a 204', async () => {
    const file = join(home, 'cert.pem');
    await writeFile(file, 'CERT');
    const c = captureIo(env, home, 'from-stdin');
    assert.equal(await run(['write', 'kv1/thing', `cert=@${file}`, 'note=-', 'plain=x'], c.io), 0);
    assert.deepEqual(JSON.parse(last().body), { cert: 'CERT', note: 'from-stdin', plain: 'x' });
    assert.equal(c.stdout(), 'Success! Data written to: kv1/thing\n');
  });

  it('write takes a JSON object from stdin with -', async () => {
    const c = captureIo(env, home, '{"a": 1, "b": [true]}');
    assert.equal(await run(['write', 'kv1/thing', '-'], c.io), 0);
    assert.deepEqual(JSON.parse(last().body), { a: 1, b: [true] });
  });

  it('token create sends every -policy and -field=token prints the new token', async () => {
    const c = captureIo(env, home);
    assert.equal(await run(['token', 'create', '-policy=a', '-policy', 'b', '-ttl=1h', '-field=token'], c.io), 0);
    assert.deepEqual(JSON.parse(last().body), { policies: ['a', 'b'], ttl: '1h' });
    assert.equal(c.stdout(), 'hvs.new');
  });

  it('read of nothing says "No value found" and exits 2', async () => {
    const c = captureIo(env, home);
    assert.equal(await run(['read', 'missing'], c.io), 2);
    assert.equal(c.stderr(), 'No value found at missing\n');
  });

  it('an API error is printed in Vault\'s layout and exits 2', async () => {
    const c = captureIo(env, home);
    assert.equal(await run(['read', 'forbidden'], c.io), 2);
    assert.equal(
      c.stderr(),
      `Error reading forbidden: Error making API request.\n\nURL: GET ${stub.address}/v1/forbidden\nCode: 403. Errors:\n\n* permission denied\n`,
    );
  });

  it('an unknown flag is a usage error (exit 1)', async () => {
    const c = captureIo(env, home);
    assert.equal(await run(['read', '-bogus=1', 'secret/x'], c.io), 1);
    assert.equal(c.stderr(), 'flag provided but not defined: -bogus\n');
  });

  it('a missing argument is a usage error (exit 1)', async () => {
    assert.equal(await run(['kv', 'get'], captureIo(env, home).io), 1);
  });

  it('help prints usage and exits 0', async () => {
    const c = captureIo(env, home);
    assert.equal(await run(['kv', 'get', '-h'], c.io), 0);
    assert.match(c.stdout(), /^Usage: coffer kv/);
  });

  it('login checks the token, then saves it readable only by its owner', async () => {
    const c = captureIo({ COFFER_ADDR: stub.address }, home);
    assert.equal(await run(['login', 'hvs.saved'], c.io), 0);
    assert.equal(last().headers['x-vault-token'], 'hvs.saved');
    const file = join(home, '.coffer-token');
    assert.equal(await readFile(file, 'utf8'), 'hvs.saved');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('uses the saved token when no token is in the environment', async () => {
    await writeFile(join(home, '.coffer-token'), 'hvs.from-file\n');
    const c = captureIo({ COFFER_ADDR: stub.address }, home);
    await run(['read', 'kv1/thing'], c.io);
    assert.equal(last().headers['x-vault-token'], 'hvs.from-file');
  });

  it('prefers COFFER_TOKEN over VAULT_TOKEN', async () => {
    const c = captureIo({ COFFER_ADDR: stub.address, COFFER_TOKEN: 'hvs.coffer', VAULT_TOKEN: 'hvs.vault' }, home);
    await run(['read', 'kv1/thing'], c.io);
    assert.equal(last().headers['x-vault-token'], 'hvs.coffer');
  });

  it('falls back to VAULT_ADDR and VAULT_TOKEN', async () => {
    const c = captureIo({ VAULT_ADDR: stub.address, VAULT_TOKEN: 'hvs.vault' }, home);
    assert.equal(await run(['read', 'kv1/thing'], c.io), 0);
    assert.equal(last().headers['x-vault-token'], 'hvs.vault');
  });

  it('-wrap-ttl asks the server to wrap the response', async () => {
    await run(['read', '-wrap-ttl=5m', 'kv1/thing'], captureIo(env, home).io);
    assert.equal(last().headers['x-vault-wrap-ttl'], '5m');
  });
});
