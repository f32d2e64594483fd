import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_KEY_KEY } from '../../src/barrier/barrier.js';
import type { SnapshotEntry } from '../../src/storage/backend.js';
import { SNAPSHOT_MAGIC, verifySnapshot, writeSnapshot, type SnapshotHeader } from '../../src/core/snapshot.js';

const header: SnapshotHeader = { created: '2026-01-01T00:00:00.000Z', storage_type: 'inmem', key_identity: 'x', seal_type: 'local' };
const rootKeyRecord = Buffer.from(JSON.stringify({ format: 1, seal_type: 'local', kms_key_id: 'key-1', wrapped_root_key: 'AA==' }));

async function build(entries: SnapshotEntry[]): Promise<Buffer> {
  async function* source() {
    yield* entries;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of writeSnapshot(header, source())) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const entries = (): SnapshotEntry[] => [
  { key: ROOT_KEY_KEY, value: rootKeyRecord },
  { key: 'logical/abc/data', value: Buffer.from([0, 1, 2, 255]) },
  { key: 'empty', value: new Uint8Array(0) },
];

const refusal = (bytes: Buffer, pattern: RegExp) =>
  assert.throws(() => verifySnapshot(bytes), (err: Error & { status?: number }) => err.status === 400 && pattern.test(err.message));

describe('snapshot file format', () => {
  it('reads back exactly the entries written, with the header', async () => {
    const snapshot = verifySnapshot(await build(entries()));
    assert.deepEqual(snapshot.header, header);
    assert.deepEqual(snapshot.entries.map((e) => [e.key, Buffer.from(e.value).toString('hex')]), entries().map((e) => [e.key, Buffer.from(e.value).toString('hex')]));
  });

  it('derives the key identity from the snapshot\'s own root-key record: same seal key, same identity', async () => {
    const one = verifySnapshot(await build(entries()));
    const other = verifySnapshot(await build([{ key: ROOT_KEY_KEY, value: Buffer.from(JSON.stringify({ format: 1, seal_type: 'local', kms_key_id: 'key-2', wrapped_root_key: 'AA==' })) }]));
    assert.equal(one.keyIdentity, verifySnapshot(await build(entries().slice(0, 1))).keyIdentity);
    assert.notEqual(one.keyIdentity, other.keyIdentity);
  });

  it('tells two Shamir stores apart by their wrapped root keys (their key ids are all "shamir")', async () => {
    const shamir = (wrapped: string) => [{ key: ROOT_KEY_KEY, value: Buffer.from(JSON.stringify({ format: 1, seal_type: 'shamir', kms_key_id: 'shamir', wrapped_root_key: wrapped })) }];
    assert.notEqual(verifySnapshot(await build(shamir('AAAA'))).keyIdentity, verifySnapshot(await build(shamir('BBBB'))).keyIdentity);
  });

  it('refuses a file that is not a snapshot', () => refusal(Buffer.from('{"data": 1}'), /bad magic/));

  it('refuses another format version', async () => {
    const bytes = await build(entries());
    bytes.writeUInt16BE(2, SNAPSHOT_MAGIC.length);
    refusal(bytes, /unsupported format version 2/);
  });

  it('refuses a file cut at any point', async () => {
    const bytes = await build(entries());
    for (let length = SNAPSHOT_MAGIC.length; length < bytes.length; length++) refusal(bytes.subarray(0, length), /truncated|checksum/);
  });

  it('refuses extra bytes after the checksum', async () => refusal(Buffer.concat([await build(entries()), Buffer.from([0])]), /after the checksum/));

  it('refuses any single flipped bit', async () => {
    const bytes = await build(entries());
    for (let i = SNAPSHOT_MAGIC.length; i < bytes.length; i++) {
      const copy = Buffer.from(bytes);
      copy[i] = copy[i]! ^ 0x10;
      assert.throws(() => verifySnapshot(copy), (err: Error & { status?: number }) => err.status === 400, `flip at ${i}`);
    }
  });

  it('refuses a snapshot without a barrier root key', async () => refusal(await build(entries().slice(1)), /no barrier root key/));
});
