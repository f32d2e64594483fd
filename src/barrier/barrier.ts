import { hkdfSync } from 'node:crypto';
import { AeadOpenError, NONCE_BYTES, TAG_BYTES, open, seal } from '../crypto/aead.js';
import { randomKey } from '../crypto/random.js';
import { zeroize } from '../crypto/zeroize.js';
import { CofferError, invalidRequest, sealedError } from '../framework/errors.js';
import { KmsUnwrapError, type Kms } from '../kms/kms.js';
import { ConditionFailed, type Condition, type Entry, type Op, type StorageBackend } from '../storage/backend.js';
import { BarrierDecryptError } from './errors.js';
import { Keyring } from './keyring.js';

/** Physical keys under this prefix belong to the barrier itself; logical callers never reach them. */
export const BARRIER_RESERVED_PREFIX = 'core/barrier/';
/** Where the keyring, encrypted by the root key, lives in the physical store. */
export const KEYRING_KEY = `${BARRIER_RESERVED_PREFIX}keyring`;
/** Where the root key, wrapped by the seal (a KMS, or the Shamir unseal key), lives in the physical store. */
export const ROOT_KEY_KEY = `${BARRIER_RESERVED_PREFIX}root-key`;
/** Additional data of the keyring's encryption under the root key: names what the ciphertext is. */
const KEYRING_AAD = 'coffer/barrier/keyring/v2: keyring sealed by the root key';

/** First byte of every sealed entry; bumped if the layout below ever changes. */
const ENTRY_FORMAT = 1;
/** format (1 byte) + key term (u32 big-endian). */
const HEADER_BYTES = 5;

/** The physical form of the keyring: AEAD under the root key (nonce || ciphertext || tag). */
interface KeyringRecord {
  format: 2;
  sealed_keyring: string; // base64
}

/** How a Shamir seal splits its unseal key; stored in clear, since it must be known while sealed. */
export interface ShamirConfig {
  shares: number;
  threshold: number;
}

/**
 * A KMS seal's recovery key split (sys/init recovery_shares/recovery_threshold): the key itself is
 * never stored, only `verifier` (see src/barrier/recovery-key.ts), so submitted shares can be checked.
 */
export interface RecoveryConfig extends ShamirConfig {
  verifier: string; // base64
}

/** How the root key is protected besides its wrapping: the Shamir split, or a KMS seal's recovery key. */
export interface RootKeyProtection {
  shamir?: ShamirConfig;
  recovery?: RecoveryConfig;
}

/** The physical form of the root key: which seal wrapped it (type and key id), and the wrapped bytes. */
interface RootKeyRecord {
  format: 1;
  seal_type: string;
  kms_key_id: string;
  wrapped_root_key: string; // base64
  shamir?: ShamirConfig;
  recovery?: RecoveryConfig;
}

const encoder = new TextEncoder();

/**
 * The encryption barrier: a StorageBackend that seals every value with XChaCha20-Poly1305 before
 * it reaches the physical store. Entry layout: format (1) || term (4) || nonce (24) || ciphertext
 * || tag (16). The additional data is the 5 header bytes followed by the storage key, so an entry
 * copied or moved to another key, or relabelled with another term, fails to open.
 *
 * Two layers of keys: the keyring is encrypted by a random 256-bit root key, and only the root
 * key is wrapped by the seal (a `Kms`; with Shamir, a Kms over the reconstructed unseal key). So a
 * seal touches 32 bytes once per unseal, and rotating the keyring needs no seal at all.
 *
 * A new barrier object starts sealed; `unseal` unwraps the root key through the seal, then opens the keyring.
 */
export class Barrier implements StorageBackend {
  private keyring: Keyring | undefined;
  /** Encrypts the keyring (needed to write it again on rotation); zeroized on seal. */
  private rootKey: Buffer | undefined;
  /** The KMS the root key was unwrapped with; cleared on seal. */
  private kms: Kms | undefined;

  /** `kms` is the configured one, used when `initialize` / `unseal` are called without one. */
  constructor(
    private readonly physical: StorageBackend,
    private readonly configuredKms?: Kms,
  ) {}

  /** Whether `physical` already holds a barrier root key (and so a keyring). */
  static async isInitialized(physical: StorageBackend): Promise<boolean> {
    return (await physical.get(ROOT_KEY_KEY)) !== undefined;
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
        if (!(err instanceof CofferError && err.code === 'already_initialized')) throw err;
        // Another node initialized first; its keyring is the one to use.
      }
    }
    await barrier.unseal();
    return barrier;
  }

  get sealed(): boolean {
    return this.keyring === undefined;
  }

  /** The physical store under the barrier: snapshots copy and restore it as stored (still sealed). */
  get physicalStore(): StorageBackend {
    return this.physical;
  }

  /** The kind of KMS sealing this barrier (e.g. "local"), as sys/seal-status reports it. */
  get kmsType(): string {
    return (this.kms ?? this.configuredKms)?.type ?? 'unknown';
  }

  /** Whether the physical store under this barrier holds a keyring. */
  isInitialized(): Promise<boolean> {
    return Barrier.isInitialized(this.physical);
  }

  /**
   * Writes a fresh root key wrapped by `kms` and a fresh keyring encrypted by it (only if none
   * exists) and leaves the barrier unsealed. `shamir` records how the unseal key was split.
   */
  async initialize(kms: Kms = this.requireKms(), shamir?: ShamirConfig, recovery?: RecoveryConfig): Promise<void> {
    const rootKey = randomKey();
    const keyring = Keyring.create();
    try {
      await this.physical.transaction(
        [
          { type: 'put', key: ROOT_KEY_KEY, value: await wrapRootKey(rootKey, kms, { shamir, recovery }) },
          { type: 'put', key: KEYRING_KEY, value: sealKeyring(keyring, rootKey) },
        ],
        [{ type: 'absent', key: ROOT_KEY_KEY }, { type: 'absent', key: KEYRING_KEY }],
      );
    } catch (err) {
      keyring.destroy();
      zeroize(rootKey);
      if (err instanceof ConditionFailed) throw new CofferError('already_initialized');
      throw err;
    }
    this.install(keyring, rootKey, kms);
  }

  /** Unwraps the root key through `kms`, then opens the keyring. A KMS that cannot unwrap it leaves the barrier sealed. */
  async unseal(kms: Kms = this.requireKms()): Promise<void> {
    if (!this.sealed) return;
    const rootKey = await this.loadRootKey(kms);
    let keyring: Keyring;
    try {
      keyring = await this.loadKeyring(rootKey);
    } catch (err) {
      zeroize(rootKey);
      throw err;
    }
    if (!this.sealed) {
      keyring.destroy(); // a concurrent unseal won; keep one copy of the keys
      zeroize(rootKey);
      return;
    }
    this.install(keyring, rootKey, kms);
  }

  /** Zeroizes the keys in memory; every operation answers 503 until the next unseal. */
  async seal(): Promise<void> {
    const keyring = this.keyring;
    const rootKey = this.rootKey;
    this.keyring = undefined;
    this.rootKey = undefined;
    this.kms = undefined;
    keyring?.destroy();
    zeroize(rootKey);
  }

  /**
   * What protects the root key, readable while sealed (sys/seal-status): the seal type that wrapped
   * it and, for Shamir, how its unseal key was split. Undefined for a store never initialized.
   */
  async sealConfig(): Promise<({ sealType: string } & RootKeyProtection) | undefined> {
    const entry = await this.physical.get(ROOT_KEY_KEY);
    if (!entry) return undefined;
    const record = parseRootKeyRecord(entry.value);
    return { sealType: record.seal_type, ...(record.shamir ? { shamir: record.shamir } : {}), ...(record.recovery ? { recovery: record.recovery } : {}) };
  }

  /** Whether `kms` unwraps the stored root key: how rekey checks the current unseal key. Nothing changes. */
  async canUnwrapRootKey(kms: Kms): Promise<boolean> {
    try {
      zeroize(await this.loadRootKey(kms));
      return true;
    } catch (err) {
      if (err instanceof CofferError && err.code === 'unseal_key_invalid') return false;
      throw err;
    }
  }

  /**
   * Wraps the root key (held in memory, unsealed) anew with `kms` and records `protection` — rekey
   * and seal migration. One transaction, conditioned on the record read here, replaces the old
   * wrapping; the root key, the keyring and every entry stay exactly as they were.
   */
  async rewrapRootKey(kms: Kms | undefined, protection: RootKeyProtection): Promise<void> {
    const { rootKey, kms: unsealedWith } = this.unsealedState();
    kms ??= unsealedWith; // a new recovery key changes only what is recorded next to the wrapping
    const current = await this.physical.get(ROOT_KEY_KEY);
    if (!current) throw new Error('barrier root key disappeared from storage');
    try {
      await this.physical.transaction(
        [{ type: 'put', key: ROOT_KEY_KEY, value: await wrapRootKey(rootKey, kms, protection) }],
        [{ type: 'version', key: ROOT_KEY_KEY, version: current.version }],
      );
    } catch (err) {
      if (err instanceof ConditionFailed) throw new CofferError('conflict', 'the barrier root key was re-wrapped concurrently; nothing was changed, retry');
      throw err;
    }
    if (this.rootKey === rootKey) this.kms = kms;
  }

  /**
   * After a rotation of the seal's KMS key: wraps the root key onto the KMS's current key, so the
   * old key version can be retired. False (nothing written) for a Shamir seal, or when the stored
   * wrapping already names the current key.
   */
  async rewrapRootKeyOntoCurrentKey(): Promise<boolean> {
    const { kms } = this.unsealedState();
    const entry = await this.physical.get(ROOT_KEY_KEY);
    if (!entry) throw new Error('barrier root key disappeared from storage');
    const record = parseRootKeyRecord(entry.value);
    if (record.shamir || record.kms_key_id === kms.keyId) return false;
    await this.rewrapRootKey(kms, record.recovery ? { recovery: record.recovery } : {});
    return true;
  }

  /**
   * Adds a new key term and makes it the one new writes use (Vault's sys/rotate). Entries sealed
   * under older terms stay readable; nothing is re-encrypted.
   */
  async rotate(): Promise<{ term: number; installTime: Date }> {
    const { keyring, rootKey } = this.unsealedState();
    const current = await this.physical.get(KEYRING_KEY);
    if (!current) throw new Error('barrier keyring disappeared from storage');
    const next = keyring.rotated();
    try {
      await this.physical.transaction(
        [{ type: 'put', key: KEYRING_KEY, value: sealKeyring(next, rootKey) }],
        [{ type: 'version', key: KEYRING_KEY, version: current.version }],
      );
    } catch (err) {
      next.destroy();
      if (err instanceof ConditionFailed) throw new CofferError('conflict', 'the barrier keyring was changed concurrently; retry the rotation');
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

  /**
   * A 256-bit key for `purpose`, derived from the root key (HKDF-SHA256), so every node unsealed with
   * this store derives the same one and none is stored. The root key itself never leaves the barrier.
   */
  derivedKey(purpose: string): Buffer {
    const { rootKey } = this.unsealedState();
    return Buffer.from(hkdfSync('sha256', rootKey, Buffer.alloc(0), `coffer/barrier/derived/${purpose}`, 32));
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
    const visible: string[] = [];
    for (const child of children) {
      const key = prefix + child;
      if (isReserved(key)) continue;
      // A folder on the way to the reserved prefix (`core/`) is shown only if it holds more than the barrier's keys.
      if (BARRIER_RESERVED_PREFIX.startsWith(key) && (await this.list(key)).length === 0) continue;
      visible.push(child);
    }
    return visible;
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

  private install(keyring: Keyring, rootKey: Buffer, kms: Kms): void {
    this.keyring = keyring;
    this.rootKey = rootKey;
    this.kms = kms;
  }

  private unsealedState(): { keyring: Keyring; rootKey: Buffer; kms: Kms } {
    if (!this.keyring || !this.rootKey || !this.kms) throw sealedError();
    return { keyring: this.keyring, rootKey: this.rootKey, kms: this.kms };
  }

  private checkLogicalKey(key: string): void {
    this.unsealedState();
    if (isReserved(key)) throw new CofferError('reserved_path', `storage path "${key}" is reserved for the barrier`);
  }

  /** The root key, unwrapped by `kms`; a 400 naming both key ids when it is the wrong one. */
  private async loadRootKey(kms: Kms): Promise<Buffer> {
    const entry = await this.physical.get(ROOT_KEY_KEY);
    if (!entry) throw invalidRequest('Vault is not initialized');
    const record = parseRootKeyRecord(entry.value);
    let plaintext: Uint8Array;
    try {
      plaintext = await kms.unwrap(Buffer.from(record.wrapped_root_key, 'base64'), ROOT_KEY_KEY);
    } catch (err) {
      if (!(err instanceof KmsUnwrapError)) throw err;
      const which = record.kms_key_id === kms.keyId ? '' : ` (the root key was wrapped by ${record.seal_type} key ${record.kms_key_id}, this server uses ${kms.keyId})`;
      throw new CofferError('unseal_key_invalid', `unseal failed: the ${kms.type === 'shamir' ? 'unseal key' : 'KMS key'} cannot decrypt the barrier root key${which}`);
    }
    // A copy the barrier owns, and a wipe of what the KMS handed back.
    const rootKey = Buffer.from(plaintext);
    zeroize(plaintext);
    return rootKey;
  }

  private async loadKeyring(rootKey: Buffer): Promise<Keyring> {
    const entry = await this.physical.get(KEYRING_KEY);
    if (!entry) throw new Error('barrier keyring is missing from storage although the root key is there');
    const record = parseKeyringRecord(entry.value);
    let plaintext: Uint8Array;
    try {
      plaintext = open(rootKey, Buffer.from(record.sealed_keyring, 'base64'), KEYRING_AAD);
    } catch (err) {
      if (err instanceof AeadOpenError) throw new BarrierDecryptError(KEYRING_KEY, 'the root key does not open the keyring (tampered, or from another store)');
      throw err;
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
    if (term > this.unsealedState().keyring.activeTerm) await this.reloadKeyring();
  }

  /** Reads the keyring again (HA: a node taking over picks up rotations the former active node made). */
  async reloadKeyring(): Promise<void> {
    const { keyring, rootKey } = this.unsealedState();
    const fresh = await this.loadKeyring(rootKey);
    if (this.keyring !== keyring) {
      fresh.destroy(); // sealed or reloaded meanwhile
      return;
    }
    this.keyring = fresh;
    keyring.destroy();
  }
}


function isReserved(key: string): boolean {
  return key.startsWith(BARRIER_RESERVED_PREFIX);
}

function additionalData(header: Uint8Array, key: string): Buffer {
  return Buffer.concat([header, encoder.encode(key)]);
}

function sealKeyring(keyring: Keyring, rootKey: Buffer): Buffer {
  const plaintext = keyring.serialize();
  try {
    const record: KeyringRecord = { format: 2, sealed_keyring: seal(rootKey, plaintext, KEYRING_AAD).toString('base64') };
    return Buffer.from(JSON.stringify(record), 'utf8');
  } finally {
    zeroize(plaintext);
  }
}

async function wrapRootKey(rootKey: Buffer, kms: Kms, { shamir, recovery }: RootKeyProtection): Promise<Buffer> {
  const wrapped = await kms.wrap(rootKey, ROOT_KEY_KEY);
  const record: RootKeyRecord = {
    format: 1,
    seal_type: kms.type,
    kms_key_id: kms.keyId,
    wrapped_root_key: Buffer.from(wrapped).toString('base64'),
    ...(shamir ? { shamir } : {}),
    ...(recovery ? { recovery } : {}),
  };
  return Buffer.from(JSON.stringify(record), 'utf8');
}

function parseJson<T>(bytes: Uint8Array, what: string): Partial<T> {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<T>;
  } catch {
    throw new Error(`barrier ${what} record is not valid JSON`);
  }
}

function parseKeyringRecord(bytes: Uint8Array): KeyringRecord {
  const record = parseJson<KeyringRecord>(bytes, 'keyring');
  if (record.format !== 2 || typeof record.sealed_keyring !== 'string') throw new Error('barrier keyring record has an unknown format');
  return record as KeyringRecord;
}

function parseRootKeyRecord(bytes: Uint8Array): RootKeyRecord {
  const record = parseJson<RootKeyRecord>(bytes, 'root key');
  if (record.format !== 1 || typeof record.wrapped_root_key !== 'string' || typeof record.kms_key_id !== 'string' || typeof record.seal_type !== 'string') {
    throw new Error('barrier root key record has an unknown format');
  }
  return record as RootKeyRecord;
}
