import { KEY_BYTES } from '../crypto/aead.js';
import { randomKey } from '../crypto/random.js';
import { zeroize } from '../crypto/zeroize.js';

/** One barrier data key. Terms start at 1 and only grow; each ciphertext names the term that sealed it. */
export interface TermKey {
  term: number;
  key: Buffer;
  installedAt: Date;
}

/**
 * The barrier's data keys. New writes use the active (newest) term; older terms stay so that
 * what they sealed still opens after a rotation (sys/rotate).
 */
export class Keyring {
  private constructor(private readonly keys: Map<number, TermKey>, readonly activeTerm: number) {}

  /** A keyring with one fresh random key at term 1. */
  static create(now = new Date()): Keyring {
    return new Keyring(new Map([[1, { term: 1, key: randomKey(), installedAt: now }]]), 1);
  }

  /** The key that sealed entries of `term`, if this keyring has it. */
  key(term: number): Buffer | undefined {
    return this.keys.get(term)?.key;
  }

  get active(): TermKey {
    return this.keys.get(this.activeTerm) as TermKey;
  }

  /** A new keyring with one more term, now active. Keys are copied, so destroying this one leaves it intact. */
  rotated(now = new Date()): Keyring {
    const term = this.activeTerm + 1;
    const keys = new Map<number, TermKey>();
    for (const entry of this.keys.values()) keys.set(entry.term, { ...entry, key: Buffer.from(entry.key) });
    keys.set(term, { term, key: randomKey(), installedAt: now });
    return new Keyring(keys, term);
  }

  /**
   * Binary form, so key bytes live only in buffers that can be zeroized (a JSON string of base64
   * keys could not be). Layout: u8 format=1, u32 activeTerm, u32 count, then per key:
   * u32 term, f64 installedAt (ms since epoch), 32 key bytes. Integers are big-endian.
   */
  serialize(): Buffer {
    const out = Buffer.alloc(9 + this.keys.size * (12 + KEY_BYTES));
    out.writeUInt8(FORMAT, 0);
    out.writeUInt32BE(this.activeTerm, 1);
    out.writeUInt32BE(this.keys.size, 5);
    let at = 9;
    for (const { term, key, installedAt } of this.keys.values()) {
      out.writeUInt32BE(term, at);
      out.writeDoubleBE(installedAt.getTime(), at + 4);
      key.copy(out, at + 12);
      at += 12 + KEY_BYTES;
    }
    return out;
  }

  /** Parses `serialize` output; copies key bytes out, so the caller may zeroize `bytes`. */
  static deserialize(bytes: Uint8Array): Keyring {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf.byteLength < 9 || buf.readUInt8(0) !== FORMAT) throw new Error('barrier keyring has an unknown format');
    const activeTerm = buf.readUInt32BE(1);
    const count = buf.readUInt32BE(5);
    if (buf.byteLength !== 9 + count * (12 + KEY_BYTES)) throw new Error('barrier keyring is truncated');
    const keys = new Map<number, TermKey>();
    for (let i = 0, at = 9; i < count; i++, at += 12 + KEY_BYTES) {
      const term = buf.readUInt32BE(at);
      keys.set(term, {
        term,
        installedAt: new Date(buf.readDoubleBE(at + 4)),
        key: Buffer.from(buf.subarray(at + 12, at + 12 + KEY_BYTES)),
      });
    }
    if (!keys.has(activeTerm)) throw new Error('barrier keyring has no key for its active term');
    return new Keyring(keys, activeTerm);
  }

  /** Overwrites every key with zeros; the keyring is useless afterwards. */
  destroy(): void {
    for (const { key } of this.keys.values()) zeroize(key);
  }
}

const FORMAT = 1;
