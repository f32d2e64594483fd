import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cubbyholeKeyPrefix, cubbyholeStorage } from '../../src/framework/cubbyhole-layout.js';
import { cubbyholeBackend } from '../../src/engines/cubbyhole/index.js';
import { assertRejects, EngineClient, testCaller, testMount } from './engine-client.js';

function cubbyhole(tokenId = 'token-a'): EngineClient {
  return new EngineClient(cubbyholeBackend(), testMount('cubbyhole'), undefined, testCaller(tokenId));
}

describe('cubbyhole', () => {
  it('has type cubbyhole', () => {
    assert.equal(cubbyholeBackend().type, 'cubbyhole');
  });

  it('returns what the token wrote', async () => {
    const alice = cubbyhole();
    assert.equal((await alice.write('notes/one', { secret: 'x', n: 1 })).status, 204);
    assert.deepEqual((await alice.read('notes/one')).data, { secret: 'x', n: 1 });
  });

  it("does not show one token's paths to another token", async () => {
    const alice = cubbyhole('token-a');
    const bob = alice.with({ caller: testCaller('token-b') });
    await alice.write('notes/one', { secret: 'alice' });
    assert.equal((await bob.read('notes/one')).status, 404);
    assert.equal((await bob.list('')).status, 404);
    assert.equal((await bob.list('notes/')).status, 404);
  });

  it("does not let one token overwrite or delete another token's path", async () => {
    const alice = cubbyhole('token-a');
    const bob = alice.with({ caller: testCaller('token-b') });
    await alice.write('shared-name', { owner: 'alice' });
    await bob.write('shared-name', { owner: 'bob' });
    await bob.delete('shared-name');
    assert.deepEqual((await alice.read('shared-name')).data, { owner: 'alice' });
  });

  it('lists only the calling token\'s keys', async () => {
    const alice = cubbyhole('token-a');
    const bob = alice.with({ caller: testCaller('token-b') });
    await alice.write('a', { v: 1 });
    await alice.write('dir/b', { v: 1 });
    await bob.write('c', { v: 1 });
    assert.deepEqual((await alice.list('')).data, { keys: ['a', 'dir/'] });
    assert.deepEqual((await bob.list('')).data, { keys: ['c'] });
  });

  it('deletes a path', async () => {
    const alice = cubbyhole();
    await alice.write('a', { v: 1 });
    await alice.delete('a');
    assert.equal((await alice.read('a')).status, 404);
  });

  it('refuses a request without a caller', async () => {
    const anonymous = cubbyhole().with({ caller: undefined });
    await assertRejects(anonymous.read('a'), 403, 'permission denied');
    await assertRejects(anonymous.write('a', { v: 1 }), 403, 'permission denied');
  });

  it('refuses a write without data', async () => {
    await assertRejects(cubbyhole().write('a', {}), 400, 'missing data fields');
  });

  it("lets the token store drop a revoked token's whole cubbyhole by its prefix", async () => {
    const alice = cubbyhole('token-a');
    const bob = alice.with({ caller: testCaller('token-b') });
    await alice.write('a', { v: 1 });
    await alice.write('deep/er/b', { v: 1 });
    await bob.write('a', { v: 2 });
    await alice.store.deleteTree(cubbyholeKeyPrefix('token-a'));
    assert.equal((await alice.read('a')).status, 404);
    assert.equal((await alice.read('deep/er/b')).status, 404);
    assert.deepEqual((await bob.read('a')).data, { v: 2 });
  });

  it('exposes the storage a wrapping token reads its response from', async () => {
    const wrapper = cubbyhole('wrapping-token');
    await cubbyholeStorage(wrapper.store, 'wrapping-token').put('response', { wrapped: true });
    assert.deepEqual((await wrapper.read('response')).data, { wrapped: true });
  });
});
