import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { startInProcessServer, type InProcessServer } from '../harness/in-process.js';
import { startServer, type TestServer } from '../harness/server.js';
import { api } from '../harness/http.js';
import type { AuthBlock, TokenLookup } from '../harness/vault-types.js';
import { poll } from '../harness/poll.js';
import { assertNoContent, createToken, writePolicy } from './fixture.js';

// The token auth method over HTTP (https://developer.hashicorp.com/vault/api-docs/auth/token):
// what a client sees when it creates, uses, renews and revokes tokens.

describe('tokens over HTTP', () => {
  let server: TestServer;
  let root: string;
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, token = root) =>
    api<T>(server.address, method, path, { token, body });
  const lookupSelf = (token: string) => call<{ data: TokenLookup }>('GET', 'auth/token/lookup-self', undefined, token);

  before(async () => {
    server = await startServer();
    root = server.rootToken;
    await writePolicy(server.address, root, 'token-creator', 'path "auth/token/create" { capabilities = ["update"] }');
  });
  after(async () => {
    await server?.destroy();
  });

  describe('auth/token/create', () => {
    it('answers with an auth block and no data', async () => {
      const res = await call<{ auth: AuthBlock; data: unknown }>('POST', 'auth/token/create', {
        policies: ['token-creator'],
        meta: { team: 'payments' },
        ttl: '1h',
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.data, null);
      const auth = res.body.auth;
      assert.equal(typeof auth.client_token, 'string');
      assert.ok(auth.client_token.length >= 24);
      assert.equal(typeof auth.accessor, 'string');
      assert.notEqual(auth.accessor, auth.client_token);
      assert.deepEqual([...auth.policies].sort(), ['default', 'token-creator']);
      assert.deepEqual([...auth.token_policies].sort(), ['default', 'token-creator']);
      assert.deepEqual(auth.metadata, { team: 'payments' });
      assert.equal(auth.lease_duration, 3600);
      assert.equal(auth.renewable, true);
      assert.equal(auth.token_type, 'service');
      assert.equal(auth.orphan, false);
      assert.equal(typeof auth.entity_id, 'string');
    });

    it('creates an orphan through create-orphan', async () => {
      const res = await call<{ auth: AuthBlock }>('POST', 'auth/token/create-orphan', { policies: ['default'] });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.auth.orphan, true);
    });

    it('refuses a token without create permission', async () => {
      const { token } = await createToken(server.address, root, { policies: ['default'] });
      assertErrorAnswer(await call('POST', 'auth/token/create', {}, token), 403);
    });

    it('gives every token a distinct id and accessor', async () => {
      const created = await Promise.all(Array.from({ length: 10 }, () => createToken(server.address, root, { policies: ['default'] })));
      assert.equal(new Set(created.map((c) => c.token)).size, 10);
      assert.equal(new Set(created.map((c) => c.accessor)).size, 10);
    });
  });

  describe('revocation', () => {
    it('revoking a parent revokes its child', async () => {
      const parent = await createToken(server.address, root, { policies: ['token-creator'] });
      const child = await createToken(server.address, parent.token, { policies: ['default'] });
      assert.equal((await lookupSelf(child.token)).status, 200);

      assertNoContent(await call('POST', 'auth/token/revoke', { token: parent.token }), 'revoke');
      assertErrorAnswer(await lookupSelf(parent.token), 403);
      assertErrorAnswer(await lookupSelf(child.token), 403);
    });

    it('revoke-self revokes the caller and its children', async () => {
      const parent = await createToken(server.address, root, { policies: ['token-creator'] });
      const child = await createToken(server.address, parent.token, { policies: ['default'] });
      assertNoContent(await call('POST', 'auth/token/revoke-self', {}, parent.token), 'revoke-self');
      assertErrorAnswer(await lookupSelf(parent.token), 403);
      assertErrorAnswer(await lookupSelf(child.token), 403);
    });

    it('revoke-orphan revokes the parent and keeps the child, now an orphan', async () => {
      const parent = await createToken(server.address, root, { policies: ['token-creator'] });
      const child = await createToken(server.address, parent.token, { policies: ['default'] });

      assertNoContent(await call('POST', 'auth/token/revoke-orphan', { token: parent.token }), 'revoke-orphan');
      assertErrorAnswer(await lookupSelf(parent.token), 403);
      const still = await lookupSelf(child.token);
      assert.equal(still.status, 200, still.text);
      assert.equal(still.body.data.orphan, true);
    });

    it('revoke-accessor revokes the token behind the accessor', async () => {
      const target = await createToken(server.address, root, { policies: ['default'] });
      assertNoContent(await call('POST', 'auth/token/revoke-accessor', { accessor: target.accessor }), 'revoke-accessor');
      assertErrorAnswer(await lookupSelf(target.token), 403);
    });
  });

  describe('limits', () => {
    it('a token with num_uses=2 works twice, then answers 403', async () => {
      const { token } = await createToken(server.address, root, { policies: ['default'], num_uses: 2 });
      assert.equal((await lookupSelf(token)).status, 200, 'first use');
      assert.equal((await lookupSelf(token)).status, 200, 'second use');
      assertErrorAnswer(await lookupSelf(token), 403);
    });

    it('a token with a 2s TTL works, then answers 403 once it expires', async () => {
      const { token } = await createToken(server.address, root, { policies: ['default'], ttl: '2s' });
      assert.equal((await lookupSelf(token)).status, 200);
      await poll('token expires', async () => (await lookupSelf(token)).status === 403, { intervalMs: 50 });
    });

    it('renew-self extends the TTL', async () => {
      const { token } = await createToken(server.address, root, { policies: ['default'], ttl: '1m' });
      const before = await lookupSelf(token);
      assert.ok(before.body.data.ttl <= 60);

      const renewed = await call<{ auth: AuthBlock }>('POST', 'auth/token/renew-self', { increment: '1h' }, token);
      assert.equal(renewed.status, 200, renewed.text);
      assert.equal(renewed.body.auth.client_token, token);
      const after = await lookupSelf(token);
      assert.ok(after.body.data.ttl > 3500, `ttl after renew: ${after.body.data.ttl}`);
    });

    it(
      'renew-self answers lease_duration equal to the granted increment',
      async () => {
        const { token } = await createToken(server.address, root, { policies: ['default'], ttl: '1m' });
        const renewed = await call<{ auth: AuthBlock }>('POST', 'auth/token/renew-self', { increment: '1h' }, token);
        assert.equal(renewed.body.auth.lease_duration, 3600);
      },
    );

    it('renew-self refuses a token created non-renewable', async () => {
      const { token } = await createToken(server.address, root, { policies: ['default'], ttl: '1m', renewable: false });
      assertErrorAnswer(await call('POST', 'auth/token/renew-self', { increment: '1h' }, token), 400);
      assert.ok((await lookupSelf(token)).body.data.ttl <= 60);
    });
  });

  describe('lookup-accessor', () => {
    it('describes the token and never shows its id', async () => {
      const { token, accessor } = await createToken(server.address, root, { policies: ['default'], meta: { owner: 'ops' } });
      const res = await call<{ data: TokenLookup }>('POST', 'auth/token/lookup-accessor', { accessor });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.data.accessor, accessor);
      assert.deepEqual(res.body.data.meta, { owner: 'ops' });
      assert.ok(!res.body.data.id, `id is empty, got ${JSON.stringify(res.body.data.id)}`);
      assert.equal(res.text.includes(token), false, 'the token appears nowhere in the answer');
    });
  });

  describe('cubbyhole', () => {
    it('is private to each token', async () => {
      const alice = await createToken(server.address, root, { policies: ['default'] });
      const bob = await createToken(server.address, root, { policies: ['default'] });
      assertNoContent(await call('POST', 'cubbyhole/note', { secret: 'alice-only' }, alice.token), 'write');

      const own = await call<{ data: Record<string, string> }>('GET', 'cubbyhole/note', undefined, alice.token);
      assert.deepEqual(own.body.data, { secret: 'alice-only' });
      assert.equal((await call('GET', 'cubbyhole/note', undefined, bob.token)).status, 404);
      assert.equal((await call('GET', 'cubbyhole/?list=true', undefined, bob.token)).status, 404);
      assert.equal((await call('GET', 'cubbyhole/note')).status, 404, 'not even root sees it');
    });

    it('same path, two tokens, two values', async () => {
      const alice = await createToken(server.address, root, { policies: ['default'] });
      const bob = await createToken(server.address, root, { policies: ['default'] });
      assertNoContent(await call('POST', 'cubbyhole/same', { v: 'a' }, alice.token), 'alice writes');
      assertNoContent(await call('POST', 'cubbyhole/same', { v: 'b' }, bob.token), 'bob writes');
      assert.deepEqual((await call<{ data: unknown }>('GET', 'cubbyhole/same', undefined, alice.token)).body.data, { v: 'a' });
      assert.deepEqual((await call<{ data: unknown }>('GET', 'cubbyhole/same', undefined, bob.token)).body.data, { v: 'b' });
    });
  });
});

describe('a revoked token\'s cubbyhole in storage', () => {
  let server: InProcessServer;
  let address: string;
  const rootTokenId = 'root-cubbyhole-storage-test';

  before(async () => {
    server = await startInProcessServer(rootTokenId);
    address = server.address;
  });
  after(() => server?.destroy());

  /** Keys stored under a token's area of the cubbyhole mount. */
  const cubbyholeKeys = async (token: string) => {
    const store = server.core.mountStorage(server.core.mounts.get('cubbyhole/')!);
    return store.list(`${server.core.tokens.hashToken(token)}/`);
  };

  it('is deleted when the token is revoked', async () => {
    const { token } = await createToken(address, rootTokenId, { policies: ['default'] });
    assertNoContent(await api(address, 'POST', 'cubbyhole/one', { token, body: { v: '1' } }), 'write one');
    assertNoContent(await api(address, 'POST', 'cubbyhole/dir/two', { token, body: { v: '2' } }), 'write two');
    assert.deepEqual((await cubbyholeKeys(token)).sort(), ['dir/', 'one'], 'the control: the data is where we look');

    assertNoContent(await api(address, 'POST', 'auth/token/revoke', { token: rootTokenId, body: { token } }), 'revoke');
    assert.deepEqual(await cubbyholeKeys(token), []);
  });

  it('is deleted for a child revoked with its parent', async () => {
    await writePolicy(address, rootTokenId, 'creator', 'path "auth/token/create" { capabilities = ["update"] }');
    const parent = await createToken(address, rootTokenId, { policies: ['creator'] });
    const child = await createToken(address, parent.token, { policies: ['default'] });
    assertNoContent(await api(address, 'POST', 'cubbyhole/x', { token: child.token, body: { v: 'child' } }), 'child writes');
    assert.deepEqual(await cubbyholeKeys(child.token), ['x']);

    assertNoContent(await api(address, 'POST', 'auth/token/revoke', { token: rootTokenId, body: { token: parent.token } }), 'revoke');
    assert.deepEqual(await cubbyholeKeys(child.token), []);
  });

  it('is deleted when a use-limited token spends its last use', async () => {
    const { token } = await createToken(address, rootTokenId, { policies: ['default'], num_uses: 1 });
    assertNoContent(await api(address, 'POST', 'cubbyhole/last', { token, body: { v: 'once' } }), 'write with the only use');
    assertErrorAnswer(await api(address, 'GET', 'cubbyhole/last', { token }), 403);
    assert.deepEqual(await cubbyholeKeys(token), []);
  });
});
