import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CofferApiError, type CofferClient } from '../../../src/client/index.js';
import { clockReaches } from '../../harness/poll.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { appClient, rootClient, unique } from './fixture.js';

// The SDK's opt-in read cache against a real dev server. What the server saw is counted from its
// own file audit device: one response entry per request that reached it.

describe('SDK read cache (real server; requests counted in its file audit log)', () => {
  let server: TestServer;
  let root: CofferClient;
  let auditFile: string;

  /** How many requests for `path` reached the server (response entries in the audit log). */
  async function served(path: string, operation = 'read'): Promise<number> {
    const lines = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean);
    return lines.map((l) => JSON.parse(l) as { type: string; request: { path: string; operation: string } }).filter((e) => e.type === 'response' && e.request.path === path && e.request.operation === operation).length;
  }

  const cachedClient = (options: Parameters<typeof appClient>[1] = {}) => appClient(server.address, { token: server.rootToken, cache: { ttlMs: 60_000 }, ...options });

  before(async () => {
    server = await startServer();
    root = rootClient(server.address, server.rootToken);
    auditFile = join(server.dir, 'audit.log');
    await root.audit.enable('file', { type: 'file', options: { file_path: auditFile } });
  });
  after(async () => {
    await server?.destroy();
  });

  it('1,000 concurrent reads of one secret make one request, and all of them get the value', async () => {
    const path = `secret/data/${unique('flight')}`;
    await root.write(path, { data: { password: 'hunter2' } });
    const client = cachedClient();
    try {
      const answers = await Promise.all(Array.from({ length: 1000 }, () => client.read(path)));
      assert.ok(answers.every((a) => (a?.data as { data: { password: string } }).data.password === 'hunter2'));
      assert.equal(await served(path), 1);
      assert.equal(client.cache?.stats.misses, 1);
      // Later reads within the TTL are answered from memory too.
      await client.read(path);
      assert.equal(await served(path), 1);
    } finally {
      await client.close();
    }
  });

  it('each caller gets its own copy: changing an answer does not change the cache', async () => {
    const path = `secret/data/${unique('copy')}`;
    await root.write(path, { data: { a: '1' } });
    const client = cachedClient();
    try {
      const first = await client.read(path);
      (first!.data as { data: Record<string, string> }).data.a = 'changed';
      const second = await client.read(path);
      assert.equal((second!.data as { data: Record<string, string> }).data.a, '1');
    } finally {
      await client.close();
    }
  });

  it('a write through the client drops the cached answer (data/ and metadata/ alike) and the listing above it', async () => {
    const name = unique('inval');
    const client = cachedClient();
    try {
      await client.write(`secret/data/${name}/db`, { data: { v: '1' } });
      assert.equal(((await client.read(`secret/data/${name}/db`))!.data as { data: { v: string } }).data.v, '1');
      const metadata = await client.read(`secret/metadata/${name}/db`);
      assert.equal((metadata!.data as { current_version: number }).current_version, 1);
      assert.deepEqual((await client.list(`secret/metadata/${name}/`))?.data?.keys, ['db']);
      await client.write(`secret/data/${name}/db`, { data: { v: '2' } });
      await client.write(`secret/data/${name}/other`, { data: { v: '3' } });
      assert.equal(((await client.read(`secret/data/${name}/db`))!.data as { data: { v: string } }).data.v, '2');
      assert.equal(((await client.read(`secret/metadata/${name}/db`))!.data as { current_version: number }).current_version, 2);
      assert.deepEqual((await client.list(`secret/metadata/${name}/`))?.data?.keys, ['db', 'other']);
      // Explicit invalidation, for writes made by someone else.
      await root.write(`secret/data/${name}/db`, { data: { v: 'elsewhere' } });
      client.cache!.invalidate(`secret/data/${name}/db`);
      assert.equal(((await client.read(`secret/data/${name}/db`))!.data as { data: { v: string } }).data.v, 'elsewhere');
    } finally {
      await client.close();
    }
  });

  it('never caches wrapped answers, leased answers, tokens, sys/ or auth/ reads, or refusals', async () => {
    const path = `secret/data/${unique('never')}`;
    await root.write(path, { data: { v: '1' } });
    const client = cachedClient();
    try {
      const wrapped = [await client.read(path, { wrapTTL: '60s' }), await client.read(path, { wrapTTL: '60s' })];
      assert.notEqual(wrapped[0]!.wrap_info!.token, wrapped[1]!.wrap_info!.token, 'each wrapped read is its own single-use token');
      await client.read('auth/token/lookup-self');
      await client.read('auth/token/lookup-self');
      assert.equal(await served('auth/token/lookup-self'), 2);
      await client.read('sys/mounts');
      await client.read('sys/mounts');
      assert.equal(await served('sys/mounts'), 2);
      const missing = `secret/data/${unique('missing')}`;
      for (let i = 0; i < 2; i++) await assert.rejects(client.read(missing), (err: unknown) => err instanceof CofferApiError && err.status === 404);
      assert.equal(await served(missing), 2);
      assert.equal(client.cache!.stats.entries, 0);
    } finally {
      await client.close();
    }
  });

  it('keys by token: a token without access is refused even after another token cached the answer', async () => {
    const path = `secret/data/${unique('bytoken')}`;
    await root.write(path, { data: { v: '1' } });
    const weak = (await root.tokens.create({ policies: ['default'], ttl: '10m' }))!.auth!.client_token;
    const client = cachedClient();
    try {
      await client.read(path);
      await assert.rejects(client.read(path, { token: weak }), (err: unknown) => err instanceof CofferApiError && err.status === 403);
    } finally {
      await client.close();
    }
  });

  it("a refusal carries the server's request id: the one its audit log records for that request", async () => {
    const weak = (await root.tokens.create({ policies: ['default'], ttl: '10m' }))!.auth!.client_token;
    const path = `secret/data/${unique('denied')}`;
    const client = appClient(server.address, { token: weak });
    const err = await client.read(path).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CofferApiError && err.status === 403 && err.requestId, `a 403 with a request id: ${String(err)}`);
    const lines = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; request: { id: string; path: string } });
    assert.ok(lines.some((e) => e.type === 'response' && e.request.id === err.requestId && e.request.path === path), 'the audit log names the same request');
  });

  it('stays within its bounds: least recently used answers go first, and close() empties it', async () => {
    const client = cachedClient({ cache: { ttlMs: 60_000, maxEntries: 3 } });
    const name = unique('bounded');
    try {
      for (const n of [1, 2, 3]) await root.write(`secret/data/${name}/${n}`, { data: { n: String(n) } });
      for (const n of [1, 2, 3]) await client.read(`secret/data/${name}/${n}`);
      await client.read(`secret/data/${name}/1`); // 1 is now the most recently used
      await root.write(`secret/data/${name}/4`, { data: { n: '4' } });
      await client.read(`secret/data/${name}/4`); // evicts 2
      assert.equal(client.cache!.stats.entries, 3);
      await client.read(`secret/data/${name}/1`);
      await client.read(`secret/data/${name}/2`);
      assert.equal(await served(`secret/data/${name}/1`), 1, '1 stayed');
      assert.equal(await served(`secret/data/${name}/2`), 2, '2 was evicted');
      const bytes = client.cache!.stats.bytes;
      assert.ok(bytes > 0);
      await client.close();
      assert.deepEqual({ entries: client.cache!.stats.entries, bytes: client.cache!.stats.bytes }, { entries: 0, bytes: 0 });
    } finally {
      await client.close();
    }
  });

  it('an entry expires after its TTL and is read again from the server', async () => {
    const path = `secret/data/${unique('ttl')}`;
    await root.write(path, { data: { v: '1' } });
    const client = cachedClient({ cache: { ttlMs: 200 } });
    try {
      await client.read(path);
      await client.read(path);
      assert.equal(await served(path), 1);
      await clockReaches(Date.now() + 250, 'the cache TTL');
      await client.read(path);
      assert.equal(await served(path), 2);
    } finally {
      await client.close();
    }
  });
});
