import { readFileSync } from 'node:fs';
import sodium from 'sodium-native';
import { AeadOpenError, KEY_BYTES, open, seal } from '../crypto/aead.js';
import { randomKey } from '../crypto/random.js';
import { zeroize } from '../crypto/zeroize.js';
import { KmsUnwrapError, type Kms } from './kms.js';

/** The environment variable holding the local root key, base64 of exactly 32 bytes. */
export const LOCAL_MASTER_KEY_ENV = 'COFFER_LOCAL_MASTER_KEY';

/** First byte of a key wrapped by an unversioned local key (one key, from the env var or a plain key file). */
const WRAP_FORMAT = 1;
/** First byte of a key wrapped by a versioned key file: format || key version (u32 BE) || nonce || ciphertext || tag. */
const WRAP_FORMAT_VERSIONED = 2;

// Domain separation: the key id is a hash of the root key under a key only this purpose uses.
const KEY_ID_CONTEXT = Buffer.from('coffer/kms/local/key-id/v1', 'utf8');

/** One version of the local root key. */
export interface LocalKeyVersion {
  version: number;
  key: Uint8Array;
}

/**
 * The local KMS: 256-bit root keys held in process memory wrap data keys with XChaCha20-Poly1305.
 * One key (env var, plain key file): wrapped form format 1 || nonce || ciphertext || tag. A versioned
 * key file holds several versions; the newest wraps, and the wrapped form records the version
 * (format 2 || version || ...) so any version still listed unwraps it. The header bytes are
 * authenticated (part of the additional data). `keyId` names the newest key by fingerprint.
 */
export class LocalKms implements Kms {
  readonly type = 'local';
  private keys = new Map<number, Buffer>();
  private newest = 0;
  private versioned = false;

  /**
   * Keeps copies of the keys (zeroized by `destroy`); the caller wipes its own. A single key is
   * version 1, unversioned. `keyFile` is re-read by `currentKeyVersion`, so a rotation there is noticed.
   */
  constructor(
    rootKey: Uint8Array | LocalKeyVersion[],
    private readonly keyFile?: string,
  ) {
    this.install(rootKey instanceof Uint8Array ? [{ version: 1, key: rootKey }] : rootKey, !(rootKey instanceof Uint8Array));
  }

  get keyId(): string {
    return `local:${fingerprint(this.key(this.newest))}`;
  }

  /** The newest key version; with a key file, read again first (a rotation adds a version there). */
  async currentKeyVersion(): Promise<string> {
    if (this.keyFile !== undefined) {
      const read = readKeyFile(this.keyFile);
      try {
        this.install(read.keys, read.versioned);
      } finally {
        for (const { key } of read.keys) zeroize(key);
      }
    }
    return String(this.newest);
  }

  async wrap(plaintextKey: Uint8Array, aad: string): Promise<Uint8Array> {
    const header = this.versioned ? versionedHeader(this.newest) : Buffer.of(WRAP_FORMAT);
    const boxed = seal(this.key(this.newest), plaintextKey, additionalData(header, aad));
    return Buffer.concat([header, boxed]);
  }

  async unwrap(wrapped: Uint8Array, aad: string): Promise<Uint8Array> {
    if (wrapped[0] === WRAP_FORMAT_VERSIONED && wrapped.byteLength >= 5) {
      const header = Buffer.from(wrapped.subarray(0, 5));
      const version = header.readUInt32BE(1);
      const key = this.keys.get(version);
      if (!key) throw new KmsUnwrapError(this.keyId, `key version ${version} is not in the local key file (versions ${[...this.keys.keys()].join(', ')})`);
      return this.open(key, wrapped.subarray(5), header, aad);
    }
    if (wrapped[0] !== WRAP_FORMAT) throw new KmsUnwrapError(this.keyId, `unknown wrap format ${wrapped[0]}`);
    // Unversioned wraps say nothing of their key: try each, newest first (a key file that grew versions).
    const header = Buffer.of(WRAP_FORMAT);
    const versions = [...this.keys.keys()].sort((a, b) => b - a);
    for (const version of versions.slice(0, -1)) {
      try {
        return this.open(this.keys.get(version)!, wrapped.subarray(1), header, aad);
      } catch (err) {
        if (!(err instanceof KmsUnwrapError)) throw err;
      }
    }
    return this.open(this.keys.get(versions[versions.length - 1]!)!, wrapped.subarray(1), header, aad);
  }

  /** Zeroizes the root keys; the instance is unusable afterwards. */
  destroy(): void {
    for (const key of this.keys.values()) zeroize(key);
    this.keys.clear();
  }

  private open(key: Buffer, boxed: Uint8Array, header: Buffer, aad: string): Uint8Array {
    try {
      return open(key, boxed, additionalData(header, aad));
    } catch (err) {
      if (err instanceof AeadOpenError) throw new KmsUnwrapError(this.keyId, 'wrong root key, or the wrapped key was altered');
      throw err;
    }
  }

  /** Replaces the key set (copies kept); the old keys are zeroized. */
  private install(versions: LocalKeyVersion[], versioned: boolean): void {
    if (versions.length === 0) throw new Error('local KMS needs at least one key');
    const keys = new Map<number, Buffer>();
    for (const { version, key } of versions) {
      if (key.byteLength !== KEY_BYTES) throw new Error(`local KMS root key must be ${KEY_BYTES} bytes, got ${key.byteLength}`);
      if (!Number.isSafeInteger(version) || version < 1 || version > 0xffffffff) throw new Error(`local KMS key version must be a positive integer, got ${version}`);
      if (keys.has(version)) throw new Error(`local KMS key version ${version} is listed twice`);
      keys.set(version, Buffer.from(key));
    }
    const old = this.keys;
    this.keys = keys;
    this.newest = Math.max(...keys.keys());
    this.versioned = versioned;
    for (const key of old.values()) zeroize(key);
  }

  private key(version: number): Buffer {
    const key = this.keys.get(version);
    if (!key) throw new Error('local KMS has been destroyed');
    return key;
  }
}

function versionedHeader(version: number): Buffer {
  const header = Buffer.alloc(5);
  header[0] = WRAP_FORMAT_VERSIONED;
  header.writeUInt32BE(version, 1);
  return header;
}

function additionalData(header: Buffer, aad: string): Buffer {
  return Buffer.concat([header, Buffer.from(aad, 'utf8')]);
}

function fingerprint(rootKey: Buffer): string {
  const digest = Buffer.alloc(16);
  sodium.crypto_generichash(digest, rootKey, KEY_ID_CONTEXT);
  return digest.toString('hex');
}

/** Decodes standard or URL-safe base64 that must hold exactly 32 bytes; `source` names it in errors. */
function decodeBase64Key(text: string, source: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) throw new Error(`${source} is not valid base64`);
  const key = Buffer.from(trimmed, 'base64');
  if (key.byteLength !== KEY_BYTES) {
    zeroize(key);
    throw new Error(`${source} must decode to exactly ${KEY_BYTES} bytes, got ${key.byteLength}`);
  }
  return key;
}

/** A LocalKms over a temporary key buffer, wiping the temporary. */
function ownKey(key: Buffer): LocalKms {
  try {
    return new LocalKms(key);
  } finally {
    zeroize(key);
  }
}

/**
 * Reads a key file: exactly 32 raw bytes, base64 text of 32 bytes (one unversioned key), or JSON
 * `{"keys": [{"version": 1, "key": "<base64 of 32 bytes>"}, ...]}` (versioned; the newest wraps).
 * The caller zeroizes the keys.
 */
function readKeyFile(path: string): { keys: LocalKeyVersion[]; versioned: boolean } {
  let contents: Buffer;
  try {
    contents = readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read local KMS key file ${path}: ${(err as Error).message}`);
  }
  // 32 raw bytes cannot be base64 of 32 bytes (that takes 43+ characters), so the two never clash.
  if (contents.byteLength === KEY_BYTES) return { keys: [{ version: 1, key: contents }], versioned: false };
  try {
    const text = contents.toString('latin1');
    if (text.trimStart().startsWith('{')) return { keys: parseVersionedKeys(text, path), versioned: true };
    return { keys: [{ version: 1, key: decodeBase64Key(text, `local KMS key file ${path}`) }], versioned: false };
  } finally {
    zeroize(contents);
  }
}

/** The versions of a JSON key file; errors name the file and the entry, never a key. */
function parseVersionedKeys(text: string, path: string): LocalKeyVersion[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`local KMS key file ${path} is not valid JSON`);
  }
  const list = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`local KMS key file ${path} must hold {"keys": [{"version": 1, "key": "<base64>"}, ...]} with at least one key`);
  const keys: LocalKeyVersion[] = [];
  try {
    for (const [i, entry] of list.entries()) {
      const { version, key } = (entry ?? {}) as { version?: unknown; key?: unknown };
      if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1 || version > 0xffffffff) {
        throw new Error(`local KMS key file ${path}: keys[${i}].version must be a positive integer`);
      }
      if (keys.some((k) => k.version === version)) throw new Error(`local KMS key file ${path}: key version ${version} is listed twice`);
      if (typeof key !== 'string') throw new Error(`local KMS key file ${path}: keys[${i}].key must be base64 of ${KEY_BYTES} bytes`);
      keys.push({ version, key: decodeBase64Key(key, `local KMS key file ${path} keys[${i}].key`) });
    }
  } catch (err) {
    for (const { key } of keys) zeroize(key);
    throw err;
  }
  return keys;
}

/**
 * The local KMS configured for a real server: the root key comes from `keyFile`, or else from
 * COFFER_LOCAL_MASTER_KEY. Setting both is refused, so it is never unclear which key is in use.
 */
export function localKmsFromEnvOrFile(
  options: { keyFile?: string; env?: NodeJS.ProcessEnv } = {},
): LocalKms {
  const fromEnv = (options.env ?? process.env)[LOCAL_MASTER_KEY_ENV];
  if (options.keyFile !== undefined && fromEnv) {
    throw new Error(`both ${LOCAL_MASTER_KEY_ENV} and a key file (${options.keyFile}) are set; set only one`);
  }
  if (options.keyFile !== undefined) {
    const read = readKeyFile(options.keyFile);
    try {
      return new LocalKms(read.versioned ? read.keys : read.keys[0]!.key, options.keyFile);
    } finally {
      for (const { key } of read.keys) zeroize(key);
    }
  }
  if (fromEnv) return ownKey(decodeBase64Key(fromEnv, LOCAL_MASTER_KEY_ENV));
  throw new Error(
    `no local KMS root key: set ${LOCAL_MASTER_KEY_ENV} to base64 of 32 random bytes (e.g. \`openssl rand -base64 32\`) or give a key file`,
  );
}

/** A local KMS with a random root key that dies with the process: for `server -dev` only. */
export function ephemeralLocalKms(): LocalKms {
  return ownKey(randomKey());
}
