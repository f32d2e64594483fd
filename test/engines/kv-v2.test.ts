import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataKeys } from '../../src/core/data-keys.js';
import { kvBackend } from '../../src/engines/kv/index.js';
import { ephemeralLocalKms } from '../../src/kms/local.js';
import { assertRejects, EngineClient, snapshot, testMount } from './engine-client.js';

const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;
const START = Date.UTC(2024, 0, 2, 3, 4, 5) + 123.456;

/** A KV v2 mount whose clock only moves when the test moves it. */
function kvV2() {
  const time = { now: START };
  const mount = testMount('secret', { version: '2' });
  // Every backend of the mount shares one data-key service, as the backends of one server do.
  const dataKeys = new DataKeys(ephemeralLocalKms());
  const kv = new EngineClient(kvBackend(mount, { clock: () => time.now, dataKeys }), mount);
  return Object.assign(kv, { time, another: () => kvBackend(mount, { clock: () => time.now, dataKeys }) });
}

type Obj = Record<string, unknown>;
const dataOf = (resp: { data?: Obj | null }) => resp.data as Obj;
const field = (resp: { data?: Obj | null }, name: string) => (resp.data as Obj)[name] as Obj;

async function writeVersions(kv: EngineClient, path: string, count: number) {
  for (let i = 1; i <= count; i++) await kv.write(`data/${path}`, { data: { n: i } });
}

describe('kv v2 config', () => {
  it('reads Vault defaults when never written', async () => {
    const resp = await kvV2().read('config');
    assert.deepEqual(resp.data, { cas_required: false, delete_version_after: '0s', max_versions: 0 });
  });

  it('stores settings and reads durations back Go-style', async () => {
    const kv = kvV2();
    assert.equal((await kv.write('config', { max_versions: 5, cas_required: true, delete_version_after: '3h' })).status, 204);
    assert.deepEqual((await kv.read('config')).data, { cas_required: true, delete_version_after: '3h0m0s', max_versions: 5 });
  });

  it('keeps settings not sent in a later write', async () => {
    const kv = kvV2();
    await kv.write('config', { max_versions: 5, cas_required: true });
    await kv.write('config', { delete_version_after: 90 });
    assert.deepEqual((await kv.read('config')).data, { cas_required: true, delete_version_after: '1m30s', max_versions: 5 });
  });

  it('disables delete_version_after with a negative duration', async () => {
    const kv = kvV2();
    await kv.write('config', { delete_version_after: '-5s' });
    assert.equal(dataOf(await kv.read('config'))['delete_version_after'], '-1s');
  });

  it('refuses a negative max_versions and a malformed duration, changing nothing', async () => {
    const kv = kvV2();
    await kv.write('config', { max_versions: 4 });
    const before = await snapshot(kv.store);
    await assertRejects(kv.write('config', { max_versions: -1 }), 400);
    await assertRejects(kv.write('config', { delete_version_after: 'soon' }), 400);
    assert.deepEqual(await snapshot(kv.store), before);
  });
});

describe('kv v2 data', () => {
  it('answers a write with the new version metadata', async () => {
    const kv = kvV2();
    const resp = await kv.write('data/app/db', { data: { password: 'hunter2' } });
    assert.deepEqual(Object.keys(dataOf(resp)).sort(), ['created_time', 'custom_metadata', 'deletion_time', 'destroyed', 'version']);
    assert.match(field(resp, 'created_time') as unknown as string, RFC3339_NANO);
    assert.equal(dataOf(resp)['created_time'], '2024-01-02T03:04:05.123456Z');
    assert.equal(dataOf(resp)['custom_metadata'], null);
    assert.equal(dataOf(resp)['deletion_time'], '');
    assert.equal(dataOf(resp)['destroyed'], false);
    assert.equal(dataOf(resp)['version'], 1);
  });

  it('reads the latest version with its metadata', async () => {
    const kv = kvV2();
    await kv.write('data/app/db', { data: { password: 'one' } });
    await kv.write('data/app/db', { data: { password: 'two', nested: { a: [1, 2] } } });
    const resp = await kv.read('data/app/db');
    assert.deepEqual(field(resp, 'data'), { password: 'two', nested: { a: [1, 2] } });
    assert.equal(field(resp, 'metadata')['version'], 2);
    assert.equal(field(resp, 'metadata')['deletion_time'], '');
  });

  it('reads an older version with ?version=N', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 3);
    const resp = await kv.read('data/app', { version: '1' });
    assert.deepEqual(field(resp, 'data'), { n: 1 });
    assert.equal(field(resp, 'metadata')['version'], 1);
  });

  it('answers 404 without data for a path never written or a version that never existed', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 1);
    const missing = await kv.read('data/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.data, null);
    assert.equal((await kv.read('data/app', { version: 7 })).status, 404);
  });

  it('tells create from update by whether the path has metadata', async () => {
    const kv = kvV2();
    assert.equal(await kv.writeOperation('data/app', { data: { a: 1 } }), 'create');
    await kv.write('data/app', { data: { a: 1 } });
    assert.equal(await kv.writeOperation('data/app', { data: { a: 2 } }), 'update');
  });

  it('soft-deletes the latest version: 404 with its metadata, older versions still readable', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 2);
    kv.time.now += 1000;
    assert.equal((await kv.delete('data/app')).status, 204);
    const resp = await kv.read('data/app');
    assert.equal(resp.status, 404);
    assert.equal(field(resp, 'data'), null);
    assert.equal(field(resp, 'metadata')['version'], 2);
    assert.equal(field(resp, 'metadata')['deletion_time'], '2024-01-02T03:04:06.123456Z');
    assert.deepEqual(field(await kv.read('data/app', { version: 1 }), 'data'), { n: 1 });
  });

  it('keeps the newest versions only, up to max_versions, and deletes the data of the rest', async () => {
    const kv = kvV2();
    await kv.write('config', { max_versions: 3 });
    await writeVersions(kv, 'app', 5);
    const meta = dataOf(await kv.read('metadata/app'));
    assert.deepEqual(Object.keys(meta['versions'] as Obj).sort(), ['3', '4', '5']);
    assert.equal(meta['oldest_version'], 3);
    assert.equal(meta['current_version'], 5);
    assert.equal((await kv.read('data/app', { version: 2 })).status, 404);
    assert.deepEqual(await kv.store.list('versions/app/'), ['3', '4', '5']);
  });

  it('keeps 10 versions by default, oldest_version staying 0 until the window fills', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 9);
    assert.equal(dataOf(await kv.read('metadata/app'))['oldest_version'], 0);
    await writeVersions(kv, 'app', 2);
    const meta = dataOf(await kv.read('metadata/app'));
    assert.equal(Object.keys(meta['versions'] as Obj).length, 10);
    assert.equal(meta['oldest_version'], 2);
  });

  it('applies a key max_versions set through metadata', async () => {
    const kv = kvV2();
    await kv.write('metadata/app', { max_versions: 2 });
    await writeVersions(kv, 'app', 4);
    assert.deepEqual(Object.keys(field(await kv.read('metadata/app'), 'versions')).sort(), ['3', '4']);
  });

  it('schedules deletion_time from delete_version_after, and reads as deleted once it passed', async () => {
    const kv = kvV2();
    await kv.write('config', { delete_version_after: '1h' });
    const written = await kv.write('data/app', { data: { a: 1 } });
    assert.equal(dataOf(written)['deletion_time'], '2024-01-02T04:04:05.123456Z');
    assert.deepEqual(field(await kv.read('data/app'), 'data'), { a: 1 });
    kv.time.now += 3600_000 + 1;
    const expired = await kv.read('data/app');
    assert.equal(expired.status, 404);
    assert.equal(field(expired, 'metadata')['deletion_time'], '2024-01-02T04:04:05.123456Z');
  });

  it("uses the smaller of the mount's and the key's delete_version_after", async () => {
    const kv = kvV2();
    await kv.write('config', { delete_version_after: '1h' });
    await kv.write('metadata/app', { delete_version_after: '10m' });
    const written = await kv.write('data/app', { data: { a: 1 } });
    assert.equal(dataOf(written)['deletion_time'], '2024-01-02T03:14:05.123456Z');
  });

  it('schedules nothing when the mount disabled delete_version_after', async () => {
    const kv = kvV2();
    await kv.write('config', { delete_version_after: -1 });
    await kv.write('metadata/app', { delete_version_after: '10m' });
    assert.equal(dataOf(await kv.write('data/app', { data: { a: 1 } }))['deletion_time'], '');
  });

  it('refuses a write whose data is not an object, changing nothing', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 1);
    const before = await snapshot(kv.store);
    await assertRejects(kv.write('data/app', { data: 'text' }), 400);
    await assertRejects(kv.write('data/app', { data: [1, 2] }), 400);
    await assertRejects(kv.write('data/app', { options: { cas: 1 } }), 400, 'no data provided');
    assert.deepEqual(await snapshot(kv.store), before);
  });

  it('refuses a negative version', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 1);
    await assertRejects(kv.read('data/app', { version: -1 }), 400);
    await assertRejects(kv.read('subkeys/app', { version: '-2' }), 400);
  });

  it('answers 404 with a warning for paths outside the v2 API', async () => {
    const kv = kvV2();
    const v1Style = await kv.read('app/db');
    assert.equal(v1Style.status, 404);
    assert.match(v1Style.warnings?.[0] ?? '', /vault kv get/);
    const root = await kv.write('data/', { data: { a: 1 } });
    assert.equal(root.status, 404);
    assert.match(root.warnings?.[0] ?? '', /root of a K\/V v2 mount/);
    assert.equal((await kv.write('data/app/', { data: { a: 1 } })).status, 404);
    assert.equal((await kv.store.list('')).length, 0);
  });
});

describe('kv v2 check-and-set', () => {
  it('lets cas=0 create a path that does not exist yet, and only then', async () => {
    const kv = kvV2();
    assert.equal(dataOf(await kv.write('data/app', { data: { a: 1 }, options: { cas: 0 } }))['version'], 1);
    await assertRejects(
      kv.write('data/app', { data: { a: 2 }, options: { cas: 0 } }),
      400,
      'check-and-set parameter did not match the current version',
    );
  });

  it('accepts cas equal to the current version and refuses any other, changing nothing', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 2);
    const before = await snapshot(kv.store);
    await assertRejects(kv.write('data/app', { data: { a: 1 }, options: { cas: 1 } }), 400, 'check-and-set parameter did not match the current version');
    assert.deepEqual(await snapshot(kv.store), before);
    assert.equal(dataOf(await kv.write('data/app', { data: { a: 1 }, options: { cas: '2' } }))['version'], 3);
  });

  it('refuses a cas that is not an integer, changing nothing', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 1);
    const before = await snapshot(kv.store);
    for (const cas of ['one', 1.5, { v: 1 }, true]) {
      await assertRejects(kv.write('data/app', { data: { a: 1 }, options: { cas } }), 400, 'error parsing check-and-set parameter');
    }
    await assertRejects(kv.write('data/app', { data: { a: 1 }, options: 'cas=1' }), 400);
    assert.deepEqual(await snapshot(kv.store), before);
  });

  it('requires cas when the mount config says so', async () => {
    const kv = kvV2();
    await kv.write('config', { cas_required: true });
    await assertRejects(kv.write('data/app', { data: { a: 1 } }), 400, 'check-and-set parameter required for this call');
    assert.equal(dataOf(await kv.write('data/app', { data: { a: 1 }, options: { cas: 0 } }))['version'], 1);
  });

  it("requires cas when the key's metadata says so", async () => {
    const kv = kvV2();
    await kv.write('metadata/app', { cas_required: true });
    await assertRejects(kv.write('data/app', { data: { a: 1 } }), 400, 'check-and-set parameter required for this call');
    // As in Vault, metadata alone is enough for cas to be checked before "no version yet".
    await assertRejects(kv.patch('data/app', { data: { a: 1 } }), 400, 'check-and-set parameter required for this call');
    await kv.write('data/app', { data: { a: 1 }, options: { cas: 0 } });
    await assertRejects(kv.patch('data/app', { data: { a: 2 } }), 400, 'check-and-set parameter required for this call');
    assert.equal(dataOf(await kv.write('data/other', { data: { a: 1 } }))['version'], 1);
  });

  it('lets exactly one of 20 concurrent cas=1 writes win', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 1);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => kv.write('data/app', { data: { writer: i }, options: { cas: 1 } })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as Error).message, 'check-and-set parameter did not match the current version');
    assert.equal(dataOf(await kv.read('metadata/app'))['current_version'], 2);
  });

  it('lets exactly one of 20 concurrent cas=1 writes win across nodes sharing storage', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 1);
    // Each writer is its own backend instance (no shared in-process lock): only the storage transaction decides.
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => kv.with({ backend: kv.another() }).write('data/app', { data: { writer: i }, options: { cas: 1 } })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    assert.deepEqual(field(await kv.read('data/app'), 'data'), { writer: winner });
    assert.equal(dataOf(await kv.read('metadata/app'))['current_version'], 2);
  });

  it('gives 20 concurrent writes without cas across nodes 20 distinct versions', async () => {
    const kv = kvV2();
    await kv.write('config', { max_versions: 50 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => kv.with({ backend: kv.another() }).write('data/app', { data: { writer: i } })),
    );
    const versions = results.map((r) => dataOf(r)['version'] as number).sort((a, b) => a - b);
    assert.deepEqual(versions, Array.from({ length: 20 }, (_, i) => i + 1));
    assert.equal(Object.keys(field(await kv.read('metadata/app'), 'versions')).length, 20);
  });
});

describe('kv v2 patch', () => {
  it('merges into the latest version as JSON merge patch: objects merge, null removes', async () => {
    const kv = kvV2();
    await kv.write('data/app', { data: { a: 1, b: { c: 2, d: 3 }, e: 5, list: [1, 2] } });
    const resp = await kv.patch('data/app', { data: { b: { c: null, x: 1 }, e: null, f: 'new', list: [3] } });
    assert.equal(dataOf(resp)['version'], 2);
    assert.deepEqual(field(await kv.read('data/app'), 'data'), { a: 1, b: { d: 3, x: 1 }, list: [3], f: 'new' });
    assert.deepEqual(field(await kv.read('data/app', { version: 1 }), 'data'), { a: 1, b: { c: 2, d: 3 }, e: 5, list: [1, 2] });
  });

  it('answers 404 for a path never written', async () => {
    assert.equal((await kvV2().patch('data/app', { data: { a: 1 } })).status, 404);
  });

  it('answers 404 with the version metadata when the latest version is deleted', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 1);
    await kv.delete('data/app');
    const resp = await kv.patch('data/app', { data: { a: 1 } });
    assert.equal(resp.status, 404);
    assert.equal(dataOf(resp)['version'], 1);
    assert.notEqual(dataOf(resp)['deletion_time'], '');
  });

  it('honours cas and refuses bad data, changing nothing', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 2);
    const before = await snapshot(kv.store);
    await assertRejects(kv.patch('data/app', { data: { a: 1 }, options: { cas: 1 } }), 400, 'check-and-set parameter did not match the current version');
    await assertRejects(kv.patch('data/app', { data: 'x' }), 400);
    await assertRejects(kv.patch('data/app', {}), 400, 'no data provided');
    assert.deepEqual(await snapshot(kv.store), before);
    assert.equal(dataOf(await kv.patch('data/app', { data: { a: 1 }, options: { cas: 2 } }))['version'], 3);
  });
});

describe('kv v2 delete, undelete, destroy', () => {
  it('soft-deletes listed versions and undeletes them', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 3);
    assert.equal((await kv.write('delete/app', { versions: [1, 2] })).status, 204);
    assert.equal((await kv.read('data/app', { version: 1 })).status, 404);
    assert.equal((await kv.read('data/app', { version: 2 })).status, 404);
    assert.deepEqual(field(await kv.read('data/app'), 'data'), { n: 3 });
    assert.equal((await kv.write('undelete/app', { versions: '1' })).status, 204);
    assert.deepEqual(field(await kv.read('data/app', { version: 1 }), 'data'), { n: 1 });
    assert.equal((await kv.read('data/app', { version: 2 })).status, 404);
  });

  it('destroys version data for good and marks it destroyed in metadata', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 2);
    assert.equal((await kv.write('destroy/app', { versions: '1,2' })).status, 204);
    const resp = await kv.read('data/app', { version: 1 });
    assert.equal(resp.status, 404);
    assert.equal(field(resp, 'metadata')['destroyed'], true);
    assert.equal((field(await kv.read('metadata/app'), 'versions')['2'] as Obj)['destroyed'], true);
    assert.equal(await kv.store.get('versions/app/1'), undefined);
    assert.equal(await kv.store.get('versions/app/2'), undefined);
    await kv.write('undelete/app', { versions: [1] });
    assert.equal((await kv.read('data/app', { version: 1 })).status, 404);
  });

  it('refuses missing or negative version lists, changing nothing', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 1);
    const before = await snapshot(kv.store);
    await assertRejects(kv.write('delete/app', {}), 400, 'No version number provided');
    await assertRejects(kv.write('undelete/app', { versions: [] }), 400, 'No version number provided');
    await assertRejects(kv.write('destroy/app', {}), 400, 'no version number provided');
    await assertRejects(kv.write('destroy/app', { versions: [-1] }), 400);
    await assertRejects(kv.write('delete/app', { versions: 'one' }), 400);
    assert.deepEqual(await snapshot(kv.store), before);
  });

  it('undelete reschedules delete_version_after from now', async () => {
    const kv = kvV2();
    await kv.write('config', { delete_version_after: '1h' });
    await kv.write('data/app', { data: { a: 1 } });
    await kv.write('delete/app', { versions: [1] });
    kv.time.now += 600_000;
    await kv.write('undelete/app', { versions: [1] });
    assert.equal(field(await kv.read('data/app'), 'metadata')['deletion_time'], '2024-01-02T04:14:05.123456Z');
  });
});

describe('kv v2 metadata', () => {
  it("reads a key's settings and version history in Vault's shape", async () => {
    const kv = kvV2();
    await kv.write('data/app', { data: { a: 1 } });
    kv.time.now += 1000;
    await kv.write('data/app', { data: { a: 2 } });
    assert.deepEqual(dataOf(await kv.read('metadata/app')), {
      cas_required: false,
      created_time: '2024-01-02T03:04:05.123456Z',
      current_version: 2,
      custom_metadata: null,
      delete_version_after: '0s',
      max_versions: 0,
      oldest_version: 0,
      updated_time: '2024-01-02T03:04:06.123456Z',
      versions: {
        '1': { created_time: '2024-01-02T03:04:05.123456Z', deletion_time: '', destroyed: false },
        '2': { created_time: '2024-01-02T03:04:06.123456Z', deletion_time: '', destroyed: false },
      },
    });
  });

  it('answers 404 for a key without metadata', async () => {
    assert.equal((await kvV2().read('metadata/nope')).status, 404);
  });

  it('stores settings and custom_metadata, shown on data reads and writes too', async () => {
    const kv = kvV2();
    await kv.write('metadata/app', { max_versions: 4, cas_required: true, delete_version_after: '2h', custom_metadata: { owner: 'ops', tier: 1 } });
    const meta = dataOf(await kv.read('metadata/app'));
    assert.equal(meta['max_versions'], 4);
    assert.equal(meta['cas_required'], true);
    assert.equal(meta['delete_version_after'], '2h0m0s');
    assert.deepEqual(meta['custom_metadata'], { owner: 'ops', tier: '1' });
    assert.equal(meta['current_version'], 0);
    assert.deepEqual(meta['versions'], {});
    const written = await kv.write('data/app', { data: { a: 1 }, options: { cas: 0 } });
    assert.deepEqual(dataOf(written)['custom_metadata'], { owner: 'ops', tier: '1' });
    assert.deepEqual(field(await kv.read('data/app'), 'metadata')['custom_metadata'], { owner: 'ops', tier: '1' });
  });

  it('creates nothing for a write that sets nothing', async () => {
    const kv = kvV2();
    assert.equal((await kv.write('metadata/app', {})).status, 204);
    assert.equal((await kv.read('metadata/app')).status, 404);
  });

  it("enforces Vault's custom_metadata limits, changing nothing", async () => {
    const kv = kvV2();
    await kv.write('metadata/app', { custom_metadata: { keep: 'me' } });
    const before = await snapshot(kv.store);
    const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    await assertRejects(kv.write('metadata/app', { custom_metadata: tooMany }), 400, /at most 64 keys, provided 65/);
    await assertRejects(kv.write('metadata/app', { custom_metadata: { ['k'.repeat(129)]: 'v' } }), 400, /length of key/);
    await assertRejects(kv.write('metadata/app', { custom_metadata: { k: 'v'.repeat(513) } }), 400, /length of value/);
    await assertRejects(kv.write('metadata/app', { custom_metadata: { k: '' } }), 400, /length of value/);
    await assertRejects(kv.write('metadata/app', { custom_metadata: { k: 'bell\u0007' } }), 400, /unprintable/);
    await assertRejects(kv.write('metadata/app', { custom_metadata: { k: { nested: 1 } } }), 400);
    await assertRejects(kv.write('metadata/app', { max_versions: -3 }), 400);
    assert.deepEqual(await snapshot(kv.store), before);
  });

  it('patches only what is sent: custom_metadata merges, null removes a key', async () => {
    const kv = kvV2();
    await kv.write('metadata/app', { max_versions: 4, custom_metadata: { owner: 'ops', team: 'a' } });
    assert.equal((await kv.patch('metadata/app', { cas_required: true, custom_metadata: { team: null, env: 'prod' } })).status, 204);
    const meta = dataOf(await kv.read('metadata/app'));
    assert.equal(meta['max_versions'], 4);
    assert.equal(meta['cas_required'], true);
    assert.deepEqual(meta['custom_metadata'], { owner: 'ops', env: 'prod' });
  });

  it('answers 404 to a patch of a key without metadata', async () => {
    assert.equal((await kvV2().patch('metadata/nope', { max_versions: 2 })).status, 404);
  });

  it('warns when a key turns cas_required off that the mount requires', async () => {
    const kv = kvV2();
    await kv.write('config', { cas_required: true });
    const resp = await kv.write('metadata/app', { cas_required: false });
    assert.match(resp.warnings?.[0] ?? '', /mandated by backend config/);
  });

  it('deletes every version and the metadata of a key', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 3);
    await writeVersions(kv, 'app/child', 1);
    assert.equal((await kv.delete('metadata/app')).status, 204);
    assert.equal((await kv.read('metadata/app')).status, 404);
    assert.equal((await kv.read('data/app', { version: 1 })).status, 404);
    assert.deepEqual([...(await snapshot(kv.store, 'versions/')).keys()], ['versions/app/child/1']);
    assert.deepEqual(field(await kv.read('data/app/child'), 'data'), { n: 1 });
    assert.equal(dataOf(await kv.write('data/app', { data: { fresh: true } }))['version'], 1);
  });

  it('lists one level of keys, folders with a trailing slash, soft-deleted keys included', async () => {
    const kv = kvV2();
    await writeVersions(kv, 'app', 1);
    await writeVersions(kv, 'app/db', 1);
    await writeVersions(kv, 'app/web/tls', 1);
    await writeVersions(kv, 'other', 1);
    await kv.delete('data/other');
    assert.deepEqual((await kv.list('metadata/')).data, { keys: ['app', 'app/', 'other'] });
    assert.deepEqual((await kv.list('metadata/app/')).data, { keys: ['db', 'web/'] });
    assert.deepEqual((await kv.list('metadata/app')).data, { keys: ['db', 'web/'] });
  });

  it('answers 404 to a listing with no keys', async () => {
    const kv = kvV2();
    assert.equal((await kv.list('metadata/')).status, 404);
    await writeVersions(kv, 'app', 1);
    assert.equal((await kv.list('metadata/nothing/')).status, 404);
  });
});

describe('kv v2 subkeys', () => {
  const secret = { a: 1, b: { c: 'x', d: { e: true } }, f: [1, 2], g: {} };

  it('returns the key structure with every value replaced by null', async () => {
    const kv = kvV2();
    await kv.write('data/app', { data: secret });
    const resp = await kv.read('subkeys/app');
    assert.deepEqual(field(resp, 'subkeys'), { a: null, b: { c: null, d: { e: null } }, f: null, g: null });
    assert.equal(field(resp, 'metadata')['version'], 1);
  });

  it('stops at the requested depth', async () => {
    const kv = kvV2();
    await kv.write('data/app', { data: secret });
    assert.deepEqual(field(await kv.read('subkeys/app', { depth: 1 }), 'subkeys'), { a: null, b: null, f: null, g: null });
    assert.deepEqual(field(await kv.read('subkeys/app', { depth: '2' }), 'subkeys'), { a: null, b: { c: null, d: null }, f: null, g: null });
  });

  it('reads a given version, and 404 with metadata for a deleted one', async () => {
    const kv = kvV2();
    await kv.write('data/app', { data: { old: 1 } });
    await kv.write('data/app', { data: { new: 1 } });
    assert.deepEqual(field(await kv.read('subkeys/app', { version: 1 }), 'subkeys'), { old: null });
    await kv.delete('data/app');
    const deleted = await kv.read('subkeys/app');
    assert.equal(deleted.status, 404);
    assert.equal(field(deleted, 'subkeys'), null);
    assert.equal(field(deleted, 'metadata')['version'], 2);
  });
});

describe('kv v2 storage layout', () => {
  it('keeps the path in keys, one entry per version, and no secret value in any key or in metadata', async () => {
    const kv = kvV2();
    await kv.write('data/team/app', { data: { password: 'VALUE-ONE' } });
    await kv.write('data/team/app', { data: { password: 'VALUE-TWO' } });
    const entries = await snapshot(kv.store);
    assert.deepEqual([...entries.keys()].sort(), ['metadata/team/app', 'versions/team/app/1', 'versions/team/app/2']);
    assert.ok(![...entries.keys()].some((k) => k.includes('VALUE')));
    assert.ok(!JSON.stringify(await kv.store.get('metadata/team/app')).includes('VALUE'));
    // Each version holds its data sealed under its own data key, never the value itself.
    const version = (await kv.store.get('versions/team/app/2')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(version).sort(), ['ciphertext', 'kms_key_id', 'wrapped_dek']);
    assert.ok(!JSON.stringify(version).includes('VALUE'));
  });
});
