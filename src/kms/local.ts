import { readFileSync } from 'node:fs';
import sodium from 'sodium-native';
import { AeadOpenError, KEY_BYTES, open, seal } from '../crypto/aead.js';
import { randomKey } from '../crypto/random.js';
import { zeroize } from '../crypto/zeroize.js';
import { KmsUnwrapError, type Kms } from './kms.js';

/** The environment variable holding the local root key, base64 of exactly 32 bytes. */
export const LOCAL_MASTER_KEY_ENV = 'COFFER_LOCAL_MASTER_KEY';

/** First byte of a locally wrapped key, so the format can change without guessing. */
const WRAP_FORMAT = 1;

// Domain separation: the key id is a hash of the root key under a key only this purpose uses.
const KEY_ID_CONTEXT = Buffer.from('coffer/kms/local/key-id/v1', 'utf8');

/**
 * The local KMS: a 256-bit root key held in process memory wraps data keys with
 * XChaCha20-Poly1305. Wrapped form: format byte || nonce || ciphertext || tag; the format byte
 * is also authenticated (it is part of the additional data).
 */
export class LocalKms implements Kms {
  readonly type = 'local';
  readonly keyId: string;
  private rootKey: Buffer | undefined;

  /** Keeps a copy of `rootKey` (zeroized by `destroy`); the caller wipes its own copy. */
  constructor(rootKey: Uint8Array) {
    if (rootKey.byteLength !== KEY_BYTES) throw new Error(`local KMS root key must be ${KEY_BYTES} bytes, got ${rootKey.byteLength}`);
    this.rootKey = Buffer.from(rootKey);
    this.keyId = `local:${fingerprint(this.rootKey)}`;
  }

  async wrap(plaintextKey: Uint8Array, aad: string): Promise<Uint8Array> {
    const boxed = seal(this.key(), plaintextKey, additionalData(aad));
    return Buffer.concat([Buffer.of(WRAP_FORMAT), boxed]);
  }

  async unwrap(wrapped: Uint8Array, aad: string): Promise<Uint8Array> {
    if (wrapped[0] !== WRAP_FORMAT) throw new KmsUnwrapError(this.keyId, `unknown wrap format ${wrapped[0]}`);
    try {
      return open(this.key(), wrapped.subarray(1), additionalData(aad));
    } catch (err) {
      if (err instanceof AeadOpenError) throw new KmsUnwrapError(this.keyId, 'wrong root key, or the wrapped key was altered');
      throw err;
    }
  }

  /** Zeroizes the root key; the instance is unusable afterwards. */
  destroy(): void {
    zeroize(this.rootKey);
    this.rootKey = undefined;
  }

  private key(): Buffer {
    if (!this.rootKey) throw new Error('local KMS has been destroyed');
    return this.rootKey;
  }
}

function additionalData(aad: string): Buffer {
  return Buffer.concat([Buffer.of(WRAP_FORMAT), Buffer.from(aad, 'utf8')]);
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

/** Reads a key file: exactly 32 raw bytes, or base64 text of 32 bytes. */
function readKeyFile(path: string): Buffer {
  let contents: Buffer;
  try {
    contents = readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read local KMS key file ${path}: ${(err as Error).message}`);
  }
  // 32 raw bytes cannot be base64 of 32 bytes (that takes 43+ characters), so the two never clash.
  if (contents.byteLength === KEY_BYTES) return contents;
  try {
    return decodeBase64Key(contents.toString('latin1'), `local KMS key file ${path}`);
  } finally {
    zeroize(contents);
  }
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
  if (options.keyFile !== undefined) return ownKey(readKeyFile(options.keyFile));
  if (fromEnv) return ownKey(decodeBase64Key(fromEnv, LOCAL_MASTER_KEY_ENV));
  throw new Error(
    `no local KMS root key: set ${LOCAL_MASTER_KEY_ENV} to base64 of 32 random bytes (e.g. \`openssl rand -base64 32\`) or give a key file`,
  );
}

/** A local KMS with a random root key that dies with the process: for `server -dev` only. */
export function ephemeralLocalKms(): LocalKms {
  return ownKey(randomKey());
}
