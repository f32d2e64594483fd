import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { Kms } from '../../src/kms/kms.js';
import { forcePass, rewrapStatus, startRewrapServer, storedVersions, VersionedKeyFile, waitForStatus, type RewrapServer } from './rewrap-fixture.js';

/** Writes `count` versions spread over a few paths (one nested, one with a colon); answers their storage keys and data. */
async function writeVersions(s: RewrapServer, count: number, prefix = 'app'): Promise<{ keys: string[]; reads: Map<string, unknown> }> {
  const keys: string[] = [];
  const reads = new Map<string, unknown>();
  const paths = [`${prefix}/db`, `${prefix}/team/api`, `${prefix}:colon`];
  for (let i = 0; i < count; i++) {
    const path = paths[i % paths.length]!;
    const answer = await s.call<{ data: { version: number } }>('POST', `secret/data/${path}`, { data: { value: `secret-${i}` } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    keys.push(`versions/${path}/${answer.body.data.version}`);
    reads.set(`${path}?version=${answer.body.data.version}`, { value: `secret-${i}` });
  }
  return { keys, reads };
}

async function assertReadsUnchanged(s: RewrapServer, reads: Map<string, unknown>): Promise<void> {
  for (const [pathAndVersion, data] of reads) {
    const answer = await s.call<{ data: { data: unknown } }>('GET', `secret/data/${pathAndVersion}`);
    assert.equal(answer.status, 200, `${pathAndVersion}: ${JSON.stringify(answer.body)}`);
    assert.deepEqual(answer.body.data.data, data, pathAndVersion);
  }
}

describe('KMS re-wrap worker with a local multi-version key file', () => {
  let dir: string;
  const servers: RewrapServer[] = [];
  const open = async (...args: Parameters<typeof startRewrapServer> extends [string, ...infer R] ? R : never) => {
    const server = await startRewrapServer(dir, ...args);
    servers.push(server);
    return server;
  };
  const closeAll = async () => {
    for (const server of servers.splice(0)) await server.close();
  };
  afterEach(async () => {
    await closeAll();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function rotatedStore(count: number, rewrap = {}): Promise<{ s: RewrapServer; keyFile: VersionedKeyFile; keys: string[]; reads: Map<string, unknown> }> {
    dir = await mkdtemp(join(tmpdir(), 'coffer-rewrap-'));
    const keyFile = new VersionedKeyFile(join(dir, 'key.json'));
    await keyFile.add(1);
    const s = await open({ rewrap });
    const { keys, reads } = await writeVersions(s, count);
    await keyFile.add(2);
    return { s, keyFile, keys, reads };
  }

  it('status counts the versions still wrapped by key v1 once the key file gains v2', async () => {
    const { s, keys } = await rotatedStore(5);
    const status = await rewrapStatus(s);
    assert.equal(status.current_key_version, '2');
    assert.equal(status.pending_versions, 5);
    assert.equal(status.running, false);
    for (const [key, stored] of await storedVersions(s, keys)) assert.equal(stored?.keyVersion, 1, key);
  });

  it('a forced pass re-wraps every version onto v2, reads are unchanged, and v1 can then leave the key file', async () => {
    const { s, keyFile, keys, reads } = await rotatedStore(6);
    const status = await forcePass(s);
    assert.equal(status.pending_versions, 0);
    assert.deepEqual(status.last_pass, { rewrapped: 6, skipped_current: 0, skipped_gone: 0, failed: 0, interrupted: false });
    assert.equal(status.rewrapped_total, 6);
    assert.ok(status.last_pass_finished, 'the pass finished');
    for (const [key, stored] of await storedVersions(s, keys)) {
      assert.equal(stored?.keyVersion, 2, key);
      assert.equal(stored?.kmsKeyId, status.current_key_id, key);
    }
    await assertReadsUnchanged(s, reads);
    // With the DEK cache off, reads after v1 is gone prove every DEK really is under v2.
    await keyFile.retire(1);
    await rewrapStatus(s); // the local KMS re-reads its key file when asked for its version
    await assertReadsUnchanged(s, reads);
  });

  it('a pass also re-wraps the barrier root key, so with v1 retired the server still unseals after a restart', async () => {
    const { s, keyFile, reads } = await rotatedStore(3);
    await forcePass(s);
    await keyFile.retire(1);
    await closeAll();
    const restarted = await open({});
    await assertReadsUnchanged(restarted, reads);
  });

  it('a second pass does no work', async () => {
    const { s } = await rotatedStore(4);
    await forcePass(s);
    const again = await forcePass(s);
    assert.deepEqual(again.last_pass, { rewrapped: 0, skipped_current: 4, skipped_gone: 0, failed: 0, interrupted: false });
    assert.equal(again.rewrapped_total, 4);
  });

  it('paces a pass at max_per_sec', async () => {
    const rate = 10;
    const { s } = await rotatedStore(6, { maxPerSec: rate });
    const status = await forcePass(s);
    assert.equal(status.last_pass?.rewrapped, 6);
    // The n-th re-wrap starts no earlier than (n-1)/rate seconds after the pass began.
    const took = Date.parse(status.last_pass_finished!) - Date.parse(status.last_pass_started!);
    assert.ok(took >= ((6 - 1) * 1000) / rate, `6 re-wraps at ${rate}/s took ${took} ms`);
  });

  it('a pass stopped by a restart resumes where it stopped, and the baseline moves only when it completes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-rewrap-'));
    const keyFile = new VersionedKeyFile(join(dir, 'key.json'));
    await keyFile.add(1);
    let s = await open({ rewrap: { enabled: true, maxPerSec: 4 } });
    await waitForStatus(s, (st) => st.baseline_key_version === '1');
    const { keys, reads } = await writeVersions(s, 8);
    await keyFile.add(2);
    assert.equal((await s.call('POST', 'sys/kms/rewrap')).status, 202);
    await waitForStatus(s, (st) => st.rewrapped_total >= 2);
    await closeAll(); // shuts down mid-pass: 8 re-wraps at 4/s take at least 1.75 s
    s = await open({ rewrap: { enabled: true, maxPerSec: 1000 } });
    const before = [...(await storedVersions(s, keys)).values()].filter((v) => v?.keyVersion === 2).length;
    assert.ok(before >= 2 && before < 8, `${before} of 8 re-wrapped before the restart`);
    // Enabled, baseline still 1, current 2: the worker resumes on its own at start.
    const status = await waitForStatus(s, (st) => st.baseline_key_version === '2' && !st.running);
    assert.equal(status.pending_versions, 0);
    assert.equal(status.rewrapped_total, 8);
    for (const [key, stored] of await storedVersions(s, keys)) assert.equal(stored?.keyVersion, 2, key);
    await assertReadsUnchanged(s, reads);
  });

  it('a version destroyed while the pass re-wraps it stays destroyed and is skipped', async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-rewrap-'));
    const keyFile = new VersionedKeyFile(join(dir, 'key.json'));
    await keyFile.add(1);
    let destroyDuringUnwrap: ((aad: string) => Promise<void>) | undefined;
    // Forwards to the server's local KMS; destroys the doomed version between the worker's read and its put.
    const hooked = (inner: Kms): Kms => ({
      type: inner.type,
      get keyId() {
        return inner.keyId;
      },
      wrap: (key, aad) => inner.wrap(key, aad),
      unwrap: async (wrapped, aad) => {
        const out = await inner.unwrap(wrapped, aad);
        await destroyDuringUnwrap?.(aad);
        return out;
      },
      currentKeyVersion: () => inner.currentKeyVersion!(),
    });
    const s = await open({ wrapDataKeyKms: hooked });
    const { keys } = await writeVersions(s, 3);
    assert.equal((await s.call('POST', 'secret/data/doomed', { data: { value: 'shred me' } })).status, 200);
    await keyFile.add(2);
    let destroyed = 0;
    destroyDuringUnwrap = async (aad) => {
      if (!aad.endsWith(':doomed:1') || destroyed++) return;
      const answer = await s.call('POST', 'secret/destroy/doomed', { versions: [1] });
      assert.equal(answer.status, 204);
    };
    const status = await forcePass(s);
    assert.equal(destroyed, 1, 'the destroy ran inside the pass');
    assert.deepEqual(status.last_pass, { rewrapped: 3, skipped_current: 0, skipped_gone: 1, failed: 0, interrupted: false });
    assert.equal(await s.store().get('versions/doomed/1'), undefined, 'the re-wrap did not put the destroyed version back');
    const read = await s.call<{ data: { metadata: { destroyed: boolean } } }>('GET', 'secret/data/doomed');
    assert.equal(read.status, 404);
    assert.equal(read.body.data.metadata.destroyed, true);
    for (const [key, stored] of await storedVersions(s, keys)) assert.equal(stored?.keyVersion, 2, key);
  });

  it('enabling the worker adopts the current key version as baseline without a pass', async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-rewrap-'));
    const keyFile = new VersionedKeyFile(join(dir, 'key.json'));
    await keyFile.add(1);
    let s = await open({ rewrap: { enabled: false } });
    const { keys } = await writeVersions(s, 3);
    assert.equal((await rewrapStatus(s)).baseline_key_version, null);
    await keyFile.add(2);
    await closeAll();
    s = await open({ rewrap: { enabled: true } });
    const status = await waitForStatus(s, (st) => st.baseline_key_version !== null);
    assert.equal(status.enabled, true);
    assert.equal(status.baseline_key_version, '2');
    assert.equal(status.rewrapped_total, 0);
    assert.equal(status.pending_versions, 3, 'older versions stay on v1 until the next rotation or a forced pass');
    for (const [key, stored] of await storedVersions(s, keys)) assert.equal(stored?.keyVersion, 1, key);
  });

  it('an enabled worker notices a rotation of the key file by itself and re-wraps', async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-rewrap-'));
    const keyFile = new VersionedKeyFile(join(dir, 'key.json'));
    await keyFile.add(1);
    const s = await open({ rewrap: { enabled: true, intervalMs: 100 } });
    await waitForStatus(s, (st) => st.baseline_key_version === '1');
    const { keys } = await writeVersions(s, 3);
    await keyFile.add(2);
    const status = await waitForStatus(s, (st) => st.baseline_key_version === '2' && !st.running);
    assert.equal(status.rewrapped_total, 3);
    for (const [key, stored] of await storedVersions(s, keys)) assert.equal(stored?.keyVersion, 2, key);
  });

  it('both endpoints need sudo', async () => {
    const { s } = await rotatedStore(1);
    const created = await s.call<{ auth: { client_token: string } }>('POST', 'auth/token/create', { policies: ['default'] });
    const { api } = await import('../harness/http.js');
    const address = s.server.addresses[0]!;
    const token = created.body.auth.client_token;
    assert.equal((await api(address, 'POST', 'sys/kms/rewrap', { token })).status, 403);
    assert.equal((await api(address, 'GET', 'sys/kms/rewrap/status', { token })).status, 403);
    assert.equal((await rewrapStatus(s)).rewrapped_total, 0);
  });
});
