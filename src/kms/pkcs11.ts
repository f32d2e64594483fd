import { CofferError } from '../framework/errors.js';
import { randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { KmsUnwrapError, type Kms } from './kms.js';

/** The environment variable that may hold the PKCS#11 user pin instead of the config file. */
export const PKCS11_PIN_ENV = 'COFFER_PKCS11_PIN';

/** Mechanisms the seal can wrap with (Vault's pkcs11 seal names them the same way). */
export const PKCS11_MECHANISMS = ['CKM_AES_GCM'] as const;

/** `seal "pkcs11" { lib, slot | token_label, pin, key_label, mechanism, generate_key }`. */
export interface Pkcs11SealConfig {
  type: 'pkcs11';
  /** Path of the PKCS#11 module (.so). */
  lib: string;
  /** The slot id, or else the label of the token to use. */
  slot?: number;
  tokenLabel?: string;
  /** The user pin; COFFER_PKCS11_PIN in the environment takes its place when set. */
  pin?: string;
  keyLabel: string;
  mechanism: (typeof PKCS11_MECHANISMS)[number];
  /** Create the AES key when no key has `keyLabel` (Vault's generate_key). */
  generateKey: boolean;
}

/** First byte of a PKCS#11-wrapped key; then the 12-byte IV, then ciphertext with its 16-byte tag. */
const WRAP_FORMAT = 1;
const IV_BYTES = 12;
const TAG_BITS = 128;
const AES_KEY_BYTES = 32;

/** The module, token or key cannot be used: the message names the HSM and the reason, never the pin. */
export class Pkcs11KmsError extends CofferError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('kms_unavailable', message, options);
    this.name = 'Pkcs11KmsError';
  }
}

/**
 * A KMS backed by an HSM through PKCS#11. An AES key that never leaves the token wraps data keys
 * with AES-GCM (C_Encrypt / C_Decrypt); the aad is GCM's additional data, so a wrapped key opens
 * only for what it was wrapped for.
 */
export class Pkcs11Kms implements Kms {
  readonly type = 'pkcs11';
  readonly keyId: string;
  private open = true;

  private constructor(
    private readonly module: pkcs11js.PKCS11,
    private readonly session: pkcs11js.Handle,
    private readonly key: pkcs11js.Handle,
    tokenLabel: string,
    keyLabel: string,
  ) {
    this.keyId = `pkcs11:${tokenLabel}/${keyLabel}`;
  }

  /**
   * Loads the module, logs in to the token and finds (or, with generateKey, creates) the key.
   * Each failure (missing library, no such token, wrong pin, no key) is a Pkcs11KmsError saying which.
   */
  static open(config: Pkcs11SealConfig, env: NodeJS.ProcessEnv = process.env): Pkcs11Kms {
    const pin = env[PKCS11_PIN_ENV] || config.pin;
    if (!pin) throw new Pkcs11KmsError(`pkcs11: no pin: set "pin" in the seal stanza or ${PKCS11_PIN_ENV}`);
    const module = new pkcs11js.PKCS11();
    try {
      module.load(config.lib);
    } catch (err) {
      throw new Pkcs11KmsError(`pkcs11: cannot load the PKCS#11 library ${config.lib}: ${(err as Error).message}`);
    }
    let initialized = false;
    let session: pkcs11js.Handle | undefined;
    try {
      hsmCall('C_Initialize', () => module.C_Initialize());
      initialized = true;
      const { slot, label } = findToken(module, config);
      session = hsmCall('C_OpenSession', () => module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION));
      const opened = session;
      try {
        module.C_Login(opened, pkcs11js.CKU_USER, pin);
      } catch (err) {
        const code = err instanceof pkcs11js.Pkcs11Error ? err.message : (err as Error).message;
        if (code === 'CKR_PIN_INCORRECT') throw new Pkcs11KmsError(`pkcs11: login to token "${label}" failed: wrong pin (CKR_PIN_INCORRECT)`);
        if (code !== 'CKR_USER_ALREADY_LOGGED_IN') throw new Pkcs11KmsError(`pkcs11: login to token "${label}" failed: ${code}`);
      }
      const key = findKey(module, opened, config.keyLabel) ?? (config.generateKey ? generateKey(module, opened, config.keyLabel) : undefined);
      if (!key) {
        throw new Pkcs11KmsError(`pkcs11: token "${label}" has no AES key labelled "${config.keyLabel}" (set generate_key = true to create it)`);
      }
      return new Pkcs11Kms(module, opened, key, label, config.keyLabel);
    } catch (err) {
      if (session) ignoreFailure(() => module.C_CloseSession(session!));
      if (initialized) ignoreFailure(() => module.C_Finalize());
      throw err;
    }
  }

  async wrap(plaintextKey: Uint8Array, aad: string): Promise<Uint8Array> {
    this.live();
    const iv = randomBytes(IV_BYTES);
    const sealed = hsmCall('C_Encrypt', () => {
      this.module.C_EncryptInit(this.session, gcm(iv, aad), this.key);
      return this.module.C_Encrypt(this.session, Buffer.from(plaintextKey), Buffer.alloc(plaintextKey.byteLength + TAG_BITS / 8));
    });
    return Buffer.concat([Buffer.of(WRAP_FORMAT), iv, sealed]);
  }

  async unwrap(wrapped: Uint8Array, aad: string): Promise<Uint8Array> {
    this.live();
    if (wrapped[0] !== WRAP_FORMAT) throw new KmsUnwrapError(this.keyId, `unknown wrap format ${wrapped[0]}`);
    if (wrapped.byteLength < 1 + IV_BYTES + TAG_BITS / 8) throw new KmsUnwrapError(this.keyId, 'pkcs11: the wrapped key is truncated');
    const bytes = Buffer.from(wrapped);
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const sealed = bytes.subarray(1 + IV_BYTES);
    try {
      // A GCM tag mismatch ends the operation inside the token (SoftHSM says CKR_GENERAL_ERROR,
      // others CKR_ENCRYPTED_DATA_INVALID): any refusal here is "cannot unwrap".
      this.module.C_DecryptInit(this.session, gcm(iv, aad), this.key);
      return this.module.C_Decrypt(this.session, sealed, Buffer.alloc(sealed.byteLength));
    } catch (err) {
      if (err instanceof pkcs11js.Pkcs11Error && isSessionGone(err.message)) throw new Pkcs11KmsError(`pkcs11: the HSM session is gone (${err.message})`);
      throw new KmsUnwrapError(this.keyId, `pkcs11: the token refused to decrypt (${(err as Error).message}): wrong aad, another key, or the wrapped key was altered`);
    }
  }

  /** Logs out and releases the module. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    ignoreFailure(() => this.module.C_Logout(this.session));
    ignoreFailure(() => this.module.C_CloseSession(this.session));
    ignoreFailure(() => this.module.C_Finalize());
  }

  private live(): void {
    if (!this.open) throw new Pkcs11KmsError('pkcs11: the KMS has been closed');
  }
}

function gcm(iv: Buffer, aad: string): pkcs11js.Mechanism {
  const parameter: pkcs11js.GcmParams = { type: pkcs11js.CK_PARAMS_AES_GCM, iv, ivBits: IV_BYTES * 8, aad: Buffer.from(aad, 'utf8'), tagBits: TAG_BITS };
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter };
}

/** The slot holding the configured token: by slot id, or by token label. */
function findToken(module: pkcs11js.PKCS11, config: Pkcs11SealConfig): { slot: pkcs11js.Handle; label: string } {
  const slots = hsmCall('C_GetSlotList', () => module.C_GetSlotList(true));
  const tokens = slots.map((slot) => ({ slot, label: hsmCall('C_GetTokenInfo', () => module.C_GetTokenInfo(slot)).label.trimEnd() }));
  const found = config.slot !== undefined ? tokens.find((t) => slotNumber(t.slot) === config.slot) : tokens.find((t) => t.label === config.tokenLabel);
  if (found) return found;
  const wanted = config.slot !== undefined ? `slot ${config.slot}` : `token labelled "${config.tokenLabel}"`;
  const present = tokens.map((t) => `${slotNumber(t.slot)} ("${t.label}")`).join(', ') || 'none';
  throw new Pkcs11KmsError(`pkcs11: no ${wanted} in ${config.lib} (slots with a token: ${present})`);
}

/** A slot handle is the native CK_SLOT_ID (an unsigned long) in host byte order. */
function slotNumber(handle: pkcs11js.Handle): number {
  return handle.byteLength >= 8 ? Number(handle.readBigUInt64LE(0)) : handle.readUInt32LE(0);
}

function findKey(module: pkcs11js.PKCS11, session: pkcs11js.Handle, label: string): pkcs11js.Handle | undefined {
  return hsmCall('C_FindObjects', () => {
    module.C_FindObjectsInit(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_LABEL, value: label },
    ]);
    try {
      const found = module.C_FindObjects(session, 2);
      if (found.length > 1) throw new Pkcs11KmsError(`pkcs11: more than one AES key is labelled "${label}"; labels must be unique`);
      return found[0];
    } finally {
      module.C_FindObjectsFinal(session);
    }
  });
}

/** A 256-bit AES key on the token that can only encrypt and decrypt, and never be read out. */
function generateKey(module: pkcs11js.PKCS11, session: pkcs11js.Handle, label: string): pkcs11js.Handle {
  return hsmCall('C_GenerateKey', () =>
    module.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_VALUE_LEN, value: AES_KEY_BYTES },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
    ]),
  );
}

/** Runs a PKCS#11 call; a failure becomes a Pkcs11KmsError naming the call and the CKR_ code. */
function hsmCall<T>(name: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof Pkcs11KmsError) throw err;
    throw new Pkcs11KmsError(`pkcs11: ${name} failed: ${(err as Error).message}`);
  }
}

function isSessionGone(code: string): boolean {
  return code === 'CKR_SESSION_HANDLE_INVALID' || code === 'CKR_SESSION_CLOSED' || code === 'CKR_DEVICE_REMOVED' || code === 'CKR_TOKEN_NOT_PRESENT';
}

function ignoreFailure(run: () => void): void {
  try {
    run();
  } catch {
    // Best effort while tearing down after another failure, or at shutdown.
  }
}
