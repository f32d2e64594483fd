import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { assertNoContent } from '../sys/fixture.js';

// Server behaviour Vault clients rely on, over real HTTP against a dev server: query booleans read
// as Go's strconv.ParseBool, LIST of a path without its trailing slash, wrapping an empty body, the
// token `lease` alias, the `generic` mount type, unknown auth types, and rekey backups.

interface ListBody {
  data: { keys: string[] };
}

describe('Vault parity over HTTP', () => {
  let server: TestServer;
  let root: string;
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    api<T>(server.address, method, path, { token: root, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });

  before(async () => {
    server = await startServer();
    root = server.rootToken;
    assertNoContent(await call('POST', 'sys/auth/userpass', { type: 'userpass' }), 'enable userpass');
    for (const name of ['alice', 'bob']) assertNoContent(await call('POST', `auth/userpass/users/${name}`, { password: `pw-${name}` }), `user ${name}`);
  });
  after(async () => {
    await server?.destroy();
  });

  describe('query booleans parse as strconv.ParseBool', () => {
    for (const spelling of ['1', 't', 'T', 'TRUE', 'true', 'True']) {
      it(`GET ?list=${spelling} lists (userpass users)`, async () => {
        const res = await call<ListBody>('GET', `auth/userpass/users?list=${spelling}`);
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.body.data.keys, ['alice', 'bob']);
      });
    }

    for (const spelling of ['0', 'f', 'F', 'FALSE', 'false', 'False']) {
      it(`GET ?list=${spelling} reads instead (a read of users is not a path: 405)`, async () => {
        const res = await call('GET', `auth/userpass/users?list=${spelling}`);
        assert.notEqual(res.status, 200, res.text);
        assert.ok(!('data' in res.body && res.body.data), res.text);
      });
    }

    for (const bad of ['yes', 'on', 'tRuE', '2', 'truee']) {
      it(`GET ?list=${bad} is a 400 with an errors array`, async () => {
        assertErrorAnswer(await call('GET', `auth/userpass/users?list=${bad}`), 400, /list/);
      });
    }

    it('a boolean field sent in the query reads "True" and "t" as true (sys/health?standbyok)', async () => {
      for (const spelling of ['True', 't', '1']) {
        const res = await api(server.address, 'GET', `sys/health?standbyok=${spelling}`);
        assert.equal(res.status, 200, `standbyok=${spelling}: ${res.text}`);
      }
    });

    it('a boolean field refuses a spelling ParseBool refuses with 400', async () => {
      assertErrorAnswer(await api(server.address, 'GET', 'sys/health?standbyok=yes'), 400, /standbyok/);
    });

    it('a boolean body field takes "T" and "False" (token create renewable)', async () => {
      const created = await call<{ auth: { client_token: string; renewable: boolean } }>('POST', 'auth/token/create', { ttl: '1h', renewable: 'False' });
      assert.equal(created.status, 200, created.text);
      assert.equal(created.body.auth.renewable, false);
      const again = await call<{ auth: { renewable: boolean } }>('POST', 'auth/token/create', { ttl: '1h', renewable: 'T' });
      assert.equal(again.body.auth.renewable, true);
    });
  });

  describe('LIST of a path without a trailing slash lists it as a directory', () => {
    before(async () => {
      assertNoContent(await call('POST', 'sys/mounts/kv1', { type: 'kv' }), 'mount kv v1');
      assertNoContent(await call('POST', 'kv1/test-list/bar/foo', { v: '1' }), 'kv1 write nested');
      assertNoContent(await call('POST', 'kv1/test-list/foo', { v: '2' }), 'kv1 write');
      for (const path of ['test-list/bar/foo', 'test-list/foo']) {
        const res = await call('POST', `secret/data/${path}`, { data: { v: '1' } });
        assert.equal(res.status, 200, res.text);
      }
    });

    const cases: Array<[string, string, string]> = [
      ['KV v1 with LIST', 'LIST', 'kv1/test-list'],
      ['KV v1 with GET ?list=true', 'GET', 'kv1/test-list?list=true'],
      ['KV v2 metadata/ with LIST', 'LIST', 'secret/metadata/test-list'],
      ['KV v2 metadata/ with GET ?list=true', 'GET', 'secret/metadata/test-list?list=true'],
    ];
    for (const [what, method, path] of cases) {
      it(`${what}: keys ["bar/", "foo"]`, async () => {
        const res = await call<ListBody>(method, path);
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.body.data.keys, ['bar/', 'foo']);
      });
    }

    it('a policy granting list on "kv1/test-list/" allows LIST kv1/test-list (the path gets its slash before the ACL)', async () => {
      assertNoContent(await call('POST', 'sys/policies/acl/lister', { policy: 'path "kv1/test-list/" {\n  capabilities = ["list"]\n}\n' }), 'policy');
      const token = (await call<{ auth: { client_token: string } }>('POST', 'auth/token/create', { policies: ['lister'] })).body.auth.client_token;
      const res = await api<ListBody>(server.address, 'LIST', 'kv1/test-list', { token });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.data.keys, ['bar/', 'foo']);
    });

    it('LIST of a path table entry written without a slash still answers (auth/userpass/users)', async () => {
      const res = await call<ListBody>('LIST', 'auth/userpass/users/');
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.data.keys, ['alice', 'bob']);
    });
  });

  describe('sys/wrapping/wrap with an empty body', () => {
    for (const [what, body] of [['no body', undefined], ['{}', {}]] as const) {
      it(`wraps an empty payload (${what}); unwrap answers 200 with empty data`, async () => {
        const wrapped = await call<{ wrap_info: { token: string; creation_path: string } }>('POST', 'sys/wrapping/wrap', body, { 'X-Vault-Wrap-TTL': '60s' });
        assert.equal(wrapped.status, 200, wrapped.text);
        assert.equal(wrapped.body.wrap_info.creation_path, 'sys/wrapping/wrap');
        const unwrapped = await api<{ data: unknown }>(server.address, 'POST', 'sys/wrapping/unwrap', { token: wrapped.body.wrap_info.token });
        assert.equal(unwrapped.status, 200, unwrapped.text);
        assert.deepEqual(unwrapped.body.data, {});
      });
    }

    it('still needs a wrap TTL', async () => {
      assertErrorAnswer(await call('POST', 'sys/wrapping/wrap', {}), 400, /wrap TTL/);
    });
  });

  describe('auth/token/create', () => {
    interface Lookup {
      data: { ttl: number; creation_ttl: number; renewable: boolean };
    }
    const create = async (body: Record<string, unknown>) => {
      const res = await call<{ auth: { client_token: string; lease_duration: number; renewable: boolean } }>('POST', 'auth/token/create', body);
      assert.equal(res.status, 200, res.text);
      return res.body.auth;
    };

    it('takes the deprecated "lease" as the TTL; the token is renewable by default and renews', async () => {
      const auth = await create({ lease: '1h', policies: ['default'] });
      assert.equal(auth.lease_duration, 3600);
      assert.equal(auth.renewable, true);
      const lookup = await call<Lookup>('POST', 'auth/token/lookup', { token: auth.client_token });
      assert.equal(lookup.status, 200, lookup.text);
      assert.equal(lookup.body.data.creation_ttl, 3600);
      assert.ok(lookup.body.data.ttl > 3500 && lookup.body.data.ttl <= 3600, `ttl ${lookup.body.data.ttl}`);
      assert.equal(lookup.body.data.renewable, true);
      const renewed = await api<{ auth: { lease_duration: number } }>(server.address, 'POST', 'auth/token/renew-self', { token: auth.client_token, body: { increment: '30m' } });
      assert.equal(renewed.status, 200, renewed.text);
      assert.equal(renewed.body.auth.lease_duration, 1800);
    });

    it('"ttl" wins over "lease" when both are sent', async () => {
      const auth = await create({ ttl: '10m', lease: '1h', policies: ['default'] });
      assert.equal(auth.lease_duration, 600);
    });

    it('refuses a "lease" that is not a duration with 400', async () => {
      assertErrorAnswer(await call('POST', 'auth/token/create', { lease: 'soon' }), 400, /lease/);
    });
  });

  describe('mount types', () => {
    it('mounts type "generic" as KV version 1; sys/mounts reports it as "generic", as Vault does', async () => {
      assertNoContent(await call('POST', 'sys/mounts/old-generic', { type: 'generic' }), 'mount generic');
      const mounts = await call<{ data: Record<string, { type: string; options: Record<string, string> | null }> }>('GET', 'sys/mounts');
      assert.equal(mounts.body.data['old-generic/']?.type, 'generic');
      assertNoContent(await call('POST', 'old-generic/app', { password: 'pw' }), 'write');
      const read = await call<{ data: Record<string, unknown>; mount_type: string }>('GET', 'old-generic/app');
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body.data, { password: 'pw' });
      assert.equal(read.body.mount_type, 'generic');
      const listed = await call<ListBody>('LIST', 'old-generic');
      assert.deepEqual(listed.body.data.keys, ['app']);
    });

    it("refuses an unknown auth type with Vault's 400 \"plugin not found in the catalog: <type>\" and mounts nothing", async () => {
      const res = await call('POST', 'sys/auth/foo', { type: 'nope' });
      assert.equal(res.status, 400, res.text);
      assert.deepEqual(res.body, { errors: ['plugin not found in the catalog: nope'] });
      const auths = await call<{ data: Record<string, unknown> }>('GET', 'sys/auth');
      assert.ok(!('foo/' in auths.body.data));
    });

    it('refuses an unknown secrets engine type the same way', async () => {
      const res = await call('POST', 'sys/mounts/foo', { type: 'nope' });
      assert.deepEqual([res.status, res.body], [400, { errors: ['plugin not found in the catalog: nope'] }]);
    });
  });

  describe('unknown parameters', () => {
    // A token role has no token_ttl (as in Vault: only token_explicit_max_ttl and token_period); a userpass user has.
    for (const [what, path, body, ignored] of [
      ['a token role', 'auth/token/roles/parity', { allowed_policies: ['a'], bogus_field: 1, token_ttl: '1h' }, '[bogus_field token_ttl]'],
      ['a userpass user', 'auth/userpass/users/carol', { password: 'pw-carol', bogus_field: 1, token_ttl: '1h' }, '[bogus_field]'],
    ] as const) {
      it(`writing ${what} with fields the path does not have answers 200 and a warning naming them, and stores the rest`, async () => {
        const res = await call<{ warnings: string[] }>('POST', path, body);
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.body.warnings, [`Endpoint ignored these unrecognized parameters: ${ignored}`]);
        assert.equal((await call('GET', path)).status, 200);
      });
    }
  });

  describe('rekey backups (Coffer stores none: it has no PGP support)', () => {
    for (const path of ['sys/rekey/backup', 'sys/rekey/recovery-key-backup', 'sys/rekey-recovery-key/backup']) {
      it(`GET ${path} answers 400 "no backed-up keys found"`, async () => {
        const res = await call('GET', path);
        assert.deepEqual([res.status, res.body], [400, { errors: ['no backed-up keys found'] }]);
      });

      it(`DELETE ${path} answers 204`, async () => {
        assertNoContent(await call('DELETE', path), `delete ${path}`);
      });

      it(`${path} needs a token (403 without one)`, async () => {
        assert.equal((await api(server.address, 'GET', path)).status, 403);
      });
    }
  });
});
