import { createHash } from 'node:crypto';
import { AeadOpenError, open, seal } from '../crypto/aead.js';
import { randomKey } from '../crypto/random.js';
import { zeroize } from '../crypto/zeroize.js';
import { asBuffer } from '../crypto/bytes.js';
import { KmsUnwrapError, type Kms } from '../kms/kms.js';
import { CofferError } from '../framework/errors.js';
import { isSealedVersion, SealedDataCorrupt, type DataKeyService, type SealedVersion } from '../framework/data-keys.js';

export { isSealedVersion, SealedDataCorrupt, type DataKeyService, type SealedVersion };

/** Settings of the in-memory cache of unwrapped DEKs. */
export interface DekCacheOptions {
  /** How long an unwrapped DEK stays usable without asking the KMS again; 0 disables the cache. */
  ttlMs: number;
  /** At most this many DEKs in memory; the least recently used goes first. */
  maxEntries: number;
}

export const DEFAULT_DEK_CACHE: DekCacheOptions = { ttlMs: 5 * 60_000, maxEntries: 10_000 };

/** Milliseconds; tests pass a fake one to expire cache entries without sleeping. */
export type Now = () => number;

/** The KMS could not give back a DEK: an outage, a revoked key, or a wrapped DEK that was altered. */
export class DataKeyUnavailable extends CofferError {
  constructor(kms: Kms, storedKeyId: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const which = storedKeyId === kms.keyId ? kms.keyId : `${storedKeyId}, this server's key is ${kms.keyId}`;
    super(502, `the KMS (${kms.type} ${which}) could not unwrap the data key: ${reason}`);
    this.name = 'DataKeyUnavailable';
  }
}

/** Prefix of the KMS aad, so a DEK wrapped for a KV version can never be unwrapped as another kind of key. */
const WRAP_CONTEXT = 'coffer/data-key/v1:';

interface CachedDek {
  key: Buffer;
  expiresAt: number;
}

/**
 * Unwrapped DEKs by the hash of their wrapped bytes, bounded and expiring. Only keys are kept, never
 * what they decrypt. Evicted and expired keys are zeroized, and `clear` (on seal) wipes them all.
 */
class DekCache {
  private readonly entries = new Map<string, CachedDek>();

  constructor(
    private readonly options: DekCacheOptions,
    private readonly now: Now,
  ) {}

  get enabled(): boolean {
    return this.options.ttlMs > 0 && this.options.maxEntries > 0;
  }

  /** A copy of the cached key (the caller zeroizes it), or undefined when absent or expired. */
  get(id: string): Buffer | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    if (entry.expiresAt <= this.now()) {
      zeroize(entry.key);
      return undefined;
    }
    this.entries.set(id, entry); // most recently used last
    return Buffer.from(entry.key);
  }

  /** Keeps a copy of `key`; the caller still owns (and zeroizes) its own. */
  put(id: string, key: Uint8Array): void {
    if (!this.enabled) return;
    this.forget(id);
    this.entries.set(id, { key: Buffer.from(key), expiresAt: this.now() + this.options.ttlMs });
    while (this.entries.size > this.options.maxEntries) {
      const [oldest] = this.entries.keys();
      this.forget(oldest!);
    }
  }

  forget(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    zeroize(entry.key);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const { key } of this.entries.values()) zeroize(key);
    this.entries.clear();
  }
}

/**
 * Envelope encryption of values that get their own data key (each KV v2 version): a fresh random
 * 256-bit DEK seals the value with XChaCha20-Poly1305, the KMS wraps the DEK, and both are bound to
 * `aad` (e.g. "<mount uuid>:<path>:<version>") so a ciphertext copied to another binding does not
 * open. Deleting the wrapped DEK shreds the value: the ciphertext alone is useless.
 */
export class DataKeys implements DataKeyService {
  private readonly cache: DekCache;

  /**
   * `previous`: KMSes that wrapped data keys before a seal migration (the barrier-held local KMS of
   * a former Shamir seal, or a former KMS seal still configured with disabled = "true"); a version
   * whose stored key id is theirs is unwrapped by them, new DEKs always by `kms`.
   */
  constructor(
    readonly kms: Kms,
    cacheOptions: DekCacheOptions = DEFAULT_DEK_CACHE,
    now: Now = Date.now,
    private readonly previous: readonly Kms[] = [],
  ) {
    this.cache = new DekCache(cacheOptions, now);
  }

  /** The KMS that wrapped a DEK, by the key id stored with it: a previous seal's, else the current one. */
  private kmsFor(storedKeyId: string): Kms {
    if (storedKeyId === this.kms.keyId) return this.kms;
    return this.previous.find((kms) => kms.keyId === storedKeyId) ?? this.kms;
  }

  /** Seals `plaintext` under a new DEK; the DEK stays cached, so reading a fresh write needs no KMS call. */
  async seal(plaintext: Uint8Array, aad: string): Promise<SealedVersion> {
    const dek = randomKey();
    try {
      const ciphertext = seal(dek, plaintext, aad);
      let wrapped: Buffer;
      try {
        wrapped = Buffer.from(await this.kms.wrap(dek, WRAP_CONTEXT + aad));
      } catch (err) {
        throw new CofferError(502, `the KMS (${this.kms.type} ${this.kms.keyId}) could not wrap a new data key: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.cache.put(cacheId(wrapped), dek);
      return { ciphertext: ciphertext.toString('base64'), wrapped_dek: wrapped.toString('base64'), kms_key_id: this.kms.keyId };
    } finally {
      zeroize(dek);
    }
  }

  /** Opens what `seal` returned for the same `aad`; a KMS failure is a 502 naming the KMS, tampering a 500. */
  async open(sealed: SealedVersion, aad: string): Promise<Buffer> {
    const dek = await this.unwrap(sealed, aad);
    try {
      return open(dek, Buffer.from(sealed.ciphertext, 'base64'), aad);
    } catch (err) {
      if (err instanceof AeadOpenError) throw new SealedDataCorrupt(aad, 'the ciphertext was altered, or belongs to another path or version');
      throw err;
    } finally {
      zeroize(dek);
    }
  }

  /**
   * The same sealed value with its DEK wrapped by the KMS's current key (the re-wrap worker); the
   * ciphertext is untouched. With `kms.rewrap` (AWS ReEncrypt, transit rewrap) the plaintext DEK
   * never leaves the KMS; otherwise it is unwrapped here (the cache's copy when it has one, without
   * caching it), wrapped again and zeroized. KMS failures are reported as for reads and writes.
   */
  async rewrap(sealed: SealedVersion, aad: string): Promise<SealedVersion> {
    const wrapped = Buffer.from(sealed.wrapped_dek, 'base64');
    let rewrapped: Uint8Array;
    const wrappedBy = this.kmsFor(sealed.kms_key_id);
    if (this.kms.rewrap && wrappedBy === this.kms) {
      try {
        rewrapped = await this.kms.rewrap(wrapped, WRAP_CONTEXT + aad);
      } catch (err) {
        throw new DataKeyUnavailable(this.kms, sealed.kms_key_id, err);
      }
    } else {
      let dek = this.cache.get(cacheId(wrapped));
      try {
        if (!dek) {
          try {
            dek = asBuffer(await wrappedBy.unwrap(wrapped, WRAP_CONTEXT + aad));
          } catch (err) {
            throw new DataKeyUnavailable(wrappedBy, sealed.kms_key_id, err);
          }
        }
        try {
          rewrapped = await this.kms.wrap(dek, WRAP_CONTEXT + aad);
        } catch (err) {
          throw new CofferError(502, `the KMS (${this.kms.type} ${this.kms.keyId}) could not wrap the data key again: ${err instanceof Error ? err.message : String(err)}`);
        }
      } finally {
        zeroize(dek);
      }
    }
    return { ciphertext: sealed.ciphertext, wrapped_dek: Buffer.from(rewrapped).toString('base64'), kms_key_id: this.kms.keyId };
  }

  /** Drops the cached DEK of a sealed value that is being destroyed. */
  forget(sealed: Pick<SealedVersion, 'wrapped_dek'>): void {
    this.cache.forget(cacheId(Buffer.from(sealed.wrapped_dek, 'base64')));
  }

  /** How many DEKs are in memory (tests and metrics). */
  get cachedKeys(): number {
    return this.cache.size;
  }

  /** Zeroizes every cached DEK (seal, shutdown). */
  clear(): void {
    this.cache.clear();
  }

  private async unwrap(sealed: SealedVersion, aad: string): Promise<Buffer> {
    const wrapped = Buffer.from(sealed.wrapped_dek, 'base64');
    const id = cacheId(wrapped);
    const cached = this.cache.get(id);
    if (cached) return cached;
    let dek: Buffer;
    const kms = this.kmsFor(sealed.kms_key_id);
    try {
      dek = asBuffer(await kms.unwrap(wrapped, WRAP_CONTEXT + aad));
    } catch (err) {
      // The KMS answered and refused: the wrapped DEK was altered or belongs to another binding.
      if (err instanceof KmsUnwrapError && sealed.kms_key_id === kms.keyId) {
        throw new SealedDataCorrupt(aad, 'its data key does not unwrap for this path and version (altered, or moved from elsewhere)');
      }
      throw new DataKeyUnavailable(kms, sealed.kms_key_id, err);
    }
    this.cache.put(id, dek);
    return dek;
  }
}

/** Cache key: a hash of the wrapped DEK (which also binds the aad it was wrapped for). */
function cacheId(wrapped: Uint8Array): string {
  return createHash('sha256').update(wrapped).digest('base64');
}
