import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { databaseFiles, occurrences } from '../harness/at-rest-scan.js';
import { startServer, type TestServer } from '../harness/server.js';
import { api } from '../harness/http.js';
import { assertNoContent } from '../sys/fixture.js';

// The headline proof (DESIGN.md §4.1, §4.3): whatever goes in through the HTTP API of a real
// `coffer server` process, the SQLite files on disk hold no secret value and no token, in any
// common encoding; and the same files, with the same key, give every secret back.

const marker = (label: string) => `atrest-${label}-${randomBytes(12).toString('hex')}`;

/** Every stored entry (key → value bytes, hex), read through SQLite so a WAL checkpoint does not count as a change. */
function storedEntries(dir: string): Map<string, string> {
  const db = new Database(join(dir, 'coffer.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT key, value FROM entries ORDER BY key').all() as { key: string; value: Buffer }[];
    return new Map(rows.map((row) => [row.key, row.value.toString('hex')]));
  } finally {
    db.close();
  }
}

describe('secrets at rest in a real server\'s SQLite files', () => {
  let server: TestServer;
  let dir: string;
  /** label → plaintext that must never reach the disk. */
  const secrets = new Map<string, string>();
  const tokens = new Map<string, string>();
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, token = server.rootToken) =>
    api<T>(server.address, method, path, { token, body });

  const kvV2Path = `billing-${randomBytes(4).toString('hex')}`;
  const kvV1Path = `legacy-${randomBytes(4).toString('hex')}`;
  const kvV2Values = Object.fromEntries(['password', 'api_key', 'private_key', 'nested'].map((k) => [k, marker(`kv2-${k}`)]));
  const kvV2Second = { password: marker('kv2-second-version') };
  const customMetadata = { owner: marker('kv2-custom-metadata') };
  const kvV1Values = { password: marker('kv1-password'), token: marker('kv1-token') };
  const cubbyholeValue = marker('cubbyhole');
  const policyMarker = marker('policy');
  const metaValue = marker('token-meta');
  const policyText = `# ${policyMarker}\npath "secret/data/${kvV2Path}" {\n  capabilities = ["read"]\n}\n`;

  before(async () => {
    server = await startServer({ dev: false });
    dir = server.dir;
    tokens.set('root token', server.rootToken);

    assertNoContent(await call('POST', 'sys/mounts/secret', { type: 'kv-v2' }), 'mount kv v2');
    assertNoContent(await call('POST', 'sys/mounts/legacy', { type: 'kv', options: { version: '1' } }), 'mount kv v1');

    const { nested, ...flat } = kvV2Values;
    assert.equal((await call('POST', `secret/data/${kvV2Path}`, { data: { ...flat, nested: { deep: [nested] } } })).status, 200);
    assert.equal((await call('POST', `secret/data/${kvV2Path}`, { data: kvV2Second })).status, 200);
    assertNoContent(await call('POST', `secret/metadata/${kvV2Path}`, { custom_metadata: customMetadata }), 'custom metadata');
    assertNoContent(await call('PUT', `legacy/${kvV1Path}`, kvV1Values), 'kv v1 write');
    assertNoContent(await call('PUT', 'sys/policies/acl/at-rest-reader', { policy: policyText }), 'policy');

    for (let i = 0; i < 5; i++) {
      const res = await call<{ auth: { client_token: string; accessor: string } }>('POST', 'auth/token/create', {
        policies: ['at-rest-reader'],
        meta: { note: metaValue },
      });
      assert.equal(res.status, 200, res.text);
      tokens.set(`token ${i}`, res.body.auth.client_token);
      tokens.set(`accessor ${i}`, res.body.auth.accessor);
    }
    assertNoContent(await call('POST', 'cubbyhole/private', { value: cubbyholeValue }, tokens.get('token 0')), 'cubbyhole');

    for (const [key, value] of Object.entries(kvV2Values)) secrets.set(`kv v2 ${key}`, value);
    secrets.set('kv v2 second version', kvV2Second.password);
    secrets.set('kv v2 custom metadata', customMetadata.owner);
    for (const [key, value] of Object.entries(kvV1Values)) secrets.set(`kv v1 ${key}`, value);
    secrets.set('cubbyhole value', cubbyholeValue);
    secrets.set('policy text marker', policyMarker);
    secrets.set('token metadata', metaValue);
  });

  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the scan finds what is stored in the clear (storage keys), so it can see the files', async () => {
    const files = await databaseFiles(dir);
    assert.ok(files.has('coffer.db'), `files: ${[...files.keys()].join(', ')}`);
    const inTheClear = new Map([
      ['mount table key', 'core/mounts'],
      ['kv v2 path name', kvV2Path],
      ['kv v1 path name', kvV1Path],
    ]);
    const found = occurrences(files, inTheClear);
    for (const label of inTheClear.keys()) assert.ok(found.some((f) => f.startsWith(label)), `${label} found: ${found.join(', ')}`);
  });

  it('the scan recognises a value stored as hex or base64 at any offset', () => {
    const value = 'a-value-the-scan-must-see';
    for (const prefix of ['', 'x', 'xy', 'xyz']) {
      for (const encoding of ['hex', 'base64', 'base64url'] as const) {
        const file = Buffer.from(`{"k":"${Buffer.from(prefix + value).toString(encoding)}"}`);
        assert.deepEqual(occurrences(new Map([['f', file]]), new Map([['v', value]])), ['v in f'], `${encoding} after "${prefix}"`);
      }
    }
  });

  it('holds no secret value and no token while the server runs (database and WAL)', async () => {
    const files = await databaseFiles(dir);
    assert.deepEqual(occurrences(files, secrets), []);
    assert.deepEqual(occurrences(files, tokens), []);
  });

  it('holds no secret value and no token after the server stopped', async () => {
    await server.stop();
    const files = await databaseFiles(dir);
    assert.ok(files.size >= 1);
    assert.deepEqual(occurrences(files, secrets), []);
    assert.deepEqual(occurrences(files, tokens), []);
  });

  it('the server\'s own output holds no secret value and no token', () => {
    const output = server.output();
    const leaked = [...secrets, ...tokens].filter(([, value]) => output.includes(value)).map(([label]) => label);
    assert.deepEqual(leaked, []);
  });

  it('refuses to start with a different master key, saying it cannot unseal', async () => {
    await server.stop();
    const before = storedEntries(dir);
    assert.ok(before.size > 0);
    const otherKey = randomBytes(32).toString('base64');
    await assert.rejects(startServer({ dev: false, dir, masterKey: otherKey }), (err: Error) => {
      assert.match(err.message, /server exited with 1/);
      assert.match(err.message, /unseal failed/);
      assert.equal(err.message.includes(otherKey), false, 'the key is not printed');
      return true;
    });
    assert.deepEqual(storedEntries(dir), before, 'the failed start changed no stored entry');
  });

  describe('after a restart with the same master key', () => {
    before(async () => {
      server = await server.restart();
    });

    it('reads back the latest kv v2 version, the first version and the custom metadata', async () => {
      const latest = await call<{ data: { data: unknown } }>('GET', `secret/data/${kvV2Path}`);
      assert.equal(latest.status, 200, latest.text);
      assert.deepEqual(latest.body.data.data, kvV2Second);
      const first = await call<{ data: { data: Record<string, unknown> } }>('GET', `secret/data/${kvV2Path}?version=1`);
      assert.equal(first.body.data.data.password, kvV2Values.password);
      assert.deepEqual(first.body.data.data.nested, { deep: [kvV2Values.nested] });
      const metadata = await call<{ data: { custom_metadata: unknown } }>('GET', `secret/metadata/${kvV2Path}`);
      assert.deepEqual(metadata.body.data.custom_metadata, customMetadata);
    });

    it('reads back the kv v1 secret', async () => {
      const res = await call<{ data: unknown }>('GET', `legacy/${kvV1Path}`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.data, kvV1Values);
    });

    it('the created tokens still work, with their metadata, policy and cubbyhole', async () => {
      const token = tokens.get('token 0')!;
      const self = await call<{ data: { meta: Record<string, string>; policies: string[] } }>('GET', 'auth/token/lookup-self', undefined, token);
      assert.equal(self.status, 200, self.text);
      assert.deepEqual(self.body.data.meta, { note: metaValue });
      assert.ok(self.body.data.policies.includes('at-rest-reader'));

      const read = await call<{ data: { data: unknown } }>('GET', `secret/data/${kvV2Path}`, undefined, token);
      assert.equal(read.status, 200, read.text);
      const cubbyhole = await call<{ data: unknown }>('GET', 'cubbyhole/private', undefined, token);
      assert.deepEqual(cubbyhole.body.data, { value: cubbyholeValue });
    });

    it('reads back the policy text', async () => {
      const res = await call<{ data: { policy: string } }>('GET', 'sys/policies/acl/at-rest-reader');
      assert.equal(res.body.data.policy, policyText);
    });

    it('the root token from initialization still works', async () => {
      const res = await call<{ data: { policies: string[] } }>('GET', 'auth/token/lookup-self');
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.data.policies, ['root']);
    });
  });
});
