import { AeadOpenError, NONCE_BYTES, TAG_BYTES, open, seal } from '../crypto/aead.js';
import { zeroize } from '../crypto/zeroize.js';
import { CofferError, invalidRequest, sealedError } from '../core/errors.js';
import { KmsUnwrapError, type Kms } from '../kms/kms.js';
import { ConditionFailed, type Condition, type Entry, type Op, type StorageBackend } from '../storage/backend.js';
import { BarrierDecryptError } from './errors.js';
import { Keyring } from './keyring.js';

/** Physical keys under this prefix belong to the barrier itself; logical callers never reach them. */
export const BARRIER_RESERVED_PREFIX = 'core/barrier/';
/** Where the KMS-wrapped keyring lives in the physical store. */
export const KEYRING_KEY = `${BARRIER_RESERVED_PREFIX}keyring`;

/** First byte of every sealed entry; bumped if the layout below ever changes. */
const ENTRY_FORMAT = 1;
/** format (1 byte) + key term (u32 big-endian). */
const HEADER_BYTES = 5;

/** The physical form of the keyring: which KMS key wrapped it, and the wrapped bytes. */
interface KeyringRecord {
  format: 1;
  kms_key_id: string;
  wrapped_keyring: string; // base64
}

const encoder = new TextEncoder();

/**
 * The encryption barrier: a StorageBackend that seals every value with XChaCha20-Poly1305 before
 * it reaches the physical store. Entry layout: format (1) || term (4) || nonce (24) || ciphertext
 * || tag (16). The additional data is the 5 header bytes followed by the storage key, so an entry
 * copied or moved to another key, or relabelled with another term, fails to open.
 *
 * A new barrier object starts sealed; `unseal` loads the keyring through the KMS.
 */
export class Barrier implements StorageBackend {
  private keyring: Keyring | undefined;
  /** The KMS the keyring was unwrapped with (needed to rewrap it on rotation); cleared on seal. */
  private kms: Kms | undefined;

  /** `kms` is the configured one, used when `initialize` / `unseal` are called without one. */
  constructor(
    private readonly physical: StorageBackend,
    private readonly configuredKms?: Kms,
  ) {}

  /** Whether `physical` already holds a barrier keyring. */
  static async isInitialized(physical: StorageBackend): Promise<boolean> {
    return (await physical.get(KEYRING_KEY)) !== undefined;
  }

  /** Creates the keyring of a new store and returns the barrier unsealed; refuses an initialized store. */
  static async initialize(physical: StorageBackend, kms: Kms): Promise<Barrier> {
    const barrier = new Barrier(physical, kms);
    await barrier.initialize();
    return barrier;
  }

  /** Server start: unseals an initialized store, or initializes a new one (racing nodes agree on one keyring). */
  static async openOrInitialize(physical: StorageBackend, kms: Kms): Promise<Barrier> {
    const barrier = new Barrier(physical, kms);
    if (!(await barrier.isInitialized())) {
      try {
        await barrier.initialize();
        return barrier;
      } catch (err) {
        if (!(err instanceof CofferError && err.message === ALREADY_INITIALIZED)) throw err;
        // Another node initialized first; its keyring is the one to use.
      }
    }
    await barrier.unseal();
    return barrier;
  }

  get sealed(): boolean {
    return this.keyring === undefined;
  }

  /** The kind of KMS sealing this barrier (e.g. "local"), as sys/seal-status reports it. */
  get kmsType(): string {
    return (this.kms ?? this.configuredKms)?.type ?? 'unknown';
  }

  /** Whether the physical store under this barrier holds a keyring. */
  isInitialized(): Promise<boolean> {
    return Barrier.isInitialized(this.physical);
  }

  /** Writes a fresh keyring wrapped by `kms` (only if none exists) and leaves the barrier unsealed. */
  async initialize(kms: Kms = this.requireKms()): Promise<void> {
    const keyring = Keyring.create();
    try {
      await this.physical.transaction(
        [{ type: 'put', key: KEYRING_KEY, value: await wrapKeyring(keyring, kms) }],
        [{ type: 'absent', key: KEYRING_KEY }],
      );
    } catch (err) {
      keyring.destroy();
      if (err instanceof ConditionFailed) throw invalidRequest(ALREADY_INITIALIZED);
      throw err;
    }
    this.install(keyring, kms);
  }

  /** Loads the keyring through `kms`. A KMS that cannot unwrap it leaves the barrier sealed. */
  async unseal(kms: Kms = this.requireKms()): Promise<void> {
    if (!this.sealed) return;
    const keyring = await this.loadKeyring(kms);
    if (!this.sealed) {
      keyring.destroy(); // a concurrent unseal won; keep one copy of the keys
      return;
    }
    this.install(keyring, kms);
  }

  /** Zeroizes the keys in memory; every operation answers 503 until the next unseal. */
  async seal(): Promise<void> {
    const keyring = this.keyring;
    this.keyring = undefined;
    this.kms = undefined;
    keyring?.destroy();
  }

  /**
   * Adds a new key term and makes it the one new writes use (Vault's sys/rotate). Entries sealed
   * under older terms stay readable; nothing is re-encrypted.
   */
  async rotate(): Promise<{ term: number; installTime: Date }> {
    const { keyring, kms } = this.unsealedState();
    const current = await this.physical.get(KEYRING_KEY);
    if (!current) throw new Error('barrier keyring disappeared from storage');
    const next = keyring.rotated();
    try {
      await this.physical.transaction(
        [{ type: 'put', key: KEYRING_KEY, value: await wrapKeyring(next, kms) }],
        [{ type: 'version', key: KEYRING_KEY, version: current.version }],
      );
    } catch (err) {
      next.destroy();
      if (err instanceof ConditionFailed) throw new CofferError(409, 'the barrier keyring was changed concurrently; retry the rotation');
      throw err;
    }
    if (this.keyring !== keyring) {
      next.destroy(); // sealed meanwhile: the new keyring is on disk and will load at unseal
      throw sealedError();
    }
    this.keyring = next;
    keyring.destroy();
    return this.keyStatus();
  }

  /** The term new writes are sealed under, and when it was installed (sys/key-status). */
  keyStatus(): { term: number; installTime: Date } {
    const { active } = this.unsealedState().keyring;
    return { term: active.term, installTime: active.installedAt };
  }

  async get(key: string): Promise<Entry | undefined> {
    this.checkLogicalKey(key);
    const entry = await this.physical.get(key);
    if (!entry) return undefined;
    return { key, value: await this.decrypt(key, entry.value), version: entry.version };
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.checkLogicalKey(key);
    await this.physical.put(key, this.encrypt(key, value));
  }

  async delete(key: string): Promise<void> {
    this.checkLogicalKey(key);
    await this.physical.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.checkLogicalKey(prefix);
    const children = await this.physical.list(prefix);
    this.unsealedState();
    return children.filter((child) => !isReserved(prefix + child));
  }

  /** Passes through atomically: put values are sealed, conditions (absent / version) are unchanged. */
  async transaction(ops: Op[], conditions: Condition[] = []): Promise<void> {
    this.unsealedState();
    for (const { key } of [...ops, ...conditions]) this.checkLogicalKey(key);
    const sealedOps = ops.map((op): Op => (op.type === 'put' ? { ...op, value: this.encrypt(op.key, op.value) } : op));
    await this.physical.transaction(sealedOps, conditions);
  }

  /** Seals, then closes the physical store. */
  async close(): Promise<void> {
    await this.seal();
    await this.physical.close();
  }

  private requireKms(): Kms {
    if (!this.configuredKms) throw new Error('barrier: no KMS configured; pass one to initialize/unseal');
    return this.configuredKms;
  }

  private install(keyring: Keyring, kms: Kms): void {
    this.keyring = keyring;
    this.kms = kms;
  }

  private unsealedState(): { keyring: Keyring; kms: Kms } {
    if (!this.keyring || !this.kms) throw sealedError();
    return { keyring: this.keyring, kms: this.kms };
  }

  private checkLogicalKey(key: string): void {
    this.unsealedState();
    if (isReserved(key)) throw new CofferError(403, `storage path "${key}" is reserved for the barrier`);
  }

  private async loadKeyring(kms: Kms): Promise<Keyring> {
    const entry = await this.physical.get(KEYRING_KEY);
    if (!entry) throw invalidRequest('Vault is not initialized');
    const record = parseKeyringRecord(entry.value);
    let plaintext: Uint8Array;
    try {
      plaintext = await kms.unwrap(Buffer.from(record.wrapped_keyring, 'base64'), KEYRING_KEY);
    } catch (err) {
      if (!(err instanceof KmsUnwrapError)) throw err;
      const which = record.kms_key_id === kms.keyId ? '' : ` (the keyring was wrapped by KMS key ${record.kms_key_id}, this server uses ${kms.keyId})`;
      throw invalidRequest(`unseal failed: the KMS key cannot decrypt the barrier keyring${which}`);
    }
    try {
      return Keyring.deserialize(plaintext);
    } finally {
      zeroize(plaintext);
    }
  }

  private encrypt(key: string, plaintext: Uint8Array): Buffer {
    const { active } = this.unsealedState().keyring;
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt8(ENTRY_FORMAT, 0);
    header.writeUInt32BE(active.term, 1);
    return Buffer.concat([header, seal(active.key, plaintext, additionalData(header, key))]);
  }

  private async decrypt(key: string, stored: Uint8Array): Promise<Buffer> {
    const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    if (bytes.byteLength < HEADER_BYTES + NONCE_BYTES + TAG_BYTES) throw new BarrierDecryptError(key, 'entry is too short');
    if (bytes.readUInt8(0) !== ENTRY_FORMAT) throw new BarrierDecryptError(key, `unknown entry format ${bytes.readUInt8(0)}`);
    const term = bytes.readUInt32BE(1);
    if (this.unsealedState().keyring.key(term) === undefined) await this.reloadKeyringFor(term);
    const termKey = this.unsealedState().keyring.key(term);
    if (!termKey) throw new BarrierDecryptError(key, `no key for term ${term}`);
    try {
      return open(termKey, bytes.subarray(HEADER_BYTES), additionalData(bytes.subarray(0, HEADER_BYTES), key));
    } catch (err) {
      if (err instanceof AeadOpenError) throw new BarrierDecryptError(key, 'authentication failed (tampered, or moved from another key)');
      throw err;
    }
  }

  /** Another node may have rotated: a term newer than ours means our keyring is stale. */
  private async reloadKeyringFor(term: number): Promise<void> {
    const { keyring, kms } = this.unsealedState();
    if (term <= keyring.activeTerm) return;
    const fresh = await this.loadKeyring(kms);
    if (this.keyring !== keyring) {
      fresh.destroy(); // sealed or reloaded meanwhile
      return;
    }
    this.keyring = fresh;
    keyring.destroy();
  }
}

const ALREADY_INITIALIZED = 'Vault is already initialized';

function isReserved(key: string): boolean {
  return key.startsWith(BARRIER_RESERVED_PREFIX);
}

function additionalData(header: Uint8Array, key: string): Buffer {
  return Buffer.concat([header, encoder.encode(key)]);
}

async function wrapKeyring(keyring: Keyring, kms: Kms): Promise<Buffer> {
  const plaintext = keyring.serialize();
  try {
    const wrapped = await kms.wrap(plaintext, KEYRING_KEY);
    const record: KeyringRecord = { format: 1, kms_key_id: kms.keyId, wrapped_keyring: Buffer.from(wrapped).toString('base64') };
    return Buffer.from(JSON.stringify(record), 'utf8');
  } finally {
    zeroize(plaintext);
  }
}

function parseKeyringRecord(bytes: Uint8Array): KeyringRecord {
  let record: Partial<KeyringRecord>;
  try {
    record = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<KeyringRecord>;
  } catch {
    throw new Error('barrier keyring record is not valid JSON');
  }
  if (record.format !== 1 || typeof record.wrapped_keyring !== 'string' || typeof record.kms_key_id !== 'string') {
    throw new Error('barrier keyring record has an unknown format');
  }
  return record as KeyringRecord;
}
