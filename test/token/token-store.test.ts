import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_SYSTEM_TTL } from '../../src/core/token/index.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import { allKeys, assertRejects, newStore, storedText } from './fixture.js';

const HOUR = 3600;

describe('token store: creation and lookup', () => {
  it('issues 256-bit "hvs." service tokens that look up to their entry', async () => {
    const { store } = newStore();
    const { token, entry } = await store.create({ policies: ['app'] });
    assert.match(token, /^hvs\.[0-9A-Za-z]{43}$/);
    assert.deepEqual(await store.lookup(token), entry);
  });

  it('issues a different token and accessor every time', async () => {
    const { store } = newStore();
    const a = await store.create({ policies: ['app'] });
    const b = await store.create({ policies: ['app'] });
    assert.notEqual(a.token, b.token);
    assert.notEqual(a.entry.accessor, b.entry.accessor);
    assert.match(a.entry.accessor, /^[0-9A-Za-z]{24}$/);
  });

  it('knows nothing of a token it did not issue', async () => {
    const { store } = newStore();
    await store.create({ policies: ['app'] });
    assert.equal(await store.lookup('hvs.not-a-real-token'), undefined);
    assert.equal(await store.lookup(''), undefined);
  });

  it('finds a token by accessor and by id', async () => {
    const { store } = newStore();
    const { entry } = await store.create({ policies: ['app'] });
    assert.deepEqual(await store.lookupByAccessor(entry.accessor), entry);
    assert.deepEqual(await store.lookupById(entry.id), entry);
    assert.equal(await store.lookupByAccessor('nope'), undefined);
  });

  it('stores neither the token nor anything but its salted hash', async () => {
    const { store, physical } = newStore();
    const root = await store.createRoot();
    const child = await store.create({ policies: ['app'], parent: root.entry });
    const text = await storedText(physical);
    for (const { token } of [root, child]) {
      assert.ok(!text.includes(token), 'plaintext token found in storage');
      assert.ok(!text.includes(token.slice('hvs.'.length)), 'token body found in storage');
    }
    assert.ok(text.includes(store.hashToken(child.token)));
  });

  it('keys stored entries by a salt: two stores hash the same token differently', async () => {
    const one = newStore().store;
    const two = newStore().store;
    assert.notEqual(one.hashToken('hvs.same'), two.hashToken('hvs.same'));
  });

  it('sorts and dedupes policies and adds default', async () => {
    const { store } = newStore();
    const { entry } = await store.create({ policies: ['b', 'A', 'b', ' a '] });
    assert.deepEqual(entry.policies, ['a', 'b', 'default']);
  });

  it('leaves default out when asked', async () => {
    const { store } = newStore();
    const { entry } = await store.create({ policies: ['app', 'default'], noDefaultPolicy: true });
    assert.deepEqual(entry.policies, ['app']);
  });

  it('gives root tokens only the root policy, no TTL and no renewability', async () => {
    const { store } = newStore();
    const { entry } = await store.createRoot();
    assert.deepEqual(entry.policies, ['root']);
    assert.equal(entry.ttl, 0);
    assert.equal(entry.expireTime, 0);
    assert.equal(entry.renewable, false);
    assert.equal(entry.displayName, 'root');
    assert.equal(entry.orphan, true);
  });

  it('creates the root token with a chosen id (-dev-root-token-id)', async () => {
    const { store } = newStore();
    const { token, entry } = await store.createRoot('root');
    assert.equal(token, 'root');
    assert.deepEqual(await store.lookup('root'), entry);
  });

  it('refuses a chosen id that is already taken', async () => {
    const { store } = newStore();
    await store.createRoot('root');
    await assertRejects(store.createRoot('root'), 400, 'cannot create a token with a duplicate ID');
  });

  it('accepts a dev root token id shaped like a generated token', async () => {
    const { store } = newStore();
    const { token } = await store.createRoot('hvs.chosen-by-the-operator');
    assert.ok(await store.lookup(token));
  });

  it('links a child to its parent and makes parentless tokens orphans', async () => {
    const { store } = newStore();
    const parent = await store.createRoot();
    const child = await store.create({ policies: ['app'], parent: parent.entry });
    const orphan = await store.create({ policies: ['app'], parent: parent.entry, noParent: true });
    assert.equal(child.entry.parentId, parent.entry.id);
    assert.equal(child.entry.orphan, false);
    assert.equal(orphan.entry.parentId, undefined);
    assert.equal(orphan.entry.orphan, true);
  });
});

describe('token store: TTLs', () => {
  it('gives tokens the system default TTL of 768h', async () => {
    const { store } = newStore();
    const { entry } = await store.create({ policies: ['app'] });
    assert.equal(entry.ttl, DEFAULT_SYSTEM_TTL);
    assert.equal(entry.ttl, 768 * HOUR);
  });

  it('honours a configured default TTL', async () => {
    const { store } = newStore({ defaultTtl: HOUR });
    assert.equal((await store.create({ policies: ['app'] })).entry.ttl, HOUR);
  });

  it('caps a requested TTL at the system max TTL', async () => {
    const { store } = newStore({ maxTtl: 2 * HOUR });
    const { entry, warnings } = await store.create({ policies: ['app'], ttl: 10 * HOUR });
    assert.equal(entry.ttl, 2 * HOUR);
    assert.equal(warnings.length, 1);
  });

  it('caps a requested TTL at the explicit max TTL', async () => {
    const { store } = newStore();
    const { entry } = await store.create({ policies: ['app'], ttl: 10 * HOUR, explicitMaxTtl: HOUR });
    assert.equal(entry.ttl, HOUR);
    assert.equal(entry.explicitMaxTtl, HOUR);
  });

  it('gives a periodic token its period as TTL', async () => {
    const { store } = newStore();
    const { entry } = await store.create({ policies: ['app'], ttl: 10 * HOUR, period: HOUR });
    assert.equal(entry.ttl, HOUR);
    assert.equal(entry.period, HOUR);
  });

  it('bounds a root token by its explicit max TTL', async () => {
    const { store } = newStore();
    const { entry } = await store.create({ policies: ['root'], explicitMaxTtl: HOUR });
    assert.equal(entry.ttl, HOUR);
  });

  it('refuses a never-expiring root token from an expiring parent', async () => {
    const { store } = newStore();
    const expiringRoot = await store.create({ policies: ['root'], ttl: HOUR });
    await assertRejects(
      store.create({ policies: ['root'], parent: expiringRoot.entry }),
      400,
      'expiring root tokens cannot create non-expiring root tokens',
    );
  });

  it('refuses an expired token and revokes it on the spot', async () => {
    const { store, clock, revoked } = newStore();
    const { token, entry } = await store.create({ policies: ['app'], ttl: 60 });
    clock.advance(59);
    assert.ok(await store.lookup(token));
    clock.advance(1);
    assert.equal(await store.lookup(token), undefined);
    assert.deepEqual(revoked.map((e) => e.id), [entry.id]);
    assert.equal(await store.lookupByAccessor(entry.accessor), undefined);
  });

  it('refuses the child of an expired parent', async () => {
    const { store, clock } = newStore();
    const parent = await store.create({ policies: ['app'], ttl: 60 });
    const child = await store.create({ policies: ['app'], ttl: HOUR, parent: parent.entry });
    clock.advance(61);
    assert.equal(await store.lookup(child.token), undefined);
  });

  it('reaps expired tokens and their descendants on tidy', async () => {
    const { store, clock, physical } = newStore();
    const keep = await store.create({ policies: ['app'], ttl: HOUR });
    const expiring = await store.create({ policies: ['app'], ttl: 60 });
    await store.create({ policies: ['app'], ttl: HOUR, parent: expiring.entry });
    clock.advance(120);
    const result = await store.tidy();
    assert.equal(result.expired, 1);
    const keys = await allKeys(physical, 'sys/token/');
    assert.deepEqual(keys.filter((k) => k.startsWith('sys/token/id/')), [`sys/token/id/${keep.entry.id}`]);
    assert.equal(keys.filter((k) => k.startsWith('sys/token/accessor/')).length, 1);
    assert.equal(keys.filter((k) => k.startsWith('sys/token/parent/')).length, 0);
  });

  it('removes dangling index entries on tidy', async () => {
    const { store, physical } = newStore();
    const parent = await store.createRoot();
    const child = await store.create({ policies: ['app'], parent: parent.entry });
    // Simulate a crash that left indexes behind without the token.
    await physical.delete(`sys/token/id/${child.entry.id}`);
    const result = await store.tidy();
    assert.equal(result.danglingAccessors, 1);
    assert.equal(result.danglingParentLinks, 1);
    assert.deepEqual(await allKeys(physical, 'sys/token/parent/'), []);
  });
});

describe('token store: use counts', () => {
  it('does not count uses of an unlimited token', async () => {
    const { store } = newStore();
    const { token, entry } = await store.create({ policies: ['app'] });
    for (let i = 0; i < 3; i++) assert.deepEqual(await store.use(entry), { entry, revokeAfter: false });
    assert.ok(await store.lookup(token));
  });

  it('exhausts a token after num_uses uses and asks for revocation after the last', async () => {
    const { store } = newStore();
    const { token, entry } = await store.create({ policies: ['app'], numUses: 2 });
    const first = await store.use(entry);
    assert.equal(first?.revokeAfter, false);
    assert.equal(first?.entry.numUses, 1);
    const last = await store.use(entry);
    assert.equal(last?.revokeAfter, true);
    assert.equal(await store.lookup(token), undefined, 'a used-up token is refused at once');
    assert.equal(await store.use(entry), undefined);
    await store.revokeTree(entry);
    assert.equal(await store.lookupById(entry.id, { allowPending: true }), undefined);
  });

  for (const storageType of ['inmem', 'sqlite'] as const) {
    it(`lets exactly 5 of 20 concurrent uses of a num_uses=5 token succeed (${storageType})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'coffer-token-'));
      const fixture = storageType === 'sqlite' ? newStore({}, openSqlite(join(dir, 'coffer.db'))) : newStore();
      try {
        const { entry } = await fixture.store.create({ policies: ['app'], numUses: 5 });
        const results = await Promise.all(Array.from({ length: 20 }, () => fixture.store.use(entry)));
        const granted = results.filter((r) => r !== undefined);
        assert.equal(granted.length, 5);
        assert.equal(granted.filter((r) => r.revokeAfter).length, 1);
      } finally {
        await fixture.physical.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('token store: renewal', () => {
  it('extends a token by its TTL from now', async () => {
    const { store, clock } = newStore();
    const { entry } = await store.create({ policies: ['app'], ttl: HOUR });
    clock.advance(1800);
    const { entry: renewed } = await store.renew(entry);
    assert.equal(store.remainingTtl(renewed), HOUR);
    assert.equal(renewed.lastRenewalTime, clock.ms);
  });

  it('extends by the increment asked for', async () => {
    const { store } = newStore();
    const { entry } = await store.create({ policies: ['app'], ttl: HOUR });
    assert.equal(store.remainingTtl((await store.renew(entry, 7200)).entry), 7200);
  });

  it('never extends past the explicit max TTL', async () => {
    const { store, clock } = newStore();
    const { entry } = await store.create({ policies: ['app'], ttl: HOUR, explicitMaxTtl: 2 * HOUR });
    clock.advance(0.75 * HOUR);
    const { entry: renewed, warnings } = await store.renew(entry, 10 * HOUR);
    assert.equal(store.remainingTtl(renewed), 1.25 * HOUR);
    assert.equal(warnings.length, 1);
  });

  it('never extends past the system max TTL', async () => {
    const { store, clock } = newStore({ maxTtl: 2 * HOUR });
    const { entry } = await store.create({ policies: ['app'], ttl: HOUR });
    clock.advance(0.5 * HOUR);
    assert.equal(store.remainingTtl((await store.renew(entry, 5 * HOUR)).entry), 1.5 * HOUR);
  });

  it('resets a periodic token to its period, past the system max TTL', async () => {
    const { store, clock } = newStore({ maxTtl: 2 * HOUR });
    const { entry } = await store.create({ policies: ['app'], period: HOUR });
    clock.advance(0.9 * HOUR);
    await store.renew(entry, 10 * HOUR);
    clock.advance(0.9 * HOUR);
    await store.renew(entry);
    clock.advance(0.9 * HOUR);
    const { entry: renewed } = await store.renew(entry);
    assert.equal(store.remainingTtl(renewed), HOUR);
  });

  it('refuses to renew a token created non-renewable', async () => {
    const { store } = newStore();
    const { entry } = await store.create({ policies: ['app'], renewable: false });
    await assertRejects(store.renew(entry), 400, 'lease is not renewable');
  });

  it('refuses to renew a root token without TTL', async () => {
    const { store } = newStore();
    const { entry } = await store.createRoot();
    await assertRejects(store.renew(entry), 400, 'lease is not renewable');
  });

  it('does not lose a concurrent use count when renewing', async () => {
    const { store } = newStore();
    const { entry } = await store.create({ policies: ['app'], numUses: 10 });
    await Promise.all([store.use(entry), store.renew(entry), store.use(entry), store.renew(entry)]);
    assert.equal((await store.lookupById(entry.id))?.numUses, 8);
  });
});

describe('token store: revocation', () => {
  it('revokes a token with its children and grandchildren, children first', async () => {
    const { store, revoked } = newStore();
    const root = await store.createRoot();
    const parent = await store.create({ policies: ['app'], parent: root.entry });
    const child = await store.create({ policies: ['app'], parent: parent.entry });
    const grandchild = await store.create({ policies: ['app'], parent: child.entry });
    const sibling = await store.create({ policies: ['app'], parent: root.entry });
    await store.revokeTree(parent.entry);
    for (const gone of [parent, child, grandchild]) assert.equal(await store.lookup(gone.token), undefined);
    assert.ok(await store.lookup(sibling.token));
    assert.ok(await store.lookup(root.token));
    assert.deepEqual(revoked.map((e) => e.id), [grandchild.entry.id, child.entry.id, parent.entry.id]);
  });

  it('leaves no index entry of a revoked tree behind', async () => {
    const { store, physical } = newStore();
    const parent = await store.create({ policies: ['app'] });
    await store.create({ policies: ['app'], parent: parent.entry });
    await store.revokeTree(parent.entry);
    assert.deepEqual(await allKeys(physical), []);
  });

  it('is idempotent', async () => {
    const { store, revoked } = newStore();
    const { entry } = await store.create({ policies: ['app'] });
    await store.revokeTree(entry);
    await store.revokeTree(entry);
    assert.equal(revoked.length, 1);
  });

  it('keeps children alive as orphans when revoking with revokeOrphan', async () => {
    const { store } = newStore();
    const parent = await store.create({ policies: ['app'] });
    const child = await store.create({ policies: ['app'], parent: parent.entry });
    const grandchild = await store.create({ policies: ['app'], parent: child.entry });
    await store.revokeOrphan(parent.entry);
    assert.equal(await store.lookup(parent.token), undefined);
    const orphaned = await store.lookup(child.token);
    assert.equal(orphaned?.orphan, true);
    assert.equal(orphaned?.parentId, undefined);
    assert.equal((await store.lookup(grandchild.token))?.parentId, child.entry.id);
  });

  it('revokes by accessor', async () => {
    const { store } = newStore();
    const parent = await store.create({ policies: ['app'] });
    const child = await store.create({ policies: ['app'], parent: parent.entry });
    assert.equal(await store.revokeByAccessor(parent.entry.accessor), true);
    assert.equal(await store.lookup(parent.token), undefined);
    assert.equal(await store.lookup(child.token), undefined);
    assert.equal(await store.revokeByAccessor(parent.entry.accessor), false);
  });

  it('keeps a token usable when its revocation hook fails, but refuses it', async () => {
    let fail = true;
    const { store } = newStore({
      onRevoke: async () => {
        if (fail) throw new Error('cubbyhole unavailable');
      },
    });
    const { token, entry } = await store.create({ policies: ['app'] });
    await assert.rejects(store.revokeTree(entry), /cubbyhole unavailable/);
    assert.equal(await store.lookup(token), undefined, 'a token being revoked is refused');
    fail = false;
    await store.revokeTree(entry);
    assert.equal(await store.lookupById(entry.id, { allowPending: true }), undefined);
  });

  it('lists the accessors of all tokens', async () => {
    const { store } = newStore();
    const a = await store.create({ policies: ['app'] });
    const b = await store.create({ policies: ['app'] });
    assert.deepEqual((await store.listAccessors()).sort(), [a.entry.accessor, b.entry.accessor].sort());
  });
});
