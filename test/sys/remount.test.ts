import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { poll } from '../harness/poll.js';
import { assertNoContent, createToken, writePolicy } from './fixture.js';

// Vault's sys/remount and sys/remount/status/:migration_id over real HTTP against a server on SQLite
// (https://developer.hashicorp.com/vault/api-docs/system/remount). Each test moves its own mounts.

interface MountShape {
  type: string;
  uuid: string;
  accessor: string;
  options: Record<string, string> | null;
}

interface MigrationStatus {
  data: { migration_id: string; migration_info: { source_mount: string; target_mount: string; status: string } };
}

describe('sys/remount over HTTP', () => {
  let server: TestServer;
  let root: string;
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, token = root) =>
    api<T>(server.address, method, path, { token, ...(body === undefined ? {} : { body }) });
  const mounts = async (table: 'mounts' | 'auth') => (await call<{ data: Record<string, MountShape> }>('GET', `sys/${table}`)).body.data;

  /** Asks for a move, waits for its status to say success, and answers the final status. */
  async function move(from: string, to: string): Promise<MigrationStatus['data']> {
    const res = await call<{ data: { migration_id: string }; warnings: string[] }>('POST', 'sys/remount', { from, to });
    assert.equal(res.status, 200, res.text);
    const id = res.body.data.migration_id;
    assert.match(id, /^[0-9a-f-]{36}$/);
    let last: MigrationStatus['data'] | undefined;
    await poll(
      `migration ${id} finished`,
      async () => {
        const status = await call<MigrationStatus>('GET', `sys/remount/status/${id}`);
        assert.equal(status.status, 200, status.text);
        last = status.body.data;
        return last.migration_info.status !== 'in-progress';
      },
      { intervalMs: 50 },
    );
    return last!;
  }

  before(async () => {
    server = await startServer({ dev: false });
    root = server.rootToken;
  });
  after(async () => {
    await server?.destroy();
  });

  describe('a KV v2 secrets engine', () => {
    it('moves with its versions, uuid and accessor; the old path is gone', async () => {
      assertNoContent(await call('POST', 'sys/mounts/app-kv', { type: 'kv-v2' }), 'mount');
      for (const n of ['1', '2']) assert.equal((await call('POST', 'app-kv/data/db', { data: { n } })).status, 200);
      const before = (await mounts('mounts'))['app-kv/']!;

      const done = await move('app-kv', 'moved-kv');
      assert.deepEqual(done.migration_info, { source_mount: 'app-kv/', target_mount: 'moved-kv/', status: 'success' });

      const after = await mounts('mounts');
      assert.equal(after['app-kv/'], undefined);
      assert.deepEqual([after['moved-kv/']?.uuid, after['moved-kv/']?.accessor, after['moved-kv/']?.options], [before.uuid, before.accessor, { version: '2' }]);
      const latest = await call<{ data: { data: { n: string }; metadata: { version: number } } }>('GET', 'moved-kv/data/db');
      assert.equal(latest.status, 200, latest.text);
      assert.deepEqual([latest.body.data.data, latest.body.data.metadata.version], [{ n: '2' }, 2]);
      const first = await call<{ data: { data: { n: string } } }>('GET', 'moved-kv/data/db?version=1');
      assert.deepEqual(first.body.data.data, { n: '1' });
      assert.equal((await call('GET', 'app-kv/data/db')).status, 404);
    });

    it('a policy granting the new path allows reads there; one granting the old path no longer does', async () => {
      assertNoContent(await call('POST', 'sys/mounts/pol-kv', { type: 'kv-v2' }), 'mount');
      assert.equal((await call('POST', 'pol-kv/data/app', { data: { k: 'v' } })).status, 200);
      await writePolicy(server.address, root, 'reads-new', 'path "pol-kv-new/data/*" {\n  capabilities = ["read"]\n}\n');
      await writePolicy(server.address, root, 'reads-old', 'path "pol-kv/data/*" {\n  capabilities = ["read"]\n}\n');
      const newReader = (await createToken(server.address, root, { policies: ['reads-new'] })).token;
      const oldReader = (await createToken(server.address, root, { policies: ['reads-old'] })).token;
      assert.notEqual((await call('GET', 'pol-kv-new/data/app', undefined, newReader)).status, 200, 'nothing there before the move');

      await move('pol-kv', 'pol-kv-new');

      const read = await call<{ data: { data: Record<string, string> } }>('GET', 'pol-kv-new/data/app', undefined, newReader);
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body.data.data, { k: 'v' });
      // The old path has no mount any more: a token with a grant there learns it is gone (404).
      assert.equal((await call('GET', 'pol-kv/data/app', undefined, oldReader)).status, 404);
      assert.equal((await call('GET', 'pol-kv-new/data/app', undefined, oldReader)).status, 403);
    });

    it("moves the mount's rate-limit quotas with it, as Vault does", async () => {
      assertNoContent(await call('POST', 'sys/mounts/quota-kv', { type: 'kv' }), 'mount');
      assertNoContent(await call('POST', 'sys/quotas/rate-limit/quota-kv-limit', { rate: 100, path: 'quota-kv/' }), 'quota');
      await move('quota-kv', 'quota-kv-moved');
      const quota = await call<{ data: { path: string } }>('GET', 'sys/quotas/rate-limit/quota-kv-limit');
      assert.equal(quota.status, 200, quota.text);
      assert.equal(quota.body.data.path, 'quota-kv-moved/');
    });

    it('survives a restart: the moved mount table was persisted', async () => {
      assertNoContent(await call('POST', 'sys/mounts/persist-kv', { type: 'kv' }), 'mount');
      assertNoContent(await call('POST', 'persist-kv/x', { v: '1' }), 'write');
      await move('persist-kv', 'persisted-kv');
      server = await server.restart();
      const read = await call<{ data: Record<string, string> }>('GET', 'persisted-kv/x');
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body.data, { v: '1' });
      assert.equal((await mounts('mounts'))['persist-kv/'], undefined);
    });
  });

  describe('an auth method', () => {
    it('moves auth/<a> to auth/<b>: users log in at the new path, the old one is gone, its tokens are revoked', async () => {
      assertNoContent(await call('POST', 'sys/auth/up-old', { type: 'userpass' }), 'enable');
      assertNoContent(await call('POST', 'auth/up-old/users/alice', { password: 'pw-alice', token_policies: ['default'] }), 'user');
      const login = (path: string) => api<{ auth: { client_token: string } }>(server.address, 'POST', `auth/${path}/login/alice`, { body: { password: 'pw-alice' } });
      const before = await login('up-old');
      assert.equal(before.status, 200, before.text);
      const oldToken = before.body.auth.client_token;
      const accessor = (await mounts('auth'))['up-old/']!.accessor;

      const done = await move('auth/up-old', 'auth/up-new');
      assert.deepEqual(done.migration_info, { source_mount: 'auth/up-old/', target_mount: 'auth/up-new/', status: 'success' });

      const auths = await mounts('auth');
      assert.equal(auths['up-old/'], undefined);
      assert.equal(auths['up-new/']?.accessor, accessor);
      const after = await login('up-new');
      assert.equal(after.status, 200, after.text);
      assert.equal((await call('GET', 'auth/token/lookup-self', undefined, after.body.auth.client_token)).status, 200);
      const gone = await login('up-old');
      assert.ok(gone.status === 403 || gone.status === 404, `old path: ${gone.status} ${gone.text}`);
      assert.equal((await call('GET', 'auth/token/lookup-self', undefined, oldToken)).status, 403, 'tokens of the old path are revoked, as Vault revokes its leases');
    });
  });

  describe('refusals (400, Vault\'s messages, nothing changes)', () => {
    before(async () => {
      assertNoContent(await call('POST', 'sys/mounts/stay-kv', { type: 'kv' }), 'mount');
      assertNoContent(await call('POST', 'sys/mounts/taken-kv', { type: 'kv' }), 'mount');
      assertNoContent(await call('POST', 'sys/auth/stay-up', { type: 'userpass' }), 'enable');
    });

    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['no from', { to: 'x' }, "both 'from' and 'to' path must be specified as a string"],
      ['no to', { from: 'stay-kv' }, "both 'from' and 'to' path must be specified as a string"],
      ['a missing source', { from: 'nope', to: 'x' }, 'no matching mount at "nope/"'],
      ['an existing target', { from: 'stay-kv', to: 'taken-kv' }, 'path already in use at "taken-kv/"'],
      ['a target inside another mount', { from: 'stay-kv', to: 'taken-kv/deeper' }, 'path already in use at "taken-kv/"'],
      ['sys/', { from: 'sys', to: 'x' }, 'cannot remount "sys/"'],
      ['cubbyhole/', { from: 'cubbyhole', to: 'x' }, 'cannot remount "cubbyhole/"'],
      ['identity/', { from: 'identity', to: 'x' }, 'cannot remount "identity/"'],
      ['onto sys/', { from: 'stay-kv', to: 'sys/x' }, 'cannot remount to destination sys/x/'],
      ['a secrets engine onto auth/', { from: 'stay-kv', to: 'auth/x' }, 'cannot remount to destination auth/x/'],
      ['an auth method out of auth/', { from: 'auth/stay-up', to: 'x' }, 'cannot remount auth mount to non-auth mount "x/"'],
      ['the token auth method', { from: 'auth/token', to: 'auth/x' }, 'cannot remount "auth/token/"'],
      ['onto the token auth method', { from: 'auth/stay-up', to: 'auth/token' }, 'cannot remount to destination "auth/token/"'],
      ['a target with a ".." segment', { from: 'stay-kv', to: 'a/../b' }, 'invalid destination mount: invalid mount path "a/../b/"'],
    ];
    for (const [what, body, message] of cases) {
      it(`refuses ${what}`, async () => {
        const [secrets, auths] = [await mounts('mounts'), await mounts('auth')];
        const res = await call('POST', 'sys/remount', body);
        assert.deepEqual([res.status, res.body], [400, { errors: [message] }]);
        assert.deepEqual([await mounts('mounts'), await mounts('auth')], [secrets, auths]);
      });
    }

    it('needs sudo on sys/remount (update alone is 403)', async () => {
      await writePolicy(server.address, root, 'remount-no-sudo', 'path "sys/remount" {\n  capabilities = ["update"]\n}\n');
      const token = (await createToken(server.address, root, { policies: ['remount-no-sudo'] })).token;
      assert.equal((await call('POST', 'sys/remount', { from: 'stay-kv', to: 'elsewhere' }, token)).status, 403);
      assert.ok((await mounts('mounts'))['stay-kv/']);
    });
  });

  it('sys/remount/status of an unknown migration id answers 404', async () => {
    assert.equal((await call('GET', 'sys/remount/status/00000000-0000-0000-0000-000000000000')).status, 404);
  });
});
