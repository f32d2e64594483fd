import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CofferError } from '../../src/framework/errors.js';
import { StorageView } from '../../src/core/storage-view.js';
import { DEFAULT_POLICY_TEXT } from '../../src/core/policy/builtin.js';
import { PolicyStore } from '../../src/core/policy/store.js';
import { InmemBackend } from '../../src/storage/inmem.js';

const READ_SECRETS = 'path "secret/*" {\n  capabilities = ["read"]\n}\n';

function newStore(): { store: PolicyStore; view: StorageView } {
  const view = new StorageView(new InmemBackend());
  return { store: new PolicyStore(view), view };
}

/** Asserts a 400 with exactly this message. */
async function rejects400(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof CofferError);
    assert.equal(err.status, 400);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe('PolicyStore: CRUD', () => {
  it('stores a policy and returns its text verbatim', async () => {
    const { store } = newStore();
    await store.set('readers', READ_SECRETS);
    assert.deepEqual(await store.get('readers'), { name: 'readers', policy: READ_SECRETS });
  });

  it('lowercases names on write and on read', async () => {
    const { store } = newStore();
    await store.set('Readers', READ_SECRETS);
    assert.equal((await store.get('READERS'))?.name, 'readers');
    assert.ok((await store.list()).includes('readers'));
  });

  it('answers undefined for a policy that does not exist', async () => {
    assert.equal(await newStore().store.get('nope'), undefined);
  });

  it('lists root and default from the start, sorted with the rest', async () => {
    const { store } = newStore();
    assert.deepEqual(await store.list(), ['default', 'root']);
    await store.set('zeta', READ_SECRETS);
    await store.set('alpha', READ_SECRETS);
    assert.deepEqual(await store.list(), ['alpha', 'default', 'root', 'zeta']);
  });

  it('keeps names holding a slash listable', async () => {
    const { store } = newStore();
    await store.set('team/a', READ_SECRETS);
    assert.deepEqual(await store.list(), ['default', 'root', 'team/a']);
    assert.equal((await store.get('team/a'))?.policy, READ_SECRETS);
  });

  it('overwrites a policy in place', async () => {
    const { store } = newStore();
    await store.set('p', READ_SECRETS);
    await store.set('p', 'path "other" { capabilities = ["list"] }');
    assert.equal((await store.get('p'))?.policy, 'path "other" { capabilities = ["list"] }');
  });

  it('deletes a policy; deleting a missing one is not an error', async () => {
    const { store } = newStore();
    await store.set('p', READ_SECRETS);
    await store.delete('P');
    assert.equal(await store.get('p'), undefined);
    await store.delete('never-existed');
  });

  it('refuses an invalid policy and keeps the previous text', async () => {
    const { store } = newStore();
    await store.set('p', READ_SECRETS);
    await rejects400(store.set('p', 'path "x" { capabilities = ["fly"] }'), /invalid capability "fly"/);
    assert.equal((await store.get('p'))?.policy, READ_SECRETS);
  });

  it('refuses an invalid new policy without creating it', async () => {
    const { store } = newStore();
    await rejects400(store.set('p', 'path "x" {'), /^failed to parse policy/);
    assert.equal(await store.get('p'), undefined);
    assert.deepEqual(await store.list(), ['default', 'root']);
  });

  it('refuses an empty name', async () => {
    await rejects400(newStore().store.set('  ', READ_SECRETS), 'policy name missing');
  });
});

describe('PolicyStore: built-in policies', () => {
  it('refuses to write the root policy', async () => {
    await rejects400(newStore().store.set('Root', READ_SECRETS), 'cannot update "root" policy');
  });

  it('refuses to delete root and default, as Vault does', async () => {
    const { store } = newStore();
    await rejects400(store.delete('root'), 'cannot delete root policy');
    await rejects400(store.delete('default'), 'cannot delete default policy');
  });

  it('has no text for root (Vault answers 404 for it)', async () => {
    assert.equal(await newStore().store.get('root'), undefined);
  });

  it('serves the default policy before it was ever written', async () => {
    assert.equal((await newStore().store.get('default'))?.policy, DEFAULT_POLICY_TEXT);
  });

  it('writes the default policy to storage on ensureDefault, once', async () => {
    const { store, view } = newStore();
    await store.ensureDefault();
    assert.deepEqual(await view.get('default'), { name: 'default', policy: DEFAULT_POLICY_TEXT });
    await store.set('default', READ_SECRETS);
    await store.ensureDefault();
    assert.equal((await store.get('default'))?.policy, READ_SECRETS);
  });

  it("grants through the default policy what Vault's default grants", async () => {
    const acl = await newStore().store.acl(['default']);
    assert.equal(acl.allowOperation('auth/token/lookup-self', 'read').allowed, true);
    assert.equal(acl.allowOperation('auth/token/renew-self', 'update').allowed, true);
    assert.equal(acl.allowOperation('auth/token/revoke-self', 'update').allowed, true);
    assert.equal(acl.allowOperation('sys/capabilities-self', 'update').allowed, true);
    assert.equal(acl.allowOperation('cubbyhole/anything', 'create').allowed, true);
    assert.equal(acl.allowOperation('cubbyhole/', 'list').allowed, true);
    for (const op of ['wrap', 'lookup', 'unwrap']) assert.equal(acl.allowOperation(`sys/wrapping/${op}`, 'update').allowed, true, op);
    assert.equal(acl.allowOperation('sys/wrapping/rewrap', 'update').allowed, false);
    assert.equal(acl.allowOperation('sys/tools/hash/sha2-256', 'update').allowed, true);
    assert.equal(acl.allowOperation('sys/internal/ui/resultant-acl', 'read').allowed, true);
    assert.equal(acl.allowOperation('secret/data/x', 'read').allowed, false);
  });

  it('gives wrapping tokens only their cubbyhole response and unwrap, and hides that policy', async () => {
    const { store } = newStore();
    const acl = await store.acl(['response-wrapping']);
    assert.equal(acl.allowOperation('cubbyhole/response', 'read').allowed, true);
    assert.equal(acl.allowOperation('sys/wrapping/unwrap', 'update').allowed, true);
    assert.equal(acl.allowOperation('cubbyhole/other', 'read').allowed, false);
    assert.ok(!(await store.list()).includes('response-wrapping'));
    await rejects400(store.set('response-wrapping', READ_SECRETS), 'cannot update "response-wrapping" policy');
  });
});

describe('PolicyStore: ACLs and their cache', () => {
  it('builds an ACL from several policies, ignoring unknown names', async () => {
    const { store } = newStore();
    await store.set('readers', READ_SECRETS);
    const acl = await store.acl(['readers', 'ghost', 'default']);
    assert.equal(acl.allowOperation('secret/x', 'read').allowed, true);
    assert.equal(acl.allowOperation('auth/token/lookup-self', 'read').allowed, true);
  });

  it('gives a root ACL to a token holding the root policy', async () => {
    const acl = await newStore().store.acl(['root']);
    assert.equal(acl.isRoot, true);
    assert.deepEqual(acl.capabilities('anything'), ['root']);
  });

  it('sees a rewritten policy at once', async () => {
    const { store } = newStore();
    await store.set('p', READ_SECRETS);
    assert.equal((await store.acl(['p'])).allowOperation('secret/x', 'read').allowed, true);
    await store.set('p', 'path "secret/*" { capabilities = ["deny"] }');
    assert.equal((await store.acl(['p'])).allowOperation('secret/x', 'read').allowed, false);
  });

  it('sees a deleted policy at once', async () => {
    const { store } = newStore();
    await store.set('p', READ_SECRETS);
    assert.equal((await store.acl(['p'])).allowOperation('secret/x', 'read').allowed, true);
    await store.delete('p');
    assert.equal((await store.acl(['p'])).allowOperation('secret/x', 'read').allowed, false);
  });

  it('sees a policy created after a token referring to it was checked', async () => {
    const { store } = newStore();
    assert.equal((await store.acl(['later'])).allowOperation('secret/x', 'read').allowed, false);
    await store.set('later', READ_SECRETS);
    assert.equal((await store.acl(['later'])).allowOperation('secret/x', 'read').allowed, true);
  });

  it('serves repeated lookups from the cache without reading storage', async () => {
    const { store, view } = newStore();
    await store.set('p', READ_SECRETS);
    await store.acl(['p']);
    let reads = 0;
    const get = view.get.bind(view);
    view.get = (async (key: string) => {
      reads++;
      return get(key);
    }) as typeof view.get;
    await store.acl(['p']);
    await store.acl(['P', 'p']);
    assert.equal(reads, 0);
  });

  it('does not cache a policy read while a write was in flight', async () => {
    const { store, view } = newStore();
    await store.set('p', READ_SECRETS);
    // Hold the ACL build's storage read until the write below has completed.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const get = view.get.bind(view);
    let first = true;
    view.get = (async (key: string) => {
      const value = await get(key);
      if (first) {
        first = false;
        await held;
      }
      return value;
    }) as typeof view.get;
    const stale = store.acl(['p']);
    await store.set('p', 'path "secret/*" { capabilities = ["deny"] }');
    release();
    await stale;
    assert.equal((await store.acl(['p'])).allowOperation('secret/x', 'read').allowed, false);
  });
});
