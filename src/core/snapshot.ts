import { createHash } from 'node:crypto';
import { ROOT_KEY_KEY } from '../barrier/barrier.js';
import type { SnapshotEntry, StorageBackend } from '../storage/backend.js';
import { invalidRequest } from '../framework/errors.js';

/**
 * The snapshot file format (version 1), all integers big-endian:
 *
 *   magic "COFFSNAP" (8) | format version u16 | header length u32 | header JSON
 *   then per entry: tag 0x01 | key length u32 | key (UTF-8) | value length u32 | value
 *   then tag 0x00 | entry count u64 (a file cut between entries is still detected)
 *   then SHA-256 (32) of every byte before it.
 *
 * Values are the physical entries as stored, already sealed by the barrier: a snapshot holds no
 * plaintext and no key material. The barrier's own records (root key wrapped by the seal, keyring
 * sealed by the root key) are entries like any other, so a restore brings its keys back with it.
 */
export const SNAPSHOT_MAGIC = Buffer.from('COFFSNAP', 'latin1');
export const SNAPSHOT_FORMAT_VERSION = 1;
const TAG_ENTRY = 0x01;
const TAG_END = 0x00;
const CHECKSUM_BYTES = 32;
/** A key longer than this in a file is corruption, not a key Coffer could have written. */
const MAX_KEY_BYTES = 64 * 1024;

export interface SnapshotHeader {
  created: string;
  storage_type: string;
  /** Which seal key the store's root key is wrapped by (see keyIdentity); never key material. */
  key_identity: string;
  seal_type: string;
}

/**
 * The identity of the keys a store is sealed under: a SHA-256 of the seal type and KMS key id
 * recorded in the barrier's root-key record. Two stores share it exactly when the same seal key
 * wraps their root keys, i.e. when the running server's seal can open a restored snapshot. A
 * Shamir seal's key id is the same "shamir" everywhere, so there the wrapped root key itself (a
 * ciphertext: unique per store and per rekey) names the keys instead.
 * Undefined when there is no (readable) root-key record.
 */
export function keyIdentity(rootKeyRecord: Uint8Array | undefined): { identity: string; sealType: string } | undefined {
  if (!rootKeyRecord) return undefined;
  let record: { seal_type?: unknown; kms_key_id?: unknown; wrapped_root_key?: unknown };
  try {
    record = JSON.parse(Buffer.from(rootKeyRecord).toString('utf8')) as typeof record;
  } catch {
    return undefined;
  }
  if (typeof record.seal_type !== 'string' || typeof record.kms_key_id !== 'string') return undefined;
  const keyName = record.seal_type === 'shamir' ? `wrapped:${String(record.wrapped_root_key)}` : record.kms_key_id;
  const identity = createHash('sha256').update(`coffer-seal-key\0${record.seal_type}\0${keyName}`).digest('hex');
  return { identity, sealType: record.seal_type };
}

/** Streams a snapshot of `entries` (in chunks; one entry at a time in memory), checksum last. */
export async function* writeSnapshot(header: SnapshotHeader, entries: AsyncIterable<SnapshotEntry>): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  const emit = (chunk: Buffer): Buffer => {
    hash.update(chunk);
    return chunk;
  };
  const headerJson = Buffer.from(JSON.stringify(header), 'utf8');
  const preamble = Buffer.alloc(SNAPSHOT_MAGIC.length + 2 + 4);
  SNAPSHOT_MAGIC.copy(preamble, 0);
  preamble.writeUInt16BE(SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC.length);
  preamble.writeUInt32BE(headerJson.length, SNAPSHOT_MAGIC.length + 2);
  yield emit(Buffer.concat([preamble, headerJson]));
  let count = 0n;
  for await (const { key, value } of entries) {
    const keyBytes = Buffer.from(key, 'utf8');
    const frame = Buffer.alloc(1 + 4 + keyBytes.length + 4);
    frame.writeUInt8(TAG_ENTRY, 0);
    frame.writeUInt32BE(keyBytes.length, 1);
    keyBytes.copy(frame, 5);
    frame.writeUInt32BE(value.byteLength, 5 + keyBytes.length);
    yield emit(frame);
    yield emit(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    count++;
  }
  const end = Buffer.alloc(1 + 8);
  end.writeUInt8(TAG_END, 0);
  end.writeBigUInt64BE(count, 1);
  yield emit(end);
  yield hash.digest();
}

/** A snapshot whose every byte was checked: header, entry frames, count and checksum. */
export interface VerifiedSnapshot {
  header: SnapshotHeader;
  /** The entries, as views into the file's bytes (iterable more than once). */
  entries: SnapshotEntry[];
  /** Key identity computed from the snapshot's own root-key entry (not trusted from the header). */
  keyIdentity: string;
}

/**
 * Checks a whole snapshot before anything is changed: magic, format version, complete framing,
 * entry count, and the SHA-256 over every byte. Throws a 400 naming what is wrong.
 */
export function verifySnapshot(bytes: Buffer): VerifiedSnapshot {
  const corrupt = (why: string) => invalidRequest(`invalid snapshot: ${why}; nothing was restored`);
  if (bytes.length < SNAPSHOT_MAGIC.length || !bytes.subarray(0, SNAPSHOT_MAGIC.length).equals(SNAPSHOT_MAGIC)) {
    throw corrupt('not a Coffer snapshot (bad magic)');
  }
  let at = SNAPSHOT_MAGIC.length;
  const need = (n: number, what: string) => {
    if (at + n > bytes.length - CHECKSUM_BYTES) throw corrupt(`file is truncated (cut inside ${what})`);
  };
  need(2, 'the header');
  const version = bytes.readUInt16BE(at);
  at += 2;
  if (version !== SNAPSHOT_FORMAT_VERSION) throw corrupt(`unsupported format version ${version} (this server reads version ${SNAPSHOT_FORMAT_VERSION})`);
  need(4, 'the header');
  const headerLength = bytes.readUInt32BE(at);
  at += 4;
  need(headerLength, 'the header');
  let header: SnapshotHeader;
  try {
    header = JSON.parse(bytes.subarray(at, at + headerLength).toString('utf8')) as SnapshotHeader;
  } catch {
    throw corrupt('the header is not valid JSON (corrupt file)');
  }
  at += headerLength;
  const entries: SnapshotEntry[] = [];
  for (;;) {
    need(1, 'an entry');
    const tag = bytes.readUInt8(at);
    at += 1;
    if (tag === TAG_END) break;
    if (tag !== TAG_ENTRY) throw corrupt(`unknown frame tag ${tag} (corrupt file)`);
    need(4, 'an entry');
    const keyLength = bytes.readUInt32BE(at);
    at += 4;
    if (keyLength > MAX_KEY_BYTES) throw corrupt('an entry key is implausibly long (corrupt file)');
    need(keyLength, 'an entry');
    const key = bytes.subarray(at, at + keyLength).toString('utf8');
    at += keyLength;
    need(4, 'an entry');
    const valueLength = bytes.readUInt32BE(at);
    at += 4;
    need(valueLength, 'an entry');
    entries.push({ key, value: bytes.subarray(at, at + valueLength) });
    at += valueLength;
  }
  need(8, 'the end marker');
  const count = bytes.readBigUInt64BE(at);
  at += 8;
  if (count !== BigInt(entries.length)) throw corrupt(`the end marker counts ${count} entries but the file holds ${entries.length}`);
  if (bytes.length - at < CHECKSUM_BYTES) throw corrupt('file is truncated (checksum missing)');
  if (bytes.length - at > CHECKSUM_BYTES) throw corrupt('unexpected bytes after the checksum');
  const expected = createHash('sha256').update(bytes.subarray(0, at)).digest();
  if (!expected.equals(bytes.subarray(at))) throw corrupt('checksum mismatch (the file is corrupt)');
  const identity = keyIdentity(entries.find((e) => e.key === ROOT_KEY_KEY)?.value);
  if (!identity) throw corrupt('it holds no barrier root key (not a snapshot of an initialized store)');
  return { header, entries, keyIdentity: identity.identity };
}

/** keyIdentity of the store's current root-key record (read raw from physical storage). */
export async function currentKeyIdentity(physical: StorageBackend): Promise<{ identity: string; sealType: string } | undefined> {
  return keyIdentity((await physical.get(ROOT_KEY_KEY))?.value);
}
