import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, stopProcess, waitFor } from '../harness/process.js';
import { COFFER_BIN } from '../harness/server.js';

// `coffer server` as an operator runs it: `node bin/coffer.js server ...`, judged by exit code,
// stdout and stderr (Vault's `vault server`: exit 1 for a bad config, 2 for bad usage).

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

const masterKeyEnv = () => ({ ...process.env, COFFER_LOCAL_MASTER_KEY: randomBytes(32).toString('base64') });

/** Runs a command that is expected to exit by itself. */
function run(args: string[], timeoutMs = 15_000): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COFFER_BIN, ...args], { env: masterKeyEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`coffer ${args.join(' ')} did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // 'exit' can fire before the pipes are drained; 'close' follows once they are.
      child.once('close', () => resolve({ code, stdout, stderr }));
    });
  });
}

interface Running {
  child: ChildProcess;
  address: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a long-running `coffer server` and waits for its banner. */
async function serve(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [COFFER_BIN, ...args], { env: masterKeyEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const address = await waitFor(child, () => /Api Address: (\S+)/.exec(output)?.[1], () => output);
  return { child, address, output: () => output, exited };
}

/** Ends a server this test started, by its own handle (SIGKILL if SIGTERM is not enough). */
async function kill(running: Running | undefined): Promise<void> {
  if (running) await stopProcess(running.child, 3_000);
}

/** One request on a connection closed right after (so the server is free to stop). */
async function health(address: string): Promise<number> {
  const res = await fetch(`${address}/v1/sys/health`, { headers: { connection: 'close' } }).catch(() => undefined);
  if (res) await res.text();
  return res?.status ?? 0;
}

describe('coffer server', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-command-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const config = async (name: string, text: string) => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };
  const sqliteHcl = (db: string, address = '127.0.0.1:0') =>
    `storage "sqlite" {\n  path = "${join(dir, db)}"\n}\n\nlistener "tcp" {\n  address     = "${address}"\n  tls_disable = true\n}\n\nseal "local" {}\n`;

  describe('refusing to start', () => {
    it('exits 1 for an HCL syntax error, naming the file and line', async () => {
      const file = await config('syntax.hcl', 'storage "sqlite" {\n  path = "/tmp/x.db"\n\nlistener "tcp" {\n  address = \n}\n');
      const result = await run(['server', `-config=${file}`]);
      assert.equal(result.code, 1, result.stderr);
      // The value missing after "address =" is noticed at line 5.
      assert.ok(result.stderr.includes(`${file}:5`), `stderr names file:line 5: ${result.stderr}`);
    });

    it('exits 1 for an unknown storage type, naming the file and the line of the stanza', async () => {
      const file = await config('unknown-storage.hcl', 'ui = true\n\nstorage "floppy" {\n  path = "/dev/fd0"\n}\n\nlistener "tcp" {\n  tls_disable = true\n}\n');
      const result = await run(['server', `-config=${file}`]);
      assert.equal(result.code, 1, result.stderr);
      assert.ok(result.stderr.includes(`${file}:3`), `stderr names file:line 3: ${result.stderr}`);
      assert.match(result.stderr, /floppy/);
    });

    it('exits 1 for a config file that does not exist, naming it', async () => {
      const file = join(dir, 'missing.hcl');
      const result = await run(['server', `-config=${file}`]);
      assert.equal(result.code, 1, result.stderr);
      assert.ok(result.stderr.includes(file), result.stderr);
    });

    it(
      'exits 1 for invalid JSON, naming the file and line',
      async () => {
        const file = await config('broken.json', '{\n  "storage": {"sqlite": {"path": "/tmp/x.db"}},\n  "listener": [}\n}\n');
        const result = await run(['server', `-config=${file}`]);
        assert.equal(result.code, 1, result.stderr);
        assert.ok(result.stderr.includes(`${file}:3`), `stderr names file:line 3: ${result.stderr}`);
      },
    );

    it('exits 1 with usage when given neither -config nor -dev', async () => {
      const result = await run(['server']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /Usage: coffer server/);
      assert.match(result.stderr, /-config/);
    });

    it('exits 1 with usage for an unknown flag', async () => {
      const result = await run(['server', '-dev', '-no-such-flag']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /Usage: coffer server/);
    });

    it('prints usage on stdout and exits 0 for -h', async () => {
      const result = await run(['server', '-h']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Usage: coffer server/);
    });

    it('exits 1 when the listen address is taken', async () => {
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = blocker.address() as net.AddressInfo;
        const file = await config('taken.hcl', sqliteHcl('taken.db', `127.0.0.1:${port}`));
        const result = await run(['server', `-config=${file}`]);
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /EADDRINUSE|address already in use/i);
      } finally {
        await new Promise<void>((resolve) => blocker.close(() => resolve()));
      }
    });
  });

  describe('-dev', () => {
    let server: Running | undefined;
    after(() => kill(server));

    it('prints the given root token and answers on -dev-listen-address', async () => {
      const port = await freePort();
      const rootTokenId = `dev-root-${randomBytes(8).toString('hex')}`;
      server = await serve(['server', '-dev', `-dev-root-token-id=${rootTokenId}`, `-dev-listen-address=127.0.0.1:${port}`]);
      assert.match(server.output(), new RegExp(`^Root Token: ${rootTokenId}$`, 'm'));
      assert.equal(server.address, `http://127.0.0.1:${port}`);

      const self = await fetch(`${server.address}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': rootTokenId, connection: 'close' } });
      assert.equal(self.status, 200);
      const body = (await self.json()) as { data: { policies: string[] } };
      assert.deepEqual(body.data.policies, ['root']);
    });

    it('exits 0 on SIGTERM', async () => {
      assert.ok(server, 'the previous test started a server');
      server.child.kill('SIGTERM');
      assert.deepEqual(await server.exited, { code: 0, signal: null });
    });
  });

  describe('a JSON configuration', () => {
    let server: Running | undefined;
    after(() => kill(server));

    it('starts a server that answers, and can be initialized', async () => {
      const file = await config(
        'coffer.json',
        JSON.stringify({ storage: { sqlite: { path: join(dir, 'json.db') } }, listener: [{ tcp: { address: '127.0.0.1:0', tls_disable: true } }], seal: { local: {} } }, null, 2),
      );
      server = await serve(['server', `-config=${file}`]);
      assert.equal(await health(server.address), 501);
      const init = await fetch(`${server.address}/v1/sys/init`, { method: 'PUT', body: '{}', headers: { connection: 'close' } });
      assert.equal(init.status, 200);
      assert.equal(typeof ((await init.json()) as { root_token: unknown }).root_token, 'string');
      assert.equal(await health(server.address), 200);
    });
  });

  describe('stopping', () => {
    it(
      'exits 0 promptly on SIGTERM while a client holds an idle keep-alive connection',
      async () => {
        const server = await serve(['server', '-dev', '-dev-listen-address=127.0.0.1:0']);
        try {
          // fetch keeps the connection open after the answer, as node-vault and most clients do.
          const res = await fetch(`${server.address}/v1/sys/health`);
          await res.text();
          server.child.kill('SIGTERM');
          const outcome = await Promise.race([server.exited, new Promise((r) => setTimeout(() => r('still running after 3 s'), 3_000))]);
          assert.deepEqual(outcome, { code: 0, signal: null });
        } finally {
          server.child.kill('SIGKILL');
          await server.exited;
        }
      },
    );
  });
});
