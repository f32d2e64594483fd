import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { poll } from '../harness/poll.js';
import { startServer, type TestServer } from '../harness/server.js';
import { deleteNamespace, expect2xx, nsCall } from './fixture.js';

// Deleting a big namespace (10,000 secrets, 1,000 tokens) on a real SQLite store: the DELETE
// answers at once, the namespace shows as tainted while it is emptied, another namespace is served
// throughout, and afterwards nothing of it is left in storage (every key is scanned). A deletion
// cut short by a restart resumes.

const SECRETS = 10_000;
const TOKENS = 1_000;
const PARALLEL = 32;

/** Every key in the store, read through SQLite (with the server stopped: it locks its file exclusively). */
function storedKeys(dir: string): Set<string> {
  const db = new Database(join(dir, 'coffer.db'), { readonly: true, fileMustExist: true });
  try {
    return new Set((db.prepare('SELECT key FROM entries').all() as { key: string }[]).map((row) => row.key));
  } finally {
    db.close();
  }
}

/** Runs `work(i)` for i in [0, count), `PARALLEL` at a time. */
async function inParallel(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next < count) await work(next++);
  }));
}

describe('deleting a namespace (SQLite)', () => {
  let server: TestServer;
  const call = <T = Record<string, unknown>>(method: string, path: string, options: { namespace?: string; body?: unknown; token?: string } = {}) =>
    nsCall<T>(server.address, options.token ?? server.rootToken, method, path, options);
  const kv2 = { type: 'kv', options: { version: '2' } };
  /** The store's keys, read between a stop and a start of the server. */
  const keysAcrossRestart = async () => {
    await server.stop();
    const keys = storedKeys(server.dir);
    server = await server.restart();
    return keys;
  };

  before(async () => {
    server = await startServer({ dev: false });
    expect2xx(await call('POST', 'sys/namespaces/stays'), 'create stays');
    expect2xx(await call('POST', 'sys/mounts/kv', { namespace: 'stays', body: kv2 }), 'mount in stays');
    expect2xx(await call('POST', 'kv/data/app', { namespace: 'stays', body: { data: { v: 'kept' } } }), 'write in stays');
  });
  after(async () => server?.destroy());

  it(`with ${SECRETS} secrets and ${TOKENS} tokens: tainted while it runs, others served throughout, nothing left in storage`, async () => {
    const before = await keysAcrossRestart();
    const created = expect2xx(await call<{ data: { id: string } }>('POST', 'sys/namespaces/big'), 'create big');
    const id = created.data.id;
    expect2xx(await call('POST', 'sys/mounts/kv', { namespace: 'big', body: kv2 }), 'mount kv');
    expect2xx(await call('POST', 'sys/auth/approle', { namespace: 'big', body: { type: 'approle' } }), 'enable approle');
    expect2xx(await call('PUT', 'sys/policies/acl/reader', { namespace: 'big', body: { policy: 'path "kv/*" { capabilities = ["read"] }' } }), 'policy');
    expect2xx(await call('POST', 'identity/entity', { namespace: 'big', body: { name: 'svc', policies: ['reader'] } }), 'entity');
    expect2xx(await call('POST', 'identity/group', { namespace: 'big', body: { name: 'team', policies: ['reader'] } }), 'group');
    await inParallel(SECRETS, async (i) => {
      expect2xx(await call('POST', `kv/data/s/${i}`, { namespace: 'big', body: { data: { i: String(i) } } }), `write ${i}`);
    });
    const tokens: string[] = [];
    await inParallel(TOKENS, async () => {
      const res = await call<{ auth: { client_token: string } }>('POST', 'auth/token/create', { namespace: 'big', body: { policies: ['reader'], ttl: '1h' } });
      tokens.push(expect2xx(res, 'token').auth.client_token);
    });
    const mounts = expect2xx(await call<{ data: Record<string, { uuid: string }> }>('GET', 'sys/mounts', { namespace: 'big' }), 'mounts');
    const auths = expect2xx(await call<{ data: Record<string, { uuid: string }> }>('GET', 'sys/auth', { namespace: 'big' }), 'auths');
    const uuids = [...Object.values(mounts.data), ...Object.values(auths.data)].map((m) => m.uuid);
    expect2xx(await call('GET', `kv/data/s/${SECRETS - 1}`, { namespace: 'big' }), 'the last secret reads');

    // Reads of another namespace, going on all through the deletion.
    let reading = true;
    const reads = { ok: 0, failed: [] as string[], whileTainted: 0 };
    const reader = (async () => {
      while (reading) {
        const [res, big] = await Promise.all([call('GET', 'kv/data/app', { namespace: 'stays' }), call<{ data?: { tainted?: boolean } }>('GET', 'sys/namespaces/big')]);
        if (res.status === 200) reads.ok++;
        else reads.failed.push(`${res.status} ${res.text}`);
        if (big.body.data?.tainted) reads.whileTainted++;
      }
    })();
    const answer = await call<{ data: { status: string } }>('DELETE', 'sys/namespaces/big');
    assert.deepEqual([answer.status, answer.body.data.status], [200, 'in-progress']);
    const tainted = await call<{ data: { tainted?: boolean } }>('GET', 'sys/namespaces/big');
    // Gone already or still going: while it is there, it says so, and serves nothing.
    if (tainted.status === 200) {
      assert.equal(tainted.body.data.tainted, true);
      assert.equal((await call('GET', 'kv/data/s/1', { namespace: 'big' })).status, 403, 'a tainted namespace serves nothing');
      assert.equal((await call('POST', 'sys/namespaces/big')).status, 400, 'nor can it be made again while it goes');
    }
    await poll('big deleted', async () => (await call('GET', 'sys/namespaces/big')).status === 404, { timeoutMs: 120_000 });
    reading = false;
    await reader;
    assert.deepEqual(reads.failed, [], 'the other namespace was served throughout');
    assert.ok(reads.whileTainted > 0, 'reads were answered while the deletion was under way');

    for (const token of tokens.slice(0, 20)) assert.equal((await call('GET', 'auth/token/lookup-self', { token })).status, 403);
    const left = [...(await keysAcrossRestart())].filter((key) => !before.has(key));
    const leftovers = left.filter((key) => key.includes(id) || uuids.some((uuid) => key.includes(uuid)) || key.startsWith('sys/token/'));
    assert.deepEqual(leftovers, [], 'nothing of the namespace is left in storage');
    assert.ok(left.length < 20, `keys added since, besides the namespace's: ${left.join(', ')}`);
    expect2xx(await call('GET', 'kv/data/app', { namespace: 'stays' }), 'stays still reads');
  });

  it('a deletion cut short by a restart resumes when the server is back', async () => {
    expect2xx(await call('POST', 'sys/namespaces/again'), 'create again');
    expect2xx(await call('POST', 'sys/mounts/kv', { namespace: 'again', body: kv2 }), 'mount');
    await inParallel(2_000, async (i) => {
      expect2xx(await call('POST', `kv/data/s/${i}`, { namespace: 'again', body: { data: { i: String(i) } } }), `write ${i}`);
    });
    const answer = await call('DELETE', 'sys/namespaces/again');
    assert.equal(answer.status, 200);
    // Stopped at once: whatever step it reached, the taint mark is on disk and the rest resumes.
    server = await server.restart();
    await poll('again deleted after the restart', async () => (await call('GET', 'sys/namespaces/again')).status === 404, { timeoutMs: 60_000 });
    expect2xx(await call('GET', 'kv/data/app', { namespace: 'stays' }), 'stays still reads');
  });

  it('a namespace with children is refused; once they are gone it deletes, and deleting it again answers 204', async () => {
    expect2xx(await call('POST', 'sys/namespaces/p'), 'create p');
    expect2xx(await call('POST', 'sys/namespaces/p/c'), 'create p/c');
    assert.equal((await call('DELETE', 'sys/namespaces/p')).status, 400);
    await deleteNamespace(server.address, server.rootToken, 'p/c');
    await deleteNamespace(server.address, server.rootToken, 'p');
    assert.equal((await call('DELETE', 'sys/namespaces/p')).status, 204);
  });
});
