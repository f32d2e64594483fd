import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { startServer, type TestServer } from '../harness/server.js';
import { api } from '../harness/http.js';
import { assertNoContent, createToken, writePolicy } from './fixture.js';

// Vault's /sys/mounts, /sys/auth and /sys/internal/ui/mounts over real HTTP against a dev server
// (https://developer.hashicorp.com/vault/api-docs/system/mounts). Each test mounts at its own path.

interface MountShape {
  type: string;
  description: string;
  accessor: string;
  uuid: string;
  config: { default_lease_ttl: number; max_lease_ttl: number; force_no_cache: boolean };
  options: Record<string, string> | null;
  local: boolean;
  seal_wrap: boolean;
}

interface TuneShape {
  description: string;
  default_lease_ttl: number;
  max_lease_ttl: number;
  force_no_cache: boolean;
  options?: Record<string, string> | null;
}

/** Vault's system-wide default and max lease TTL: 768h. */
const SYSTEM_TTL = 2_764_800;

describe('sys/mounts over HTTP', () => {
  let server: TestServer;
  let root: string;
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, token = root) =>
    api<T>(server.address, method, path, { token, body });
  const mounts = async () => {
    const res = await call<{ data: Record<string, MountShape> }>('GET', 'sys/mounts');
    assert.equal(res.status, 200, res.text);
    return res.body.data;
  };

  before(async () => {
    server = await startServer();
    root = server.rootToken;
  });
  after(async () => {
    await server?.destroy();
  });

  describe('listing', () => {
    it('lists secret/, sys/ and cubbyhole/ with type, accessor, uuid, config and options', async () => {
      const data = await mounts();
      assert.equal(data['secret/']?.type, 'kv');
      assert.deepEqual(data['secret/']?.options, { version: '2' });
      assert.equal(data['sys/']?.type, 'system');
      assert.equal(data['cubbyhole/']?.type, 'cubbyhole');
      for (const path of ['secret/', 'sys/', 'cubbyhole/']) {
        const mount = data[path]!;
        assert.match(mount.accessor, /^\w+_\w+$/, `${path} accessor`);
        assert.match(mount.uuid, /^[0-9a-f-]{36}$/, `${path} uuid`);
        assert.deepEqual(mount.config, { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false }, `${path} config`);
        assert.equal(typeof mount.description, 'string');
        assert.equal(typeof mount.local, 'boolean');
        assert.equal(typeof mount.seal_wrap, 'boolean');
        assert.ok('options' in mount, `${path} has options`);
      }
    });

    it('gives every mount its own accessor and uuid', async () => {
      const data = Object.values(await mounts());
      assert.equal(new Set(data.map((m) => m.accessor)).size, data.length);
      assert.equal(new Set(data.map((m) => m.uuid)).size, data.length);
    });

    it('lists token/ under sys/auth', async () => {
      const res = await call<{ data: Record<string, MountShape> }>('GET', 'sys/auth');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.data['token/']?.type, 'token');
      assert.match(res.body.data['token/']!.accessor, /^\w+_\w+$/);
    });

    it('reads one mount\'s configuration at sys/mounts/<path>', async () => {
      const res = await call<{ data: MountShape }>('GET', 'sys/mounts/secret');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.data.type, 'kv');
      assert.equal(res.body.data.uuid, (await mounts())['secret/']?.uuid);
    });

    it('reads the token auth method\'s tune settings at sys/auth/token/tune', async () => {
      const res = await call<{ data: TuneShape }>('GET', 'sys/auth/token/tune');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.data.default_lease_ttl, SYSTEM_TTL);
      assert.equal(res.body.data.max_lease_ttl, SYSTEM_TTL);
    });

    it('refuses to list mounts without a token', async () => {
      assertErrorAnswer(await call('GET', 'sys/mounts', undefined, ''), 403);
    });
  });

  describe('enabling', () => {
    it('enables kv version 1 with type kv and options.version "1"', async () => {
      assertNoContent(await call('POST', 'sys/mounts/kv-one', { type: 'kv', options: { version: '1' } }), 'enable');
      assert.equal((await mounts())['kv-one/']?.type, 'kv');
      assert.equal((await mounts())['kv-one/']?.options?.version, '1');
      assertNoContent(await call('PUT', 'kv-one/app', { password: 'v1-value' }), 'kv v1 write');
      const read = await call<{ data: Record<string, string> }>('GET', 'kv-one/app');
      assert.deepEqual(read.body.data, { password: 'v1-value' });
    });

    it('enables kv version 2 with type kv and options.version "2"', async () => {
      assertNoContent(await call('POST', 'sys/mounts/kv-two', { type: 'kv', options: { version: '2' } }), 'enable');
      assert.equal((await mounts())['kv-two/']?.options?.version, '2');
      const written = await call('POST', 'kv-two/data/app', { data: { password: 'v2-value' } });
      assert.equal(written.status, 200, written.text);
      const read = await call<{ data: { data: Record<string, string> } }>('GET', 'kv-two/data/app');
      assert.deepEqual(read.body.data.data, { password: 'v2-value' });
    });

    it('enables kv version 2 with the kv-v2 shorthand', async () => {
      assertNoContent(await call('POST', 'sys/mounts/kv-short', { type: 'kv-v2' }), 'enable');
      const mount = (await mounts())['kv-short/']!;
      assert.equal(mount.type, 'kv');
      assert.equal(mount.options?.version, '2');
    });

    it('keeps the description and config given at mount time', async () => {
      const body = { type: 'kv', description: 'team secrets', config: { default_lease_ttl: '1h', max_lease_ttl: '2h' } };
      assertNoContent(await call('POST', 'sys/mounts/described', body), 'enable');
      const mount = (await mounts())['described/']!;
      assert.equal(mount.description, 'team secrets');
      assert.equal(mount.config.default_lease_ttl, 3600);
      assert.equal(mount.config.max_lease_ttl, 7200);
    });

    it('answers 400 "path is already in use" for a taken path', async () => {
      assertErrorAnswer(await call('POST', 'sys/mounts/secret', { type: 'kv' }), 400, /path is already in use/);
    });

    it('answers 400 for a path nested inside an existing mount', async () => {
      assertErrorAnswer(await call('POST', 'sys/mounts/secret/inner', { type: 'kv' }), 400, /path is already in use/);
    });

    for (const reserved of ['sys/extra', 'auth/kv', 'cubbyhole/extra']) {
      it(`answers 400 for the reserved path ${reserved}`, async () => {
        assertErrorAnswer(await call('POST', `sys/mounts/${reserved}`, { type: 'kv' }), 400);
        assert.equal((await mounts())[`${reserved}/`], undefined);
      });
    }

    it('answers 400 for an unknown engine type and mounts nothing', async () => {
      assertErrorAnswer(await call('POST', 'sys/mounts/nosuch', { type: 'no-such-engine' }), 400, /no-such-engine/);
      assert.equal((await mounts())['nosuch/'], undefined);
    });

    it('answers 403 to a token whose policies do not grant sys/mounts, and mounts nothing', async () => {
      const { token } = await createToken(server.address, root, { policies: ['default'] });
      assertErrorAnswer(await call('POST', 'sys/mounts/not-allowed', { type: 'kv' }, token), 403);
      assert.equal((await mounts())['not-allowed/'], undefined);
    });

    it('answers 400 for a kv version other than 1 or 2', async () => {
      assertErrorAnswer(await call('POST', 'sys/mounts/kv-three', { type: 'kv', options: { version: '3' } }), 400);
      assert.equal((await mounts())['kv-three/'], undefined);
    });
  });

  describe('tuning', () => {
    it('reports the system default TTLs (768h) for a mount that sets none', async () => {
      assertNoContent(await call('POST', 'sys/mounts/tune-default', { type: 'kv' }), 'enable');
      const res = await call<{ data: TuneShape }>('GET', 'sys/mounts/tune-default/tune');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.data.default_lease_ttl, SYSTEM_TTL);
      assert.equal(res.body.data.max_lease_ttl, SYSTEM_TTL);
      assert.equal(res.body.data.force_no_cache, false);
    });

    it('reads back tuned default and max lease TTLs and description', async () => {
      assertNoContent(await call('POST', 'sys/mounts/tuned', { type: 'kv', description: 'before' }), 'enable');
      const tune = { default_lease_ttl: '30m', max_lease_ttl: '2h', description: 'after' };
      assertNoContent(await call('POST', 'sys/mounts/tuned/tune', tune), 'tune');
      const res = await call<{ data: TuneShape }>('GET', 'sys/mounts/tuned/tune');
      assert.equal(res.body.data.default_lease_ttl, 1800);
      assert.equal(res.body.data.max_lease_ttl, 7200);
      assert.equal(res.body.data.description, 'after');
      assert.equal((await mounts())['tuned/']?.description, 'after');
    });

    it('keeps the other settings when tuning only one', async () => {
      assertNoContent(await call('POST', 'sys/mounts/tune-one', { type: 'kv', description: 'kept' }), 'enable');
      assertNoContent(await call('POST', 'sys/mounts/tune-one/tune', { max_lease_ttl: 7200 }), 'tune');
      const res = await call<{ data: TuneShape }>('GET', 'sys/mounts/tune-one/tune');
      assert.equal(res.body.data.max_lease_ttl, 7200);
      assert.equal(res.body.data.default_lease_ttl, SYSTEM_TTL);
      assert.equal(res.body.data.description, 'kept');
    });

    it('answers 400 for a default lease TTL above the max, and keeps the old settings', async () => {
      assertNoContent(await call('POST', 'sys/mounts/tune-bad', { type: 'kv' }), 'enable');
      assertErrorAnswer(await call('POST', 'sys/mounts/tune-bad/tune', { default_lease_ttl: '3h', max_lease_ttl: '1h' }), 400);
      const res = await call<{ data: TuneShape }>('GET', 'sys/mounts/tune-bad/tune');
      assert.equal(res.body.data.default_lease_ttl, SYSTEM_TTL);
      assert.equal(res.body.data.max_lease_ttl, SYSTEM_TTL);
    });

    it('answers 400 when tuning a path where nothing is mounted', async () => {
      assertErrorAnswer(await call('GET', 'sys/mounts/not-mounted/tune'), 400);
    });
  });

  describe('disabling', () => {
    it('removes the mount from the listing', async () => {
      assertNoContent(await call('POST', 'sys/mounts/gone', { type: 'kv' }), 'enable');
      assertNoContent(await call('DELETE', 'sys/mounts/gone'), 'disable');
      assert.equal((await mounts())['gone/'], undefined);
      assertErrorAnswer(await call('GET', 'gone/anything'), 404);
    });

    it('deletes the data: re-enabling at the same path shows none of the old secrets', async () => {
      assertNoContent(await call('POST', 'sys/mounts/reborn', { type: 'kv', options: { version: '1' } }), 'enable');
      assertNoContent(await call('PUT', 'reborn/old', { password: 'from-the-first-life' }), 'write');
      assertNoContent(await call('DELETE', 'sys/mounts/reborn'), 'disable');
      assertNoContent(await call('POST', 'sys/mounts/reborn', { type: 'kv', options: { version: '1' } }), 're-enable');
      assert.equal((await call('GET', 'reborn/old')).status, 404);
      assert.equal((await call('GET', 'reborn/?list=true')).status, 404);
    });

    it('deletes kv v2 data and metadata too', async () => {
      assertNoContent(await call('POST', 'sys/mounts/reborn2', { type: 'kv-v2' }), 'enable');
      assert.equal((await call('POST', 'reborn2/data/old', { data: { password: 'first-life' } })).status, 200);
      assertNoContent(await call('DELETE', 'sys/mounts/reborn2'), 'disable');
      assertNoContent(await call('POST', 'sys/mounts/reborn2', { type: 'kv-v2' }), 're-enable');
      assert.equal((await call('GET', 'reborn2/data/old')).status, 404);
      assert.equal((await call('GET', 'reborn2/metadata/old')).status, 404);
    });

    for (const builtin of ['sys', 'cubbyhole']) {
      it(`answers 400 for disabling ${builtin}/ and keeps it mounted`, async () => {
        assertErrorAnswer(await call('DELETE', `sys/mounts/${builtin}`), 400);
        assert.ok((await mounts())[`${builtin}/`], `${builtin}/ still mounted`);
      });
    }
  });

  describe('sys/internal/ui/mounts', () => {
    it('tells a token that can read under secret/ the mount and its kv version', async () => {
      await writePolicy(server.address, root, 'ui-reader', 'path "secret/data/foo" { capabilities = ["read"] }');
      const { token } = await createToken(server.address, root, { policies: ['ui-reader'] });
      const res = await call<{ data: MountShape & { path: string } }>('GET', 'sys/internal/ui/mounts/secret/foo', undefined, token);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.data.type, 'kv');
      assert.equal(res.body.data.path, 'secret/');
      assert.deepEqual(res.body.data.options, { version: '2' });
    });

    it('answers 403 to a token with no capability under the mount', async () => {
      await writePolicy(server.address, root, 'ui-elsewhere', 'path "other/*" { capabilities = ["read"] }');
      const { token } = await createToken(server.address, root, { policies: ['ui-elsewhere'] });
      assertErrorAnswer(await call('GET', 'sys/internal/ui/mounts/secret/foo', undefined, token), 403);
    });

    it('answers 403 with no token at all', async () => {
      assertErrorAnswer(await call('GET', 'sys/internal/ui/mounts/secret/foo', undefined, ''), 403);
    });

    it('without a path, lists the secret engines and auth methods under which the token holds something', async () => {
      assertNoContent(await call('POST', 'sys/mounts/ui-list-a', { type: 'kv', options: { version: '2' } }), 'enable a');
      assertNoContent(await call('POST', 'sys/mounts/ui-list-b', { type: 'kv' }), 'enable b');
      assertNoContent(await call('POST', 'sys/auth/ui-list-pass', { type: 'userpass' }), 'enable userpass');
      await writePolicy(server.address, root, 'ui-lister', 'path "ui-list-a/data/app/*" { capabilities = ["read"] }\npath "auth/ui-list-pass/users/+" { capabilities = ["list"] }');
      const { token } = await createToken(server.address, root, { policies: ['ui-lister'] });
      const res = await call<{ data: { secret: Record<string, MountShape>; auth: Record<string, MountShape> } }>('GET', 'sys/internal/ui/mounts', undefined, token);
      assert.equal(res.status, 200, res.text);
      // The default policy grants paths in cubbyhole/, identity/ and sys/; ui-lister the two it names.
      assert.deepEqual(Object.keys(res.body.data.secret).sort(), ['cubbyhole/', 'identity/', 'sys/', 'ui-list-a/']);
      assert.equal(res.body.data.secret['ui-list-a/']?.type, 'kv');
      assert.deepEqual(res.body.data.secret['ui-list-a/']?.options, { version: '2' });
      // auth/token/lookup-self and friends come with the default policy.
      assert.deepEqual(Object.keys(res.body.data.auth).sort(), ['token/', 'ui-list-pass/']);
      const all = await call<{ data: { secret: Record<string, MountShape> } }>('GET', 'sys/internal/ui/mounts');
      assert.ok(['ui-list-a/', 'ui-list-b/', 'secret/', 'sys/'].every((m) => m in all.body.data.secret), JSON.stringify(Object.keys(all.body.data.secret)));
      const anonymous = await call<{ data: { secret: Record<string, unknown>; auth: Record<string, unknown> } }>('GET', 'sys/internal/ui/mounts', undefined, '');
      assert.deepEqual(anonymous.body.data, { secret: {}, auth: {} });
    });

    it('answers the root token for a kv v1 mount with version "1"', async () => {
      assertNoContent(await call('POST', 'sys/mounts/ui-v1', { type: 'kv', options: { version: '1' } }), 'enable');
      const res = await call<{ data: MountShape & { path: string } }>('GET', 'sys/internal/ui/mounts/ui-v1/some/key');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.data.path, 'ui-v1/');
      assert.equal(res.body.data.options?.version, '1');
    });
  });
});
