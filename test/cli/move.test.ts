import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT_API_ERROR, EXIT_USAGE } from '../../src/cli/exit-codes.js';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { assertNoContent } from '../sys/fixture.js';
import { cleanEnv, runCli, type CliRun } from '../harness/cli.js';

// `coffer secrets move` and `coffer auth move` as subprocesses against a real dev server: sys/remount,
// polled until done, with Vault's output lines.

const MIGRATION_ID = '[0-9a-f-]{36}';

describe('coffer secrets move and auth move', () => {
  let server: TestServer;
  let home: string;
  const coffer = (args: string[]): Promise<CliRun> =>
    runCli(args, { env: cleanEnv({ HOME: home, COFFER_ADDR: server.address, COFFER_TOKEN: server.rootToken }) });
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    api<T>(server.address, method, path, { token: server.rootToken, ...(body === undefined ? {} : { body }) });

  before(async () => {
    server = await startServer();
    home = await mkdtemp(join(tmpdir(), 'coffer-cli-move-'));
  });
  after(async () => {
    await server?.destroy();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("secrets move SRC DST moves the engine with its data and prints Vault's Started/Success lines", async () => {
    assertNoContent(await call('POST', 'sys/mounts/cli-kv', { type: 'kv-v2' }), 'mount');
    assert.equal((await call('POST', 'cli-kv/data/app', { data: { k: 'v' } })).status, 200);
    const result = await coffer(['secrets', 'move', 'cli-kv', 'cli-kv-moved/']);
    assert.equal(result.code, 0, `${result.stderr}${result.stdout}`);
    assert.match(result.stdout, new RegExp(`^Started moving secrets engine cli-kv/ to cli-kv-moved/, with migration ID ${MIGRATION_ID}$`, 'm'));
    assert.match(result.stdout, new RegExp(`^Success! Finished moving secrets engine cli-kv/ to cli-kv-moved/, with migration ID ${MIGRATION_ID}$`, 'm'));
    const read = await call<{ data: { data: Record<string, string> } }>('GET', 'cli-kv-moved/data/app');
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.body.data.data, { k: 'v' });
  });

  it('auth move auth/SRC auth/DST moves the auth method; users log in at the new path', async () => {
    assertNoContent(await call('POST', 'sys/auth/cli-up', { type: 'userpass' }), 'enable');
    assertNoContent(await call('POST', 'auth/cli-up/users/bob', { password: 'pw-bob' }), 'user');
    const result = await coffer(['auth', 'move', 'auth/cli-up', 'auth/cli-up-moved']);
    assert.equal(result.code, 0, `${result.stderr}${result.stdout}`);
    assert.match(result.stdout, new RegExp(`^Success! Finished moving auth method auth/cli-up/ to auth/cli-up-moved/, with migration ID ${MIGRATION_ID}$`, 'm'));
    const login = await api(server.address, 'POST', 'auth/cli-up-moved/login/bob', { body: { password: 'pw-bob' } });
    assert.equal(login.status, 200, login.text);
  });

  it('a refused move prints the server\'s error and exits with the API error status, changing nothing', async () => {
    const result = await coffer(['secrets', 'move', 'sys', 'elsewhere']);
    assert.equal(result.code, EXIT_API_ERROR, `${result.stderr}${result.stdout}`);
    assert.match(result.stderr, /Error moving secrets engine sys\/ to elsewhere\/: [\s\S]*cannot remount "sys\/"/);
    assert.doesNotMatch(result.stdout, /Started moving/);
  });

  it('needs exactly two arguments (usage error)', async () => {
    const result = await coffer(['secrets', 'move', 'only-one']);
    assert.equal(result.code, EXIT_USAGE, `${result.stderr}${result.stdout}`);
  });
});
