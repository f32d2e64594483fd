import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { initialize, startConfigServer, type ConfigServer } from '../metrics/server-process.js';
import { poll } from '../harness/poll.js';

// sys/loggers (Vault 1.11+): read the named loggers' levels, change them at runtime, revert them to
// the configured level. What the levels change is what reaches the log.

describe('sys/loggers', () => {
  let server: ConfigServer;
  let address: string;
  let root: string;
  before(async () => {
    server = await startConfigServer({ config: 'log_level = "info"\n' });
    address = server.addresses[0]!;
    root = await initialize(address);
  });
  after(async () => {
    await server?.destroy();
  });

  /** A request whose core "request handled" line appears only at debug; answers its request id. */
  const request = async () => {
    const res = await api<{ request_id: string }>(address, 'GET', 'sys/policies/acl/default', { token: root });
    assert.equal(res.status, 200, res.text);
    return res.body.request_id;
  };
  const logged = (id: string) => server.output().includes(`"request_id":"${id}"`);
  const untilLogged = (id: string) => poll(`a line with ${id}`, () => logged(id), { detail: () => server.output() });

  it('reads every named logger at the configured level', async () => {
    const res = await api<{ data: Record<string, string> }>(address, 'GET', 'sys/loggers', { token: root });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data, { core: 'info', http: 'info' });
  });

  it('logs debug lines of one logger only after POST sys/loggers/:name, and stops after DELETE', async () => {
    const quiet = await request();
    assert.equal((await api(address, 'POST', 'sys/loggers/core', { token: root, body: { level: 'debug' } })).status, 204);
    assert.deepEqual((await api<{ data: unknown }>(address, 'GET', 'sys/loggers/core', { token: root })).body.data, { core: 'debug' });
    const loud = await request();
    await untilLogged(loud);
    // Lines are written in order: the later one is there, so the earlier one was never logged.
    assert.equal(logged(quiet), false, 'a request at info left no debug line');

    assert.equal((await api(address, 'DELETE', 'sys/loggers/core', { token: root })).status, 204);
    assert.deepEqual((await api<{ data: unknown }>(address, 'GET', 'sys/loggers/core', { token: root })).body.data, { core: 'info' });
    const quietAgain = await request();
    assert.equal((await api(address, 'POST', 'sys/loggers', { token: root, body: { level: 'debug' } })).status, 204);
    const loudAgain = await request();
    await untilLogged(loudAgain);
    assert.equal(logged(quietAgain), false, 'after the revert, no debug line');
  });

  it('sets every logger with POST sys/loggers and reverts them all with DELETE sys/loggers', async () => {
    assert.equal((await api(address, 'POST', 'sys/loggers', { token: root, body: { level: 'trace' } })).status, 204);
    assert.deepEqual((await api<{ data: unknown }>(address, 'GET', 'sys/loggers', { token: root })).body.data, { core: 'trace', http: 'trace' });
    assert.equal((await api(address, 'DELETE', 'sys/loggers', { token: root })).status, 204);
    assert.deepEqual((await api<{ data: unknown }>(address, 'GET', 'sys/loggers', { token: root })).body.data, { core: 'info', http: 'info' });
  });

  it('refuses an unknown level with 400 and changes nothing', async () => {
    const res = await api<{ errors: string[] }>(address, 'POST', 'sys/loggers/core', { token: root, body: { level: 'loud' } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors, ['invalid level provided: "loud"']);
    assert.deepEqual((await api<{ data: unknown }>(address, 'GET', 'sys/loggers/core', { token: root })).body.data, { core: 'info' });
  });

  it('answers 404 for a logger it does not have', async () => {
    assert.equal((await api(address, 'POST', 'sys/loggers/expiration-of-nothing', { token: root, body: { level: 'debug' } })).status, 404);
  });

  it('needs sudo: a policy granting read and update without sudo gets 403', async () => {
    const policy = 'path "sys/loggers" { capabilities = ["read", "update", "delete"] }\npath "sys/loggers/*" { capabilities = ["read", "update", "delete"] }';
    assert.equal((await api(address, 'PUT', 'sys/policies/acl/loggers-no-sudo', { token: root, body: { policy } })).status, 204);
    const child = await api<{ auth: { client_token: string } }>(address, 'POST', 'auth/token/create', { token: root, body: { policies: ['loggers-no-sudo'] } });
    const token = child.body.auth.client_token;
    assert.equal((await api(address, 'GET', 'sys/loggers', { token })).status, 403);
    assert.equal((await api(address, 'POST', 'sys/loggers/core', { token, body: { level: 'debug' } })).status, 403);
  });
});
