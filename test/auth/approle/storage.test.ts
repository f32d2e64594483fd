import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MountStorage } from '../../../src/framework/types.js';
import { startInProcessServer, type InProcessServer } from '../../harness/in-process.js';
import { Approle, expectLogin } from './fixture.js';

/** Every key under `prefix` of a storage view, recursively, with its decrypted JSON value. */
async function dump(store: MountStorage, prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const child of await store.list(prefix)) {
    if (child.endsWith('/')) for (const [k, v] of await dump(store, prefix + child)) out.set(k, v);
    else out.set(prefix + child, JSON.stringify(await store.get(prefix + child)));
  }
  return out;
}

describe('AppRole storage', () => {
  let server: InProcessServer;
  let approle: Approle;
  const mountStore = () => {
    const mount = server.core.mounts.match('auth/approle/login');
    assert.ok(mount, 'approle is mounted');
    return server.core.mountStorage(mount.entry);
  };

  before(async () => {
    server = await startInProcessServer('approle-storage-root');
    approle = new Approle(server.address, 'approle-storage-root');
    await approle.enable();
  });
  after(async () => {
    await server?.destroy();
  });

  it('keeps secret IDs only as salted HMACs: never in clear in a key or a (decrypted) value', async () => {
    await approle.writeRole('hashed');
    const generated = await approle.newSecretId('hashed');
    const custom = 'custom-secret-marker-7f3a9c';
    assert.equal((await approle.root('POST', 'role/hashed/custom-secret-id', { secret_id: custom })).status, 200);
    const roleId = await approle.roleId('hashed');
    expectLogin(await approle.login({ role_id: roleId, secret_id: generated.secret_id }), 'login');

    const entries = await dump(mountStore());
    assert.ok(entries.size >= 6, `expected role, index, salt, two secret IDs and accessors: ${[...entries.keys()].join(', ')}`);
    for (const [key, value] of entries) {
      for (const secret of [generated.secret_id, custom]) {
        assert.ok(!key.includes(secret), `secret ID in key ${key}`);
        assert.ok(!value.includes(secret), `secret ID in the value of ${key}`);
      }
      // Accessors and role IDs are looked up by their HMAC, so they do not appear in keys either.
      assert.ok(!key.includes(generated.secret_id_accessor), `accessor in key ${key}`);
      assert.ok(!key.includes(roleId), `role ID in key ${key}`);
    }
  });

  it('tidy/secret-id removes accessors whose secret ID is gone and secret IDs whose accessor is gone', async () => {
    await approle.writeRole('dangling');
    const a = await approle.newSecretId('dangling');
    const b = await approle.newSecretId('dangling');
    const keep = await approle.newSecretId('dangling');
    const store = mountStore();
    const role = await store.get<{ id: string }>('role/dangling');
    assert.ok(role);
    // Break the pairs behind the API's back: the API itself always writes and deletes them together.
    const secretKeys = await store.list(`secret_id/${role.id}/`);
    const accessorKeys = await store.list(`accessor/${role.id}/`);
    const secretOf = async (accessor: string) => {
      for (const k of secretKeys) if ((await store.get<{ accessor: string }>(`secret_id/${role.id}/${k}`))?.accessor === accessor) return k;
      assert.fail('no secret entry');
    };
    const accessorOf = async (accessor: string) => {
      for (const k of accessorKeys) if ((await store.get<{ accessor: string }>(`accessor/${role.id}/${k}`))?.accessor === accessor) return k;
      assert.fail('no accessor entry');
    };
    await store.delete(`secret_id/${role.id}/${await secretOf(a.secret_id_accessor)}`);
    await store.delete(`accessor/${role.id}/${await accessorOf(b.secret_id_accessor)}`);

    const res = await approle.root('POST', 'tidy/secret-id');
    assert.equal(res.status, 202, res.text);
    assert.match(res.body.warnings!.join(' '), /1 secret IDs without an accessor, 1 accessors without a secret ID/);
    assert.equal((await store.list(`secret_id/${role.id}/`)).length, 1);
    const list = await approle.root<{ keys: string[] }>('LIST', 'role/dangling/secret-id');
    assert.deepEqual(list.body.data!.keys, [keep.secret_id_accessor]);
  });

  it('tidy/secret-id removes what a deleted role left behind: secret IDs, accessors and its role_id index', async () => {
    await approle.writeRole('leftover');
    await approle.newSecretId('leftover');
    const oldRoleId = await approle.roleId('leftover');
    const store = mountStore();
    const role = await store.get<{ id: string }>('role/leftover');
    assert.ok(role);
    // A role deleted with its secret IDs still in place (a delete cut short after its first write).
    await store.delete('role/leftover');
    assert.equal((await store.list(`secret_id/${role.id}/`)).length, 1);
    const res = await approle.root('POST', 'tidy/secret-id');
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(await store.list(`secret_id/${role.id}/`), []);
    assert.deepEqual(await store.list(`accessor/${role.id}/`), []);
    // Its role_id index went too, so the role ID may be given to a new role.
    await approle.writeRole('successor', { role_id: oldRoleId });
    assert.equal(await approle.roleId('successor'), oldRoleId);
  });
});
