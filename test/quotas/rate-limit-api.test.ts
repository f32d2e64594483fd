import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { assertNoContent, enableAuthMethod } from '../sys/fixture.js';
import { deleteQuota, writeQuota } from './fixture.js';

describe('sys/quotas/rate-limit and sys/quotas/config', () => {
  let server: TestServer;
  const root = (method: string, path: string, body?: unknown) => api(server.address, method, path, { token: server.rootToken, body });

  before(async () => {
    server = await startServer();
    await enableAuthMethod(server.address, server.rootToken, 'approle', 'approle');
    await enableAuthMethod(server.address, server.rootToken, 'userpass', 'userpass');
  });
  after(() => server?.destroy());

  it('reads a quota back in Vault\'s shape, with interval defaulting to 1 second', async () => {
    await writeQuota(server.address, server.rootToken, 'shape', { path: 'secret/', rate: 12.5 });
    try {
      const res = await root('GET', 'sys/quotas/rate-limit/shape');
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.data, {
        type: 'rate-limit',
        name: 'shape',
        path: 'secret/',
        role: '',
        rate: 12.5,
        interval: 1,
        block_interval: 0,
        inheritable: false,
      });
    } finally {
      await deleteQuota(server.address, server.rootToken, 'shape');
    }
  });

  it('deletes the quotas of a mount that is disabled, so a new mount at that path starts without them', async () => {
    assertNoContent(await root('POST', 'sys/mounts/short-lived', { type: 'kv' }), 'mount');
    await writeQuota(server.address, server.rootToken, 'short-lived', { path: 'short-lived/', rate: 1 });
    await writeQuota(server.address, server.rootToken, 'elsewhere', { path: 'secret/', rate: 50 });
    try {
      assertNoContent(await root('DELETE', 'sys/mounts/short-lived'), 'unmount');
      assertErrorAnswer(await root('GET', 'sys/quotas/rate-limit/short-lived'), 404);
      assert.equal((await root('GET', 'sys/quotas/rate-limit/elsewhere')).status, 200, "another mount's quota stays");
      assertNoContent(await root('POST', 'sys/mounts/short-lived', { type: 'kv' }), 'mount again');
      for (let i = 0; i < 3; i++) assertNoContent(await root('POST', 'short-lived/k', { v: String(i) }), `write ${i} on the new mount`);
    } finally {
      await deleteQuota(server.address, server.rootToken, 'elsewhere');
      await root('DELETE', 'sys/mounts/short-lived');
    }
  });

  it('keeps a path inside a mount, durations in seconds, and a global quota inheritable', async () => {
    await writeQuota(server.address, server.rootToken, 'inner', { path: '/secret/data/app', rate: 3, interval: '2m', block_interval: '30s' });
    await writeQuota(server.address, server.rootToken, 'everyone', { rate: 100 });
    try {
      const inner = (await root('GET', 'sys/quotas/rate-limit/inner')).body.data as Record<string, unknown>;
      assert.deepEqual([inner.path, inner.interval, inner.block_interval], ['secret/data/app', 120, 30]);
      const everyone = (await root('GET', 'sys/quotas/rate-limit/everyone')).body.data as Record<string, unknown>;
      assert.deepEqual([everyone.path, everyone.inheritable], ['', true]);
    } finally {
      await deleteQuota(server.address, server.rootToken, 'inner');
      await deleteQuota(server.address, server.rootToken, 'everyone');
    }
  });

  it('lists quota names, and answers 404 once none is left', async () => {
    await writeQuota(server.address, server.rootToken, 'b-quota', { path: 'cubbyhole/', rate: 5 });
    await writeQuota(server.address, server.rootToken, 'a-quota', { path: 'sys/', rate: 5 });
    const listed = await api(server.address, 'LIST', 'sys/quotas/rate-limit', { token: server.rootToken });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual((listed.body.data as { keys: string[] }).keys, ['a-quota', 'b-quota']);
    const viaQuery = await root('GET', 'sys/quotas/rate-limit?list=true');
    assert.deepEqual((viaQuery.body.data as { keys: string[] }).keys, ['a-quota', 'b-quota']);
    await deleteQuota(server.address, server.rootToken, 'a-quota');
    await deleteQuota(server.address, server.rootToken, 'b-quota');
    assert.equal((await api(server.address, 'LIST', 'sys/quotas/rate-limit', { token: server.rootToken })).status, 404);
  });

  it('updates a quota in place and forgets it on delete', async () => {
    await writeQuota(server.address, server.rootToken, 'changing', { path: 'secret/', rate: 5 });
    await writeQuota(server.address, server.rootToken, 'changing', { path: 'cubbyhole/', rate: 7, block_interval: 10 });
    const data = (await root('GET', 'sys/quotas/rate-limit/changing')).body.data as Record<string, unknown>;
    assert.deepEqual([data.path, data.rate, data.block_interval], ['cubbyhole/', 7, 10]);
    await deleteQuota(server.address, server.rootToken, 'changing');
    assert.equal((await root('GET', 'sys/quotas/rate-limit/changing')).status, 404);
  });

  it('takes a role on an auth mount whose method has roles', async () => {
    await writeQuota(server.address, server.rootToken, 'by-role', { path: 'auth/approle', role: 'web', rate: 2 });
    try {
      const data = (await root('GET', 'sys/quotas/rate-limit/by-role')).body.data as Record<string, unknown>;
      assert.deepEqual([data.path, data.role], ['auth/approle/', 'web']);
    } finally {
      await deleteQuota(server.address, server.rootToken, 'by-role');
    }
  });

  const refusals: Array<[string, string, Record<string, unknown>, RegExp]> = [
    ['a missing rate', 'bad', { path: 'secret/' }, /'rate' is invalid/],
    ['a zero rate', 'bad', { rate: 0 }, /'rate' is invalid/],
    ['a negative rate', 'bad', { rate: -3 }, /'rate' is invalid/],
    ['a rate that is not a number', 'bad', { rate: 'lots' }, /'rate' is invalid/],
    ['an interval that is not a duration', 'bad', { rate: 1, interval: 'soon' }, /interval/],
    ['a path no mount serves', 'bad', { rate: 1, path: 'nowhere/' }, /invalid mount path "nowhere\/"/],
    ['a role on a secrets engine', 'bad', { rate: 1, path: 'secret/', role: 'web' }, /not a valid auth method/],
    ['a role on a global quota', 'bad', { rate: 1, role: 'web' }, /not a valid auth method/],
    ['a role on an auth method without roles', 'bad', { rate: 1, path: 'auth/userpass/', role: 'web' }, /does not support use with role-based quotas/],
    ['a role together with a path inside the mount', 'bad', { rate: 1, path: 'auth/approle/login', role: 'web' }, /both a path suffix and a role/],
    ['a name with characters Vault refuses', 'bad$name', { rate: 1 }, /invalid quota name/],
  ];
  for (const [what, name, body, message] of refusals) {
    it(`refuses ${what} with 400 and keeps no quota`, async () => {
      assertErrorAnswer(await root('POST', `sys/quotas/rate-limit/${name}`, body), 400, message);
      assert.equal((await root('GET', `sys/quotas/rate-limit/${name}`)).status, 404);
    });
  }

  it('refuses a second quota on the same path under another name, naming the first', async () => {
    await writeQuota(server.address, server.rootToken, 'first', { path: 'secret/', rate: 5 });
    try {
      assertErrorAnswer(await root('POST', 'sys/quotas/rate-limit/second', { path: 'secret', rate: 9 }), 400, /similar properties exists under the name "first"/);
      assert.equal((await root('GET', 'sys/quotas/rate-limit/second')).status, 404);
    } finally {
      await deleteQuota(server.address, server.rootToken, 'first');
    }
  });

  it("answers Vault's default config, with the recovery paths exempt", async () => {
    const res = await root('GET', 'sys/quotas/config');
    assert.equal(res.status, 200, res.text);
    const data = res.body.data as Record<string, unknown>;
    assert.equal(data.enable_rate_limit_audit_logging, false);
    assert.equal(data.enable_rate_limit_response_headers, false);
    assert.deepEqual(data.absolute_rate_limit_exempt_paths, []);
    for (const path of ['sys/health', 'sys/seal-status', 'sys/unseal', 'sys/generate-root/attempt']) {
      assert.ok((data.rate_limit_exempt_paths as string[]).includes(path), `${path} is not exempt by default`);
    }
  });

  it('writes the config as a whole, as Vault does, and persists nothing for bad input', async () => {
    assertNoContent(
      await root('POST', 'sys/quotas/config', { enable_rate_limit_response_headers: true, rate_limit_exempt_paths: ['/v1/secret/data/free', 'kv/*'] }),
      'write config',
    );
    const data = (await root('GET', 'sys/quotas/config')).body.data as Record<string, unknown>;
    assert.deepEqual(data, {
      enable_rate_limit_audit_logging: false,
      enable_rate_limit_response_headers: true,
      rate_limit_exempt_paths: ['secret/data/free', 'kv/*'],
      absolute_rate_limit_exempt_paths: [],
    });
    assertErrorAnswer(await root('POST', 'sys/quotas/config', { enable_rate_limit_audit_logging: 'sometimes' }), 400);
    assert.deepEqual((await root('GET', 'sys/quotas/config')).body.data, data);
    assertNoContent(await root('POST', 'sys/quotas/config', { rate_limit_exempt_paths: ['sys/health', 'sys/seal-status', 'sys/unseal'] }), 'restore config');
  });

  it('keeps quotas and config from a token without a policy for them', async () => {
    const created = await root('POST', 'auth/token/create', { policies: ['default'] });
    const token = (created.body.auth as { client_token: string }).client_token;
    assertErrorAnswer(await api(server.address, 'POST', 'sys/quotas/rate-limit/sneaky', { token, body: { rate: 1 } }), 403);
    assertErrorAnswer(await api(server.address, 'POST', 'sys/quotas/config', { token, body: { rate_limit_exempt_paths: ['*'] } }), 403);
    assert.equal((await root('GET', 'sys/quotas/rate-limit/sneaky')).status, 404);
  });
});
