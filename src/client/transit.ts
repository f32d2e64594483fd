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

/** Parameters of transit/keys/:name. Coffer's transit implements only `type`; it answers 400 to the others. */
export interface TransitKeyOptions {
  /** aes256-gcm96 (default) or chacha20-poly1305. */
  type?: string;
  derived?: boolean;
  convergentEncryption?: boolean;
  exportable?: boolean;
  allowPlaintextBackup?: boolean;
  autoRotatePeriod?: string;
}

/** Parameters of transit/keys/:name/config. */
export interface TransitKeyConfig {
  minDecryptionVersion?: number;
  minEncryptionVersion?: number;
  deletionAllowed?: boolean;
}

/** A named key as transit/keys/:name answers it (Vault's field names); `keys` maps each live version to its creation time (unix seconds). */
export interface TransitKey {
  name: string;
  type: string;
  keys: Record<string, number>;
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
  [field: string]: unknown;
}

type Body = Record<string, unknown>;
type WireCipher = { ciphertext?: string; key_version?: number };
type WireBatchResult = WireCipher & { plaintext?: string; error?: string; reference?: string };

/**
 * The transit secrets engine mounted at `mount`: encryption as a service. Plaintext, context and
 * associated data go over the wire as base64, as Vault's API wants; this class does the encoding.
 * Coffer's transit has keys, encrypt, decrypt and rewrap only; there is no datakey, hmac, sign or
 * verify to call.
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
    return (await this.client.request<Secret<TransitKey>>('POST', `${this.path('keys', name)}/config`, { body }))?.data ?? undefined;
  }

  /** DELETE transit/keys/:name; refused (400) unless the key's config allows deletion. */
  async deleteKey(name: string): Promise<void> {
    await this.client.delete(this.path('keys', name));
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
