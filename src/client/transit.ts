import type { CofferClient } from './client.js';
import { CofferApiError } from './errors.js';
import type { Secret } from './types.js';

/** Bytes, or a string taken as its UTF-8 bytes. */
export type TransitInput = string | Uint8Array;

/** A transit ciphertext ("vault:v<N>:...") and the key version that sealed it. */
export interface TransitCiphertext {
  ciphertext: string;
  keyVersion: number;
}

/** Options of one encryption. */
export interface TransitEncryptOptions {
  /** Key derivation context (Vault sends it base64); a key that is not derived ignores it, as in Vault. */
  context?: TransitInput;
  /** Version to encrypt with; 0 or absent is the latest. */
  keyVersion?: number;
  /** Data authenticated with the ciphertext (AEAD); the same data is needed to decrypt. */
  associatedData?: TransitInput;
}

/** Options of one decryption: the context and associated data the encryption used. */
export type TransitDecryptOptions = Pick<TransitEncryptOptions, 'context' | 'associatedData'>;

/** One item of encryptBatch: its plaintext alone, or with per-item options and a reference echoed back. */
export type TransitEncryptItem = TransitInput | ({ plaintext: TransitInput; reference?: string } & TransitEncryptOptions);
/** One item of decryptBatch: its ciphertext alone, or with per-item options and a reference echoed back. */
export type TransitDecryptItem = string | ({ ciphertext: string; reference?: string } & TransitDecryptOptions);

/** An item the server could not process, in its slot of a batch's answer. */
export interface TransitBatchFailure {
  ok: false;
  error: string;
  reference: string;
}
export type TransitEncryptResult = ({ ok: true; reference: string } & TransitCiphertext) | TransitBatchFailure;
export type TransitDecryptResult = { ok: true; reference: string; plaintext: Buffer } | TransitBatchFailure;

/** Vault's transit key types. */
export type TransitKeyType =
  | 'aes128-gcm96'
  | 'aes256-gcm96'
  | 'chacha20-poly1305'
  | 'ed25519'
  | 'ecdsa-p256'
  | 'ecdsa-p384'
  | 'ecdsa-p521'
  | 'rsa-2048'
  | 'rsa-3072'
  | 'rsa-4096'
  | 'hmac';

/** Parameters of transit/keys/:name (Vault's, camelCased). */
export interface TransitKeyOptions {
  /** aes256-gcm96 by default. */
  type?: TransitKeyType | string;
  /** Derive a key per context (AES, ChaCha20, ed25519): every operation then needs a context. */
  derived?: boolean;
  /** Derived symmetric keys: the same plaintext and context give the same ciphertext. */
  convergentEncryption?: boolean;
  /** Allow export of the key material (cannot be unset). */
  exportable?: boolean;
  /** Allow plaintext backups (cannot be unset; backups also need exportable). */
  allowPlaintextBackup?: boolean;
  /** A duration ("24h") or seconds; 0 never rotates, else at least one hour. */
  autoRotatePeriod?: string | number;
  /** hmac keys: bytes of key (32 to 512). */
  keySize?: number;
}

/** Parameters of transit/keys/:name/config. */
export interface TransitKeyConfig {
  minDecryptionVersion?: number;
  minEncryptionVersion?: number;
  deletionAllowed?: boolean;
  /** Can only be turned on. */
  exportable?: boolean;
  /** Can only be turned on. */
  allowPlaintextBackup?: boolean;
  autoRotatePeriod?: string | number;
}

/** Vault's hash algorithm names. */
export type TransitHashAlgorithm = 'sha1' | 'sha2-224' | 'sha2-256' | 'sha2-384' | 'sha2-512' | 'sha3-224' | 'sha3-256' | 'sha3-384' | 'sha3-512';

/** Options of transit/sign/:name and verify/:name. */
export interface TransitSignOptions {
  /** sha2-256 by default; ed25519 ignores it. */
  hashAlgorithm?: TransitHashAlgorithm;
  /** Version to sign with; 0 or absent is the latest. Sign only. */
  keyVersion?: number;
  /** Derived ed25519 keys: the derivation context. */
  context?: TransitInput;
  /** The input is already the digest (RSA with pkcs1v15 on Coffer). */
  prehashed?: boolean;
  /** RSA keys: pss (default) or pkcs1v15. */
  signatureAlgorithm?: 'pss' | 'pkcs1v15';
  /** asn1 (default, DER) or jws (ECDSA r ‖ s, base64url). */
  marshalingAlgorithm?: 'asn1' | 'jws';
  /** RSA-PSS salt: auto (default), hash, or bytes. */
  saltLength?: 'auto' | 'hash' | number;
}

/** A signature ("vault:v<N>:...") and the version that made it; derived ed25519 keys also answer their public key. */
export interface TransitSignature {
  signature: string;
  keyVersion: number;
  /** Derived ed25519 keys: the context's public key (32 raw bytes). */
  publicKey?: Buffer;
}

/** An HMAC ("vault:v<N>:...") and the version that made it. */
export interface TransitHmac {
  hmac: string;
  keyVersion: number;
}

/** A data key from transit/datakey: its ciphertext under the named key, and (plaintext kind only) the key itself. */
export interface TransitDataKey {
  ciphertext: string;
  keyVersion: number;
  /** Absent for a wrapped data key. Zeroize it once used. */
  plaintext?: Buffer;
}

/** What transit/export answers: each version's material in Vault's format (base64 or PEM). */
export interface TransitExport {
  name: string;
  type: string;
  keys: Record<string, string>;
}

export type TransitExportType = 'encryption-key' | 'signing-key' | 'hmac-key' | 'public-key';

/** One version of an asymmetric key as transit/keys/:name answers it. */
export interface TransitPublicKeyVersion {
  /** Curve (P-256...) or type (ed25519, rsa-2048...). */
  name: string;
  /** base64 (ed25519) or PEM (ECDSA, RSA). */
  public_key: string;
  /** RFC 3339. */
  creation_time: string;
}

/**
 * A named key as transit/keys/:name answers it (Vault's field names); `keys` maps each live
 * version to its creation time (unix seconds), or for asymmetric keys to its public key.
 */
export interface TransitKey {
  name: string;
  type: string;
  keys: Record<string, number | TransitPublicKeyVersion>;
  latest_version: number;
  min_available_version: number;
  min_decryption_version: number;
  min_encryption_version: number;
  deletion_allowed: boolean;
  derived: boolean;
  exportable: boolean;
  allow_plaintext_backup: boolean;
  supports_encryption: boolean;
  supports_decryption: boolean;
  supports_derivation: boolean;
  supports_signing: boolean;
  auto_rotate_period?: number;
  [field: string]: unknown;
}

type Body = Record<string, unknown>;
type WireCipher = { ciphertext?: string; key_version?: number };
type WireBatchResult = WireCipher & {
  plaintext?: string;
  error?: string;
  reference?: string;
  signature?: string;
  public_key?: string;
  hmac?: string;
  valid?: boolean;
};

/**
 * The transit secrets engine mounted at `mount`: encryption, signing and HMAC as a service.
 * Plaintext, input, context and associated data go over the wire as base64, as Vault's API wants;
 * this class does the encoding.
 */
export class TransitClient {
  private readonly mount: string;

  constructor(
    private readonly client: CofferClient,
    mount = 'transit',
  ) {
    this.mount = mount.replace(/^\/+|\/+$/g, '');
  }

  /** transit/encrypt/:key; Vault creates the key (aes256-gcm96) when it does not exist yet. */
  async encrypt(key: string, plaintext: TransitInput, options: TransitEncryptOptions = {}): Promise<TransitCiphertext> {
    const data = await this.call('encrypt', key, { plaintext: base64(plaintext), ...encryptFields(options) });
    return cipherOf(data);
  }

  /** transit/decrypt/:key: the plaintext bytes. A bad or altered ciphertext is a CofferApiError with status 400. */
  async decrypt(key: string, ciphertext: string, options: TransitDecryptOptions = {}): Promise<Buffer> {
    const data = await this.call('decrypt', key, { ciphertext, ...decryptFields(options) });
    return plaintextOf(data);
  }

  /** Like decrypt, as a UTF-8 string. */
  async decryptText(key: string, ciphertext: string, options: TransitDecryptOptions = {}): Promise<string> {
    return (await this.decrypt(key, ciphertext, options)).toString('utf8');
  }

  /** transit/rewrap/:key: the same plaintext sealed under the latest (or `keyVersion`) key version, never revealed. */
  async rewrap(key: string, ciphertext: string, options: Omit<TransitEncryptOptions, 'associatedData'> = {}): Promise<TransitCiphertext> {
    const data = await this.call('rewrap', key, { ciphertext, ...encryptFields(options) });
    return cipherOf(data);
  }

  /**
   * transit/encrypt/:key with batch_input: one answer per item, in order. An item the server
   * refuses answers `{ok: false, error}` in its slot (even when every item failed, which the server
   * answers with a 400); anything else wrong with the request throws.
   */
  async encryptBatch(key: string, items: readonly TransitEncryptItem[], options: TransitEncryptOptions = {}): Promise<TransitEncryptResult[]> {
    const input = items.map((item) => {
      const one = typeof item === 'string' || item instanceof Uint8Array ? { plaintext: item } : item;
      return { plaintext: base64(one.plaintext), ...encryptFields({ ...options, ...one }), ...reference(one) };
    });
    return (await this.batch('encrypt', key, input)).map((r) => (r.error ? failure(r) : { ok: true, reference: r.reference ?? '', ...cipherOf(r) }));
  }

  /** transit/decrypt/:key with batch_input: one answer per item, in order, as encryptBatch. */
  async decryptBatch(key: string, items: readonly TransitDecryptItem[], options: TransitDecryptOptions = {}): Promise<TransitDecryptResult[]> {
    const input = items.map((item) => {
      const one = typeof item === 'string' ? { ciphertext: item } : item;
      return { ciphertext: one.ciphertext, ...decryptFields({ ...options, ...one }), ...reference(one) };
    });
    return (await this.batch('decrypt', key, input)).map((r) => (r.error ? failure(r) : { ok: true, reference: r.reference ?? '', plaintext: plaintextOf(r) }));
  }

  /** transit/keys/:name: creates a key (an existing key is left as it is, with a warning). */
  async createKey(name: string, options: TransitKeyOptions = {}): Promise<TransitKey | undefined> {
    const body: Body = {};
    if (options.type !== undefined) body.type = options.type;
    if (options.derived !== undefined) body.derived = options.derived;
    if (options.convergentEncryption !== undefined) body.convergent_encryption = options.convergentEncryption;
    if (options.exportable !== undefined) body.exportable = options.exportable;
    if (options.allowPlaintextBackup !== undefined) body.allow_plaintext_backup = options.allowPlaintextBackup;
    if (options.autoRotatePeriod !== undefined) body.auto_rotate_period = options.autoRotatePeriod;
    if (options.keySize !== undefined) body.key_size = options.keySize;
    // Vault before 1.12 answers 204 here, hence the undefined.
    return (await this.client.request<Secret<TransitKey>>('POST', this.path('keys', name), { body }))?.data ?? undefined;
  }

  /** transit/keys/:name; a key that does not exist is a CofferApiError with status 404. */
  async readKey(name: string): Promise<TransitKey> {
    const answer = await this.client.request<Secret<TransitKey>>('GET', this.path('keys', name));
    if (!answer?.data) throw new Error(`transit key ${name}: the server answered no data`);
    return answer.data;
  }

  /** LIST transit/keys: the key names ([] when there are none). */
  async listKeys(): Promise<string[]> {
    try {
      return (await this.client.list(`${this.mount}/keys`))?.data?.keys ?? [];
    } catch (err) {
      if (err instanceof CofferApiError && err.status === 404) return [];
      throw err;
    }
  }

  /** transit/keys/:name/rotate: adds a version that new encryptions use; old ciphertexts still decrypt. */
  async rotateKey(name: string): Promise<TransitKey | undefined> {
    return (await this.client.request<Secret<TransitKey>>('POST', `${this.path('keys', name)}/rotate`, { body: {} }))?.data ?? undefined;
  }

  /** transit/keys/:name/config. */
  async configureKey(name: string, config: TransitKeyConfig): Promise<TransitKey | undefined> {
    const body: Body = {};
    if (config.minDecryptionVersion !== undefined) body.min_decryption_version = config.minDecryptionVersion;
    if (config.minEncryptionVersion !== undefined) body.min_encryption_version = config.minEncryptionVersion;
    if (config.deletionAllowed !== undefined) body.deletion_allowed = config.deletionAllowed;
    if (config.exportable !== undefined) body.exportable = config.exportable;
    if (config.allowPlaintextBackup !== undefined) body.allow_plaintext_backup = config.allowPlaintextBackup;
    if (config.autoRotatePeriod !== undefined) body.auto_rotate_period = config.autoRotatePeriod;
    return (await this.client.request<Secret<TransitKey>>('POST', `${this.path('keys', name)}/config`, { body }))?.data ?? undefined;
  }

  /** DELETE transit/keys/:name; refused (400) unless the key's config allows deletion. */
  async deleteKey(name: string): Promise<void> {
    await this.client.delete(this.path('keys', name));
  }

  /** transit/keys/:name/trim: deletes the versions below `minAvailableVersion` for good. */
  async trimKey(name: string, minAvailableVersion: number): Promise<TransitKey | undefined> {
    return (await this.client.request<Secret<TransitKey>>('POST', `${this.path('keys', name)}/trim`, { body: { min_available_version: minAvailableVersion } }))?.data ?? undefined;
  }

  /** transit/sign/:key: a "vault:v<N>:" signature of `input` (ed25519, ECDSA or RSA keys). */
  async sign(key: string, input: TransitInput, options: TransitSignOptions = {}): Promise<TransitSignature> {
    const body: Body = { input: base64(input), ...signFields(options) };
    if (options.keyVersion !== undefined) body.key_version = options.keyVersion;
    const data = await this.call('sign', key, body);
    if (typeof data.signature !== 'string') throw new Error('transit: the server answered no signature');
    const signed: TransitSignature = { signature: data.signature, keyVersion: data.key_version ?? versionOf(data.signature) };
    if (typeof data.public_key === 'string') signed.publicKey = Buffer.from(data.public_key, 'base64');
    return signed;
  }

  /** transit/verify/:key with a signature: whether it is `input`'s. A malformed signature is a CofferApiError 400. */
  async verify(key: string, input: TransitInput, signature: string, options: Omit<TransitSignOptions, 'keyVersion'> = {}): Promise<boolean> {
    const data = await this.call('verify', key, { input: base64(input), signature, ...signFields(options) });
    return data.valid === true;
  }

  /** transit/hmac/:key: a "vault:v<N>:" HMAC of `input` (sha2-256 unless `algorithm`). */
  async hmac(key: string, input: TransitInput, options: { algorithm?: TransitHashAlgorithm; keyVersion?: number } = {}): Promise<TransitHmac> {
    const body: Body = { input: base64(input) };
    if (options.algorithm !== undefined) body.algorithm = options.algorithm;
    if (options.keyVersion !== undefined) body.key_version = options.keyVersion;
    const data = await this.call('hmac', key, body);
    if (typeof data.hmac !== 'string') throw new Error('transit: the server answered no hmac');
    return { hmac: data.hmac, keyVersion: versionOf(data.hmac) };
  }

  /** transit/verify/:key with an HMAC: whether it is `input`'s (the server compares in constant time). */
  async verifyHmac(key: string, input: TransitInput, hmac: string, options: { algorithm?: TransitHashAlgorithm } = {}): Promise<boolean> {
    const body: Body = { input: base64(input), hmac };
    if (options.algorithm !== undefined) body.hash_algorithm = options.algorithm;
    return (await this.call('verify', key, body)).valid === true;
  }

  /**
   * transit/datakey/plaintext/:key (or wrapped/, with `wrapped: true`): a new random key of `bits`
   * (256 by default) sealed under the named key; decrypt() opens the ciphertext back to it.
   */
  async generateDataKey(key: string, options: { wrapped?: boolean; bits?: 128 | 256 | 512; context?: TransitInput; keyVersion?: number } = {}): Promise<TransitDataKey> {
    const body: Body = {};
    if (options.bits !== undefined) body.bits = options.bits;
    if (options.context !== undefined) body.context = base64(options.context);
    if (options.keyVersion !== undefined) body.key_version = options.keyVersion;
    const kind = options.wrapped ? 'wrapped' : 'plaintext';
    const answer = await this.client.request<Secret<WireBatchResult>>('POST', `${this.mount}/datakey/${kind}/${encodeURIComponent(key)}`, { body });
    const data = answer?.data;
    if (!data) throw new Error(`transit datakey/${kind}/${key}: the server answered no data`);
    const made: TransitDataKey = cipherOf(data);
    if (typeof data.plaintext === 'string') made.plaintext = Buffer.from(data.plaintext, 'base64');
    return made;
  }

  /** transit/export/:type/:key(/:version): key material in Vault's formats (only exportable keys, except public keys). */
  async exportKey(key: string, type: TransitExportType, version?: number | 'latest'): Promise<TransitExport> {
    const path = `${this.mount}/export/${type}/${encodeURIComponent(key)}${version === undefined ? '' : `/${version}`}`;
    const data = (await this.client.request<Secret<TransitExport>>('GET', path))?.data;
    if (!data) throw new Error(`transit export/${type}/${key}: the server answered no data`);
    return data;
  }

  /** transit/backup/:key: a plaintext backup (the key must be exportable and allow plaintext backup). */
  async backupKey(key: string): Promise<string> {
    const data = (await this.client.request<Secret<{ backup?: string }>>('GET', this.path('backup', key)))?.data;
    if (typeof data?.backup !== 'string') throw new Error(`transit backup/${key}: the server answered no backup`);
    return data.backup;
  }

  /** transit/restore(/:name): restores a backup, under `name` when given; an existing key is refused unless `force`. */
  async restoreKey(backup: string, options: { name?: string; force?: boolean } = {}): Promise<void> {
    const body: Body = { backup };
    if (options.force !== undefined) body.force = options.force;
    const path = options.name === undefined ? `${this.mount}/restore` : this.path('restore', options.name);
    await this.client.request('POST', path, { body });
  }

  private path(operation: string, key: string): string {
    return `${this.mount}/${operation}/${encodeURIComponent(key)}`;
  }

  private async call(operation: string, key: string, body: Body): Promise<WireBatchResult> {
    const answer = await this.client.request<Secret<WireBatchResult>>('POST', this.path(operation, key), { body });
    if (!answer?.data) throw new Error(`transit ${operation}/${key}: the server answered no data`);
    return answer.data;
  }

  private async batch(operation: string, key: string, batchInput: Body[]): Promise<WireBatchResult[]> {
    let data: { batch_results?: unknown } | null | undefined;
    try {
      data = (await this.client.request<Secret<{ batch_results?: unknown }>>('POST', this.path(operation, key), { body: { batch_input: batchInput } }))?.data;
    } catch (err) {
      // Vault answers 400 when every item failed, with the per-item errors still in batch_results.
      const body = err instanceof CofferApiError && err.status === 400 ? (err.body as Secret<{ batch_results?: unknown }> | undefined) : undefined;
      if (!Array.isArray(body?.data?.batch_results)) throw err;
      data = body.data;
    }
    const results = data?.batch_results;
    if (!Array.isArray(results) || results.length !== batchInput.length) {
      throw new Error(`transit ${operation}/${key}: expected ${batchInput.length} batch_results, the server answered ${Array.isArray(results) ? results.length : 'none'}`);
    }
    return results as WireBatchResult[];
  }
}

function base64(value: TransitInput): string {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  throw new TypeError('transit input must be a string or a Uint8Array');
}

function signFields(options: Omit<TransitSignOptions, 'keyVersion'>): Body {
  const body: Body = {};
  if (options.hashAlgorithm !== undefined) body.hash_algorithm = options.hashAlgorithm;
  if (options.context !== undefined) body.context = base64(options.context);
  if (options.prehashed !== undefined) body.prehashed = options.prehashed;
  if (options.signatureAlgorithm !== undefined) body.signature_algorithm = options.signatureAlgorithm;
  if (options.marshalingAlgorithm !== undefined) body.marshaling_algorithm = options.marshalingAlgorithm;
  if (options.saltLength !== undefined) body.salt_length = String(options.saltLength);
  return body;
}

/** The N of "vault:v<N>:..." (0 when the value does not carry one). */
function versionOf(versioned: string): number {
  const m = /^vault:v(\d+):/.exec(versioned);
  return m ? Number(m[1]) : 0;
}

function encryptFields(options: TransitEncryptOptions): Body {
  const body: Body = decryptFields(options);
  if (options.keyVersion !== undefined) body.key_version = options.keyVersion;
  return body;
}

function decryptFields(options: TransitDecryptOptions): Body {
  const body: Body = {};
  if (options.context !== undefined) body.context = base64(options.context);
  if (options.associatedData !== undefined) body.associated_data = base64(options.associatedData);
  return body;
}

const reference = (item: { reference?: string }): Body => (item.reference === undefined ? {} : { reference: item.reference });

const failure = (r: WireBatchResult): TransitBatchFailure => ({ ok: false, error: r.error ?? '', reference: r.reference ?? '' });

function cipherOf(data: WireCipher): TransitCiphertext {
  if (typeof data.ciphertext !== 'string') throw new Error('transit: the server answered no ciphertext');
  return { ciphertext: data.ciphertext, keyVersion: data.key_version ?? 0 };
}

function plaintextOf(data: { plaintext?: string }): Buffer {
  if (typeof data.plaintext !== 'string') throw new Error('transit: the server answered no plaintext');
  return Buffer.from(data.plaintext, 'base64');
}
