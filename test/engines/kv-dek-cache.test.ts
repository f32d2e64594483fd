import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataKeys } from '../../src/core/data-keys.js';
import { loadConfig } from '../../src/server/config.js';
import { ephemeralLocalKms } from '../../src/kms/local.js';
import { KmsStandIn, startDekServer, type DekServer } from './kv-dek-fixture.js';

// The DEK cache (issue 6): unwrapped data keys stay in memory, bounded and for dek_cache_ttl, so reads
// keep working through a KMS outage; plaintext secrets are never cached.

describe('DEK cache through a KMS outage (KMS stand-in)', () => {
  let s: DekServer | undefined;
  afterEach(async () => {
    await s?.destroy();
    s = undefined;
  });

  const write = async (server: DekServer, path: string, value: string) => {
    const resp = await server.call('POST', `secret/data/${path}`, { data: { value } });
    assert.equal(resp.status, 200, resp.text);
  };

  it('with the KMS stand-in down, versions read since unseal still read; the others fail with a 502 naming the KMS', async () => {
    s = await startDekServer();
    const cachedValue = `cached-${randomBytes(8).toString('hex')}`;
    await write(s, 'outage/cached', cachedValue);
    await write(s, 'outage/uncached', 'never-read');
    // Sealing wipes the cache; after the unseal only what is read again gets cached.
    await s.server.core.seal();
    await s.server.core.unseal();
    assert.equal((await s.call('GET', 'secret/data/outage/cached')).status, 200);

    s.kms.down = true;
    const cached = await s.call<{ data: { data: { value: string } } }>('GET', 'secret/data/outage/cached');
    assert.equal(cached.status, 200, cached.text);
    assert.equal(cached.body.data.data.value, cachedValue);
    const uncached = await s.call('GET', 'secret/data/outage/uncached');
    assert.equal(uncached.status, 502, uncached.text);
    // The KMS's own answer (its key id, the socket error) is for the log, never for the reader.
    assert.deepEqual(uncached.body, { errors: ['the KMS could not be used'] });
    assert.ok(!uncached.text.includes(s.kms.keyId) && !uncached.text.includes('ECONNREFUSED'), uncached.text);

    s.kms.down = false;
    assert.equal((await s.call('GET', 'secret/data/outage/uncached')).status, 200);
  });

  it('with dek_cache_ttl 0 nothing is cached: every read needs the KMS', async () => {
    s = await startDekServer({ dekCacheTtlMs: 0 });
    await write(s, 'nocache/app', 'v');
    const unwraps = s.kms.unwraps;
    assert.equal((await s.call('GET', 'secret/data/nocache/app')).status, 200);
    assert.equal((await s.call('GET', 'secret/data/nocache/app')).status, 200);
    assert.equal(s.kms.unwraps, unwraps + 2);
    s.kms.down = true;
    assert.equal((await s.call('GET', 'secret/data/nocache/app')).status, 502);
  });

  it('a write fails with a 502 (the KMS named only in the log) while the KMS stand-in is down, and stores nothing', async () => {
    s = await startDekServer();
    s.kms.down = true;
    const resp = await s.call('POST', 'secret/data/down/app', { data: { value: 'x' } });
    assert.equal(resp.status, 502, resp.text);
    assert.deepEqual(resp.body, { errors: ['the KMS could not be used'] });
    assert.ok(!resp.text.includes(s.kms.keyId), resp.text);
    assert.equal(await s.store().get('metadata/down/app'), undefined);
  });
});

describe('DataKeys cache (unit, fake clock, KMS stand-in)', () => {
  const setup = (ttlMs: number, maxEntries = 100) => {
    const time = { now: 1_000_000 };
    const kms = new KmsStandIn(ephemeralLocalKms());
    return { time, kms, keys: new DataKeys(kms, { ttlMs, maxEntries }, () => time.now) };
  };
  const text = (b: Buffer) => b.toString('utf8');

  it('serves a cached data key until dek_cache_ttl passes, then needs the KMS again', async () => {
    const { time, kms, keys } = setup(60_000);
    const sealed = await keys.seal(Buffer.from('secret'), 'm:p:1');
    kms.down = true;
    assert.equal(text(await keys.open(sealed, 'm:p:1')), 'secret');
    time.now += 59_999;
    assert.equal(text(await keys.open(sealed, 'm:p:1')), 'secret');
    time.now += 1;
    await assert.rejects(keys.open(sealed, 'm:p:1'), (err: Error) => /the KMS \(local local:[0-9a-f]+\) could not unwrap the data key/.test(err.message));
    kms.down = false;
    assert.equal(text(await keys.open(sealed, 'm:p:1')), 'secret');
  });

  it('keeps at most maxEntries data keys, dropping the least recently used', async () => {
    const { kms, keys } = setup(60_000, 2);
    const a = await keys.seal(Buffer.from('a'), 'm:a:1');
    const b = await keys.seal(Buffer.from('b'), 'm:b:1');
    await keys.open(a, 'm:a:1'); // a is now the most recently used
    const c = await keys.seal(Buffer.from('c'), 'm:c:1');
    assert.equal(keys.cachedKeys, 2);
    kms.down = true;
    assert.equal(text(await keys.open(a, 'm:a:1')), 'a');
    assert.equal(text(await keys.open(c, 'm:c:1')), 'c');
    await assert.rejects(keys.open(b, 'm:b:1'), /could not unwrap the data key/);
  });

  it('forgets every data key on clear (seal), so nothing opens without the KMS', async () => {
    const { kms, keys } = setup(60_000);
    const sealed = await keys.seal(Buffer.from('x'), 'm:x:1');
    keys.clear();
    assert.equal(keys.cachedKeys, 0);
    kms.down = true;
    await assert.rejects(keys.open(sealed, 'm:x:1'), /could not unwrap the data key/);
  });

  it('forget drops one version\'s data key (destroy)', async () => {
    const { kms, keys } = setup(60_000);
    const sealed = await keys.seal(Buffer.from('x'), 'm:x:1');
    keys.forget(sealed);
    kms.down = true;
    await assert.rejects(keys.open(sealed, 'm:x:1'), /could not unwrap the data key/);
  });

  it('caches data keys only: the cache holds 32-byte keys, not what they decrypt', async () => {
    const { keys } = setup(60_000);
    const plaintext = Buffer.from(`plaintext-${randomBytes(8).toString('hex')}`);
    const sealed = await keys.seal(plaintext, 'm:y:1');
    await keys.open(sealed, 'm:y:1');
    // Reach into the private map on purpose: this is the property under test.
    const entries = (keys as unknown as { cache: { entries: Map<string, { key: Buffer }> } }).cache.entries;
    assert.equal(entries.size, 1);
    for (const { key } of entries.values()) {
      assert.equal(key.byteLength, 32);
      assert.ok(!key.includes(plaintext));
    }
  });
});

describe('dek_cache_ttl in the server configuration', () => {
  const configWith = async (line: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-dek-config-'));
    try {
      const file = join(dir, 'coffer.hcl');
      await writeFile(file, `storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:8200"\n  tls_disable = true\n}\n${line}\n`);
      return await loadConfig(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('takes a duration ("90s") or 0 (cache off), and is absent when not set', async () => {
    assert.equal((await configWith('dek_cache_ttl = "90s"')).dekCacheTtlMs, 90_000);
    assert.equal((await configWith('dek_cache_ttl = 0')).dekCacheTtlMs, 0);
    assert.equal((await configWith('')).dekCacheTtlMs, undefined);
  });

  it('refuses a value that is not a duration, naming the option', async () => {
    await assert.rejects(configWith('dek_cache_ttl = "soon"'), /dek_cache_ttl must be a duration/);
  });
});
