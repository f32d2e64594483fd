import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../harness/process.js';
import { runServer, startServer, tcpListener, type TestServer } from '../harness/server.js';

// `coffer server` as an operator runs it: `node bin/coffer.js server ...`, judged by exit code,
// stdout and stderr (Vault's `vault server`: exit 1 for a bad config, 2 for bad usage).

/** One request on a connection closed right after (so the server is free to stop). */
async function health(address: string): Promise<number> {
  const res = await fetch(`${address}/v1/sys/health`, { headers: { connection: 'close' } }).catch(() => undefined);
  if (res) await res.text();
  return res?.status ?? 0;
}

describe('coffer server', () => {
  describe('refusing to start', () => {
    it('exits 1 for an HCL syntax error, naming the file and line', async () => {
      const result = await runServer({ config: 'storage "sqlite" {\n  path = "/tmp/x.db"\n\nlistener "tcp" {\n  address = \n}\n', configName: 'syntax.hcl' });
      assert.equal(result.code, 1, result.stderr);
      // The value missing after "address =" is noticed at line 5.
      assert.ok(result.stderr.includes(`${result.configFile}:5`), `stderr names file:line 5: ${result.stderr}`);
    });

    it('exits 1 for an unknown storage type, naming the file and the line of the stanza', async () => {
      const result = await runServer({ config: 'ui = true\n\nstorage "floppy" {\n  path = "/dev/fd0"\n}\n\nlistener "tcp" {\n  tls_disable = true\n}\n', configName: 'unknown-storage.hcl' });
      assert.equal(result.code, 1, result.stderr);
      assert.ok(result.stderr.includes(`${result.configFile}:3`), `stderr names file:line 3: ${result.stderr}`);
      assert.match(result.stderr, /floppy/);
    });

    it('exits 1 for a config file that does not exist, naming it', async () => {
      const file = join(tmpdir(), `coffer-missing-${randomBytes(4).toString('hex')}.hcl`);
      const result = await runServer({ config: null, args: [`-config=${file}`] });
      assert.equal(result.code, 1, result.stderr);
      assert.ok(result.stderr.includes(file), result.stderr);
    });

    it(
      'exits 1 for invalid JSON, naming the file and line',
      async () => {
        const result = await runServer({ config: '{\n  "storage": {"sqlite": {"path": "/tmp/x.db"}},\n  "listener": [}\n}\n', configName: 'broken.json' });
        assert.equal(result.code, 1, result.stderr);
        assert.ok(result.stderr.includes(`${result.configFile}:3`), `stderr names file:line 3: ${result.stderr}`);
      },
    );

    it('exits 1 with usage when given neither -config nor -dev', async () => {
      const result = await runServer({ config: null });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /Usage: coffer server/);
      assert.match(result.stderr, /-config/);
    });

    it('exits 1 with usage for an unknown flag', async () => {
      const result = await runServer({ dev: true, args: ['-no-such-flag'] });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /Usage: coffer server/);
    });

    it('prints usage on stdout and exits 0 for -h', async () => {
      const result = await runServer({ config: null, args: ['-h'] });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Usage: coffer server/);
    });

    it('exits 1 when the listen address is taken', async () => {
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = blocker.address() as net.AddressInfo;
        const result = await runServer({ config: { listeners: [tcpListener(`127.0.0.1:${port}`)] } });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /EADDRINUSE|address already in use/i);
      } finally {
        await new Promise<void>((resolve) => blocker.close(() => resolve()));
      }
    });
  });

  describe('-dev', () => {
    let server: TestServer | undefined;
    after(() => server?.destroy());

    it('prints the given root token and answers on -dev-listen-address', async () => {
      const port = await freePort();
      const rootTokenId = `dev-root-${randomBytes(8).toString('hex')}`;
      server = await startServer({ dev: true, rootTokenId, devListenAddress: `127.0.0.1:${port}` });
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
      assert.deepEqual({ code: await server.exited(), signal: server.child.signalCode }, { code: 0, signal: null });
    });
  });

  describe('a JSON configuration', () => {
    let server: TestServer | undefined;
    after(() => server?.destroy());

    it('starts a server that answers, and can be initialized', async () => {
      const json = (dir: string) =>
        JSON.stringify({ storage: { sqlite: { path: join(dir, 'json.db') } }, listener: [{ tcp: { address: '127.0.0.1:0', tls_disable: true } }], seal: { local: {} } }, null, 2);
      server = await startServer({ config: json, configName: 'coffer.json', initialize: false });
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
        const server = await startServer({ dev: true });
        try {
          // fetch keeps the connection open after the answer, as node-vault and most clients do.
          const res = await fetch(`${server.address}/v1/sys/health`);
          await res.text();
          server.child.kill('SIGTERM');
          // exited() fails if the server is still running after 3 s.
          assert.deepEqual({ code: await server.exited(3_000), signal: server.child.signalCode }, { code: 0, signal: null });
        } finally {
          await server.destroy();
        }
      },
    );
  });
});
