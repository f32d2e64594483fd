import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CofferApiError, CofferClient, creationPathAllowed, SecretDistributor, WRAPPED_TOKEN_PATHS, WrappingTokenError, type Handoff } from '../../../src/client/index.js';
import { startServer, type TestServer } from '../../harness/server.js';

// The SDK's response-wrapping helpers (src/client/wrapping.ts) and SecretDistributor
// (src/client/distributor.ts), against a real `coffer server -dev` child process. The sender is
// root; the recipient is a client holding no token at all, as a freshly started service would.

const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;
const invalidWrappingToken = (err: unknown) => err instanceof WrappingTokenError && err.reason === 'invalid';

describe('SDK response wrapping and SecretDistributor against coffer server -dev', () => {
  let server: TestServer;
  let root: CofferClient;
  let sender: SecretDistributor;
  let recipient: SecretDistributor;

  /** A fresh KV v2 secret under secret/; answers its API path and data. */
  async function newSecret(): Promise<{ path: string; data: Record<string, string> }> {
    const path = `secret/data/${unique('handoff')}`;
    const data = { password: randomBytes(8).toString('hex') };
    await root.write(path, { data });
    return { path, data };
  }

  before(async () => {
    server = await startServer();
    root = new CofferClient({ address: server.address, token: server.rootToken, env: {} });
    sender = new SecretDistributor(root);
    recipient = new SecretDistributor(new CofferClient({ address: server.address, env: {} }));
  });
  after(async () => {
    await root?.close();
    await server?.destroy();
  });

  it('describes a shared secret: its creation path, TTL and an expiry within the TTL', async () => {
    const { path } = await newSecret();
    const before = Date.now();
    const handoff = await sender.shareSecret(path, '2m');
    assert.equal(handoff.creationPath, path);
    assert.equal(handoff.ttlSeconds, 120);
    assert.ok(handoff.token && handoff.accessor && handoff.token !== handoff.accessor, 'a token and a distinct accessor');
    assert.equal(handoff.wrappedAccessor, '', 'a KV secret wraps no token');
    // creation_time has whole seconds at best: allow a second either side.
    const expires = handoff.expiresAt.getTime();
    assert.ok(expires >= before + 119_000 && expires <= Date.now() + 121_000, `expiresAt ${handoff.expiresAt.toISOString()}`);
  });

  it('hands a KV v2 secret to a recipient who names the right path; afterwards the handoff is no longer unused', async () => {
    const { path, data } = await newSecret();
    const handoff = await sender.shareSecret(path);
    assert.equal(await sender.unused(handoff.token), true);
    const received = await recipient.receive(handoff.token, path);
    assert.deepEqual(received.data?.data, data);
    assert.equal(await sender.unused(handoff.token), false);
  });

  it('refuses a recipient expecting another path (reason creation_path) and leaves the token unused for the right one', async () => {
    const { path, data } = await newSecret();
    const handoff = await sender.shareSecret(path);
    const expected = 'secret/data/somewhere-else';
    await assert.rejects(recipient.receive(handoff.token, expected), (err: unknown) => {
      assert.ok(err instanceof WrappingTokenError, String(err));
      assert.equal(err.reason, 'creation_path');
      assert.equal(err.creationPath, path);
      assert.match(err.message, /secret\/data\/somewhere-else/);
      return true;
    });
    assert.equal(await sender.unused(handoff.token), true);
    assert.deepEqual((await recipient.receive(handoff.token, 'secret/data/handoff-*')).data?.data, data, 'a prefix rule matches');
  });

  it('refuses a second receive of the same token (reason invalid)', async () => {
    const { path } = await newSecret();
    const handoff = await sender.shareSecret(path);
    await recipient.receive(handoff.token, path);
    await assert.rejects(recipient.receive(handoff.token, path), (err: unknown) => {
      assert.ok(invalidWrappingToken(err));
      // The server says why in its own header, and the SDK passes it on: someone used it first.
      assert.equal((err as WrappingTokenError).failure, 'already_used');
      assert.match((err as Error).message, /\(already used\)$/);
      return true;
    });
    await assert.rejects(recipient.receive('hvs.never-issued', path), (err: unknown) => invalidWrappingToken(err) && (err as WrappingTokenError).failure === 'invalid');
  });

  it('withdraws an unused handoff: the recipient is then refused (reason invalid)', async () => {
    const { path } = await newSecret();
    const handoff = await sender.shareSecret(path);
    assert.equal(await sender.withdraw(handoff), true);
    assert.equal(await sender.unused(handoff.token), false);
    await assert.rejects(recipient.receive(handoff.token, path), invalidWrappingToken);
  });

  it('answers false when withdrawing a handoff the recipient already received', async () => {
    const { path } = await newSecret();
    const handoff = await sender.shareSecret(path);
    await recipient.receive(handoff.token, path);
    assert.equal(await sender.withdraw(handoff), false);
  });

  it('rewraps into a new token for the same secret; the old token is dead', async () => {
    const { path, data } = await newSecret();
    const handoff = await sender.shareSecret(path);
    const rewrapped = await root.wrapping.rewrap(handoff.token);
    assert.notEqual(rewrapped.token, handoff.token);
    assert.equal(rewrapped.creation_path, path, 'the creation path is kept');
    await assert.rejects(root.wrapping.lookup(handoff.token), invalidWrappingToken);
    await assert.rejects(recipient.receive(handoff.token, path), invalidWrappingToken);
    assert.deepEqual((await recipient.receive(rewrapped.token, path)).data?.data, data);
  });

  it('shares data in hand through sys/wrapping/wrap', async () => {
    const data = { api_key: unique('key') };
    const handoff: Handoff = await sender.shareData(data, '30s');
    assert.equal(handoff.creationPath, 'sys/wrapping/wrap');
    assert.equal(handoff.ttlSeconds, 30);
    assert.deepEqual((await recipient.receive(handoff.token, 'sys/wrapping/wrap')).data, data);
  });

  it('shares a new token: the recipient unwraps it with the default token paths and it is the one named by wrappedAccessor', async () => {
    const handoff = await sender.shareToken({ policies: ['default'], ttl: '10m' }, { ttl: '60s' });
    assert.equal(handoff.creationPath, 'auth/token/create');
    assert.ok(handoff.wrappedAccessor, 'the wrapped token is named by its accessor');
    const received = await recipient.receive(handoff.token, WRAPPED_TOKEN_PATHS);
    assert.equal(received.auth?.accessor, handoff.wrappedAccessor);
    const inside = await root.tokens.lookupAccessor(handoff.wrappedAccessor);
    assert.deepEqual(inside?.data?.policies, ['default']);
    await root.tokens.revokeAccessor(handoff.wrappedAccessor);
  });

  it("wrapping needs the permission to read the path: a refusal is the server's 403", async () => {
    const weak = (await root.tokens.create({ policies: ['default'], ttl: '10m' }))!.auth!.client_token;
    const weakSender = new SecretDistributor(new CofferClient({ address: server.address, token: weak, env: {} }));
    await assert.rejects(weakSender.shareSecret('secret/data/not-mine'), (err: unknown) => err instanceof CofferApiError && err.status === 403);
  });

  it('creation-path rules: exact, prefix*, RegExp and predicate', () => {
    assert.equal(creationPathAllowed('auth/token/create', 'auth/token/create'), true);
    assert.equal(creationPathAllowed('auth/token/create-orphan', 'auth/token/create'), false);
    assert.equal(creationPathAllowed('auth/token/create-orphan', 'auth/token/create*'), true);
    assert.equal(creationPathAllowed('auth/approle/role/web/secret-id', /^auth\/approle\/role\/[^/]+\/secret-id$/), true);
    assert.equal(creationPathAllowed('sys/wrapping/wrap', (p) => p.startsWith('auth/')), false);
  });
});
