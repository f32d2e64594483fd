import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodeVault from 'node-vault';
import { startServer, type TestServer } from '../harness/server.js';

// node-vault (npm) is someone else's Vault client: if it works unchanged, Coffer speaks Vault's API.
// Each test uses its own paths so that any one of them can run and fail alone.

type VaultClient = ReturnType<typeof nodeVault>;

/** What node-vault rejects with on a non-2xx answer (ApiResponseError in its source). */
interface VaultApiError extends Error {
  response: { statusCode: number; body: { errors?: string[]; data?: Record<string, unknown> } | undefined };
}

async function rejection(promise: Promise<unknown>): Promise<VaultApiError> {
  try {
    await promise;
  } catch (err) {
    const apiError = err as VaultApiError;
    assert.ok(apiError.response, `expected an ApiResponseError, got ${String(err)}`);
    return apiError;
  }
  assert.fail('the request succeeded');
}

const readerPolicy = `
path "secret/data/shared/*" {
  capabilities = ["read"]
}
`;

describe('node-vault against a dev server', () => {
  let server: TestServer;
  let root: VaultClient;
  const clientFor = (token: string) => nodeVault({ apiVersion: 'v1', endpoint: server.address, token });

  /** A token with the given policies, created through a throwaway client (tokenCreate swaps the client's own token). */
  async function newToken(policies: string[], ttl = '1h'): Promise<string> {
    const creator = clientFor(server.rootToken);
    const created = await creator.tokenCreate({ policies, ttl });
    return created.auth.client_token as string;
  }

  before(async () => {
    server = await startServer();
    root = clientFor(server.rootToken);
  });
  after(async () => {
    await server?.destroy();
  });

  describe('KV v2 at secret/', () => {
    it('writes a secret and reads it back with its version metadata', async () => {
      const written = await root.write('secret/data/app', { data: { user: 'admin', password: 's3cret' } });
      assert.equal(written.data.version, 1);
      assert.equal(written.data.destroyed, false);

      const read = await root.read('secret/data/app');
      assert.deepEqual(read.data.data, { user: 'admin', password: 's3cret' });
      assert.equal(read.data.metadata.version, 1);
      assert.equal(read.data.metadata.deletion_time, '');
    });

    it('numbers each write as a new version', async () => {
      await root.write('secret/data/versioned', { data: { n: '1' } });
      const second = await root.write('secret/data/versioned', { data: { n: '2' } });
      assert.equal(second.data.version, 2);
      const first = await root.read('secret/data/versioned?version=1');
      assert.deepEqual(first.data.data, { n: '1' });
    });

    it('update() sends a JSON merge patch that changes one key and keeps the others', async () => {
      await root.write('secret/data/patched', { data: { keep: 'yes', change: 'old' } });
      const patched = await root.update('secret/data/patched', { data: { change: 'new' } });
      assert.equal(patched.data.version, 2);
      const read = await root.read('secret/data/patched');
      assert.deepEqual(read.data.data, { keep: 'yes', change: 'new' });
    });

    it('lists secret names under metadata/', async () => {
      await root.write('secret/data/listing/one', { data: { a: '1' } });
      await root.write('secret/data/listing/sub/two', { data: { a: '2' } });
      const listed = await root.list('secret/metadata/listing');
      assert.deepEqual([...listed.data.keys].sort(), ['one', 'sub/']);
    });

    it('soft-deletes the latest version: a read then answers 404 with the deletion time', async () => {
      await root.write('secret/data/soft', { data: { a: '1' } });
      await root.delete('secret/data/soft');
      const error = await rejection(root.read('secret/data/soft'));
      assert.equal(error.response.statusCode, 404);
      const metadata = error.response.body?.data?.metadata as { deletion_time: string } | undefined;
      assert.ok(metadata && metadata.deletion_time !== '', `expected deletion_time in ${JSON.stringify(error.response.body)}`);
    });

    it('deleting metadata removes every version', async () => {
      await root.write('secret/data/gone', { data: { a: '1' } });
      await root.delete('secret/metadata/gone');
      const error = await rejection(root.read('secret/metadata/gone'));
      assert.equal(error.response.statusCode, 404);
    });
  });

  describe('KV v1 mounted through sys/mounts', () => {
    before(async () => {
      await root.mount({ mount_point: 'kv1', type: 'kv', options: { version: '1' } });
    });

    it('shows the new mount in sys/mounts as kv version 1', async () => {
      const mounts = await root.mounts();
      const entry = mounts.data['kv1/'];
      assert.ok(entry, `kv1/ missing from ${Object.keys(mounts.data).join(', ')}`);
      assert.equal(entry.type, 'kv');
      assert.equal(entry.options?.version, '1');
    });

    it('writes, reads, lists and deletes an unversioned secret', async () => {
      await root.write('kv1/db', { user: 'app', password: 'pw' });
      const read = await root.read('kv1/db');
      assert.deepEqual(read.data, { user: 'app', password: 'pw' });

      const listed = await root.list('kv1/');
      assert.ok(listed.data.keys.includes('db'));

      await root.delete('kv1/db');
      const error = await rejection(root.read('kv1/db'));
      assert.equal(error.response.statusCode, 404);
    });

    it('unmounting removes it from sys/mounts', async () => {
      await root.mount({ mount_point: 'kv1-temp', type: 'kv', options: { version: '1' } });
      await root.unmount({ mount_point: 'kv1-temp' });
      const mounts = await root.mounts();
      assert.equal(mounts.data['kv1-temp/'], undefined);
    });
  });

  describe('tokens and policies', () => {
    before(async () => {
      await root.addPolicy({ name: 'shared-reader', rules: readerPolicy });
      await root.write('secret/data/shared/config', { data: { feature: 'on' } });
      await root.write('secret/data/private/key', { data: { k: 'v' } });
    });

    it('creates a token that carries the requested policy plus default', async () => {
      const creator = clientFor(server.rootToken);
      const created = await creator.tokenCreate({ policies: ['shared-reader'], ttl: '1h' });
      assert.match(created.auth.client_token, /\S{20,}/);
      assert.deepEqual([...created.auth.policies].sort(), ['default', 'shared-reader']);
      assert.equal(created.auth.lease_duration, 3600);
      assert.equal(created.auth.renewable, true);
    });

    it('lets a policy-bound token read inside its policy', async () => {
      const user = clientFor(await newToken(['shared-reader']));
      const read = await user.read('secret/data/shared/config');
      assert.deepEqual(read.data.data, { feature: 'on' });
    });

    it('surfaces 403 "permission denied" for a path outside the policy', async () => {
      const user = clientFor(await newToken(['shared-reader']));
      const error = await rejection(user.read('secret/data/private/key'));
      assert.equal(error.response.statusCode, 403);
      assert.match(error.message, /permission denied/);
    });

    it('refuses writes where the policy only grants read', async () => {
      const user = clientFor(await newToken(['shared-reader']));
      const error = await rejection(user.write('secret/data/shared/config', { data: { feature: 'off' } }));
      assert.equal(error.response.statusCode, 403);
      assert.match(error.message, /permission denied/);
      const unchanged = await root.read('secret/data/shared/config');
      assert.deepEqual(unchanged.data.data, { feature: 'on' });
    });

    it('looks up its own token: policies and a TTL of at most the one asked for', async () => {
      const user = clientFor(await newToken(['shared-reader']));
      const self = await user.tokenLookupSelf();
      assert.deepEqual([...self.data.policies].sort(), ['default', 'shared-reader']);
      assert.ok(self.data.ttl > 3500 && self.data.ttl <= 3600, `ttl ${self.data.ttl}`);
      assert.equal(self.data.creation_ttl, 3600);
      assert.match(self.data.accessor, /\S+/);
    });

    it('a token that revoked itself no longer works', async () => {
      const user = clientFor(await newToken(['shared-reader']));
      await user.tokenRevokeSelf();
      const error = await rejection(user.tokenLookupSelf());
      assert.equal(error.response.statusCode, 403);
      assert.match(error.message, /permission denied|invalid token/);
      const readError = await rejection(user.read('secret/data/shared/config'));
      assert.equal(readError.response.statusCode, 403);
    });

    it('adds, reads, lists and removes a policy', async () => {
      const rules = 'path "secret/data/lifecycle" {\n  capabilities = ["read", "list"]\n}\n';
      await root.addPolicy({ name: 'lifecycle', rules });

      const read = await root.getPolicy({ name: 'lifecycle' });
      assert.equal(read.data.name, 'lifecycle');
      assert.equal(read.data.rules, rules);

      const listed = await root.policies();
      assert.ok(listed.data.policies.includes('lifecycle'), JSON.stringify(listed.data));
      assert.ok(listed.data.policies.includes('default'));
      assert.ok(listed.data.policies.includes('root'));

      await root.removePolicy({ name: 'lifecycle' });
      const afterRemoval = await root.policies();
      assert.ok(!afterRemoval.data.policies.includes('lifecycle'));
      const error = await rejection(root.getPolicy({ name: 'lifecycle' }));
      assert.equal(error.response.statusCode, 404);
    });
  });

  describe('status endpoints', () => {
    it('health reports an initialized, unsealed, active node', async () => {
      const health = await root.health();
      assert.equal(health.initialized, true);
      assert.equal(health.sealed, false);
      assert.equal(health.standby, false);
      assert.match(health.version, /\d+\.\d+/);
      assert.equal(typeof health.server_time_utc, 'number');
    });

    it('seal status reports unsealed with its thresholds', async () => {
      const status = await root.status();
      assert.equal(status.sealed, false);
      assert.equal(typeof status.t, 'number');
      assert.equal(typeof status.n, 'number');
      assert.equal(status.progress, 0);
      assert.equal(status.initialized, true);
    });
  });
});
