import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { poll } from '../harness/poll.js';
import { managerOverSqlite, register, type ManagerFixture } from './fixture.js';

// The expiration manager on its own, over a real SQLite file, serving a stand-in secret type (not a
// real engine) that records what it is asked: registration and TTLs, renewal, expiry by its one
// timer, retries with backoff then irrevocable, one revocation per lease, token binding, HA standby,
// and the time index that keeps a pass from reading leases that are not due.
describe('expiration manager over SQLite with a stand-in secret type', () => {
  let f: ManagerFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('names a lease <path>/<random>, gives the mount default without a TTL, and caps at the max TTL and at the token', async () => {
    f = await managerOverSqlite();
    f.ttls.defaultTtl = 3600;
    f.ttls.maxTtl = 7200;
    const plain = await register(f);
    assert.match(plain.lease.id, /^standin\/creds\/app\/[A-Za-z0-9]{24}$/);
    assert.equal(plain.lease.duration, 3600);
    assert.equal(plain.lease.renewable, true);
    assert.equal((await register(f, { ttl: 60 })).lease.duration, 60);
    assert.equal((await register(f, { ttl: 99_999 })).lease.duration, 7200, 'the mount max caps a long TTL');
    assert.equal((await register(f, { ttl: 600, maxTtl: 300 })).lease.duration, 300, "the secret's own max caps it too");
    f.tokenEnds.set('short-token', Date.now() + 120_000);
    const capped = await register(f, { tokenId: 'short-token' });
    assert.ok(capped.lease.duration <= 120 && capped.lease.duration >= 118, `capped at the token: ${capped.lease.duration}`);
    assert.ok(capped.warnings.some((w) => /token's remaining TTL/.test(w)), capped.warnings.join());
    assert.equal((await register(f, { renewable: false })).lease.renewable, false);
  });

  it('renews by the increment within the max TTL, and refuses unknown and non-renewable leases', async () => {
    f = await managerOverSqlite();
    f.secretType.limits = { ttl: 600, maxTtl: 900 };
    const { lease } = await register(f, { ttl: 600, maxTtl: 900 });
    const renewed = await f.manager.renew(lease.id, 120);
    assert.equal(renewed.lease.duration, 120);
    const entry = await f.manager.lookup(lease.id);
    assert.ok(entry && Math.abs(entry.expireTime - (Date.now() + 120_000)) < 2_000);
    assert.equal(f.secretType.extended.length, 1, 'the backend extended the secret');
    assert.ok(Math.abs(f.secretType.extended[0]!.to.getTime() - entry.expireTime) < 5);
    const past = await f.manager.renew(lease.id, 5_000);
    assert.ok(past.lease.duration <= 900 && past.lease.duration >= 898, `capped at max_ttl from issue: ${past.lease.duration}`);
    const zero = await f.manager.renew(lease.id, 0);
    assert.ok(zero.lease.duration <= 600 && zero.lease.duration >= 598, `0 renews to the default: ${zero.lease.duration}`);
    await assert.rejects(f.manager.renew('standin/creds/app/nope', 10), /lease not found/);
    const fixed = await register(f, { renewable: false });
    await assert.rejects(f.manager.renew(fixed.lease.id, 10), /lease is not renewable/);
  });

  it('revokes a lease when it expires, with no request, and leaves no index key behind', async () => {
    f = await managerOverSqlite();
    const { lease } = await register(f, { ttl: 1 });
    const longer = await register(f, { ttl: 3600 });
    // The backend's revoke comes first, the lease's removal from storage just after it.
    await poll('expired lease revoked and removed', async () => f!.secretType.revoked.some((r) => r.leaseId === lease.id) && (await f!.manager.lookup(lease.id)) === undefined, { timeoutMs: 5_000, intervalMs: 50 });
    assert.ok(await f.manager.lookup(longer.lease.id), 'a lease not yet due stays');
    assert.deepEqual(f.secretType.revoked.map((r) => r.leaseId), [lease.id]);
    await f.manager.revoke(longer.lease.id);
    for (const area of ['id/', 'token/', 'time/']) assert.deepEqual(await f.storage.list(area), [], `${area} is empty`);
  });

  it('retries a failing revocation with growing, jittered delays, then marks the lease irrevocable and stops', async () => {
    f = await managerOverSqlite({ retryBaseMs: 100, maxRevokeAttempts: 4 });
    f.secretType.failing = true;
    const { lease } = await register(f, { ttl: 1 });
    const entry = await poll('irrevocable', async () => (await f!.manager.lookup(lease.id))?.irrevocable && (await f!.manager.lookup(lease.id)), { timeoutMs: 10_000, intervalMs: 50 });
    assert.equal(entry.revokeAttempts, 4);
    assert.equal(entry.irrevocable?.error, 'internal error', 'the raw cause is not recorded');
    const gaps = f.secretType.attempts.slice(1).map((a, i) => a.at - f!.secretType.attempts[i]!.at);
    assert.equal(gaps.length, 3);
    // Delays: 50-100 ms, 100-200 ms, 200-400 ms (upper half of 100·2^n), plus scheduling slack.
    gaps.forEach((gap, n) => assert.ok(gap >= 50 * 2 ** n - 5 && gap <= 100 * 2 ** n + 250, `gap ${n}: ${gap} ms`));
    assert.deepEqual((await f.manager.irrevocable()).map((l) => l.id), [lease.id]);
    await sleep(500); // a wait is the proof here: nothing more happens
    assert.equal(f.secretType.attempts.length, 4, 'no attempt after the lease became irrevocable');
    await assert.rejects(f.manager.renew(lease.id, 10), /lease is not renewable/);
    await assert.rejects(f.manager.revoke(lease.id), /stand-in backend is down/, 'a sync revoke answers the failure');
    await f.manager.revokePrefix('standin/', { force: true });
    assert.equal(await f.manager.lookup(lease.id), undefined, 'revoke-force clears it');
    assert.deepEqual(await f.manager.irrevocable(), []);
    for (const area of ['id/', 'token/', 'time/', 'irrevocable/']) assert.deepEqual(await f.storage.list(area), [], `${area} is empty`);
  });

  it('revokes a lease once when the timer and a request revoke it at the same moment', async () => {
    f = await managerOverSqlite();
    const leases = await Promise.all(Array.from({ length: 20 }, () => register(f!, { ttl: 1 })));
    await sleep(950); // the requests land as the timer fires: the race under test
    await Promise.all(leases.map((l) => f!.manager.revoke(l.lease.id)));
    await poll('all revoked', () => leases.every((l) => f!.secretType.revoked.some((r) => r.leaseId === l.lease.id)), { timeoutMs: 5_000 });
    await sleep(200); // no second revocation follows
    assert.equal(f.secretType.revoked.length, 20, 'each lease revoked exactly once');
  });

  it("revokes a token's leases when the token goes, and no one else's", async () => {
    f = await managerOverSqlite();
    const mine = await Promise.all([register(f, { tokenId: 'token-a' }), register(f, { tokenId: 'token-a' })]);
    const theirs = await register(f, { tokenId: 'token-b' });
    await f.manager.revokeToken('token-a');
    await poll("token-a's leases revoked", () => f!.secretType.revoked.length === 2, { timeoutMs: 5_000 });
    assert.deepEqual(new Set(f.secretType.revoked.map((r) => r.leaseId)), new Set(mine.map((l) => l.lease.id)));
    assert.ok(await f.manager.lookup(theirs.lease.id));
  });

  it('expires nothing on a standby, and catches up once active', async () => {
    f = await managerOverSqlite();
    f.active.value = false;
    const { lease } = await register(f, { ttl: 1 });
    await sleep(1_500); // past the expiry: the standby must still do nothing
    assert.equal(f.secretType.attempts.length, 0, 'a standby does not revoke');
    f.active.value = true;
    await poll('revoked once active', () => f!.secretType.revoked.some((r) => r.leaseId === lease.id), { timeoutMs: 5_000 });
  });

  it('reads only the due part of the time index: 20,000 leases, 200 due', async () => {
    f = await managerOverSqlite({ batch: 1_000 });
    const many = 20_000;
    // Spread over the next 24 hours, registered concurrently (SQLite commits them in groups).
    for (let i = 0; i < many; i += 2_000) {
      await Promise.all(Array.from({ length: 2_000 }, (_, j) => register(f!, { ttl: 60 + Math.floor(((i + j) * 86_400) / many) })));
    }
    await f.manager.stop();
    f.storage.reset();
    f.manager.start();
    await sleep(300); // the first pass, which has nothing due, leaves no other trace to wait on
    assert.equal(f.storage.gets, 0, 'a pass with nothing due reads no lease');
    assert.ok(f.storage.lists <= 3, `lists: ${f.storage.lists} (the hours, the first hour's minutes, the first minute)`);

    await Promise.all(Array.from({ length: 200 }, () => register(f!, { ttl: 1 })));
    f.storage.reset();
    await poll('the 200 due leases revoked', () => f!.secretType.revoked.length === 200, { timeoutMs: 10_000, intervalMs: 50 });
    // Each due lease: its index key and its entry read, its entry read again by revoke, nothing else.
    assert.ok(f.storage.gets <= 200 * 3 + 10, `gets: ${f.storage.gets}`);
  });
});
