import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CofferApiError, creationPathAllowed, SecretDistributor, WrappingTokenError, type CofferClient } from '../../../src/client/index.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { appClient, rootClient, unique } from './fixture.js';

// Response wrapping through the SDK on a real dev server: the sender's SecretDistributor and the
// recipient's creation-path check.

describe('SDK wrapping and SecretDistributor (real server)', () => {
  let server: TestServer;
  let root: CofferClient;
  let distributor: SecretDistributor;

  before(async () => {
    server = await startServer();
    root = rootClient(server.address, server.rootToken);
    distributor = new SecretDistributor(root, { ttl: '90s' });
  });
  after(async () => server?.destroy());

  it('a handoff says where it was made and when it expires; the recipient needs no token of its own', async () => {
    const path = `secret/data/${unique('handoff')}`;
    await root.write(path, { data: { password: 's3cret' } });
    const before = Date.now();
    const handoff = await distributor.shareSecret(path);
    assert.equal(handoff.creationPath, path);
    assert.equal(handoff.ttlSeconds, 90);
    assert.ok(Math.abs(handoff.expiresAt.getTime() - (before + 90_000)) < 5_000, `expires ${handoff.expiresAt.toISOString()}`);
    const recipient = new SecretDistributor(appClient(server.address));
    const received = await recipient.receive(handoff.token, path);
    assert.deepEqual((received.data as { data: unknown }).data, { password: 's3cret' });
  });

  it('refuses to unwrap a token made at another path than expected, and leaves it unused', async () => {
    const path = `secret/data/${unique('swap')}`;
    await root.write(path, { data: { v: '1' } });
    const handoff = await distributor.shareSecret(path);
    await assert.rejects(distributor.receive(handoff.token, 'secret/data/what-i-asked-for'), (err: unknown) => {
      assert.ok(err instanceof WrappingTokenError);
      assert.equal(err.reason, 'creation_path');
      assert.equal(err.creationPath, path);
      return true;
    });
    assert.equal(await distributor.unused(handoff.token), true);
    await distributor.receive(handoff.token, 'secret/data/*');
    assert.equal(await distributor.unused(handoff.token), false);
  });

  it('a withdrawn handoff cannot be received', async () => {
    const handoff = await distributor.shareData({ api_key: 'k' });
    assert.equal(await distributor.withdraw(handoff), true);
    await assert.rejects(distributor.receive(handoff.token, 'sys/wrapping/wrap'), (err: unknown) => err instanceof WrappingTokenError && err.reason === 'invalid');
  });

  it('shareToken wraps a new token; its wrapped accessor names the token inside', async () => {
    const handoff = await distributor.shareToken({ policies: ['default'], ttl: '10m' });
    assert.equal(handoff.creationPath, 'auth/token/create');
    const received = await distributor.receive(handoff.token, 'auth/token/create');
    assert.equal(received.auth!.accessor, handoff.wrappedAccessor);
  });

  it('rewrap answers a new token for the same data and uses the old one up', async () => {
    const handoff = await distributor.shareData({ n: '42' });
    const fresh = await root.wrapping.rewrap(handoff.token);
    assert.notEqual(fresh.token, handoff.token);
    assert.equal(await distributor.unused(handoff.token), false);
    assert.deepEqual((await distributor.receive(fresh.token, 'sys/wrapping/wrap')).data, { n: '42' });
  });

  it('wrapping needs the permission to read the path: a refusal is the server\'s 403', async () => {
    const weak = (await root.tokens.create({ policies: ['default'], ttl: '10m' }))!.auth!.client_token;
    await assert.rejects(new SecretDistributor(appClient(server.address, { token: weak })).shareSecret('secret/data/not-mine'), (err: unknown) => err instanceof CofferApiError && err.status === 403);
  });

  it('creation-path rules: exact, prefix*, RegExp and predicate', () => {
    assert.equal(creationPathAllowed('auth/token/create', 'auth/token/create'), true);
    assert.equal(creationPathAllowed('auth/token/create-orphan', 'auth/token/create'), false);
    assert.equal(creationPathAllowed('auth/token/create-orphan', 'auth/token/create*'), true);
    assert.equal(creationPathAllowed('auth/approle/role/web/secret-id', /^auth\/approle\/role\/[^/]+\/secret-id$/), true);
    assert.equal(creationPathAllowed('sys/wrapping/wrap', (p) => p.startsWith('auth/')), false);
  });
});
