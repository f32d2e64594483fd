import { constants, createCipheriv, createDecipheriv, createHmac, privateDecrypt, publicEncrypt, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { zeroize } from '../../crypto/zeroize.js';
import { invalidRequest } from '../../framework/errors.js';
import { deriveBytes, privateKeyOf, publicKeyOf, secretBytes } from './key-material.js';
import { checkDecryptionVersion, versionEntry, type KeyPolicy } from './key-policy.js';
import { capabilities, isRsa, isSymmetric, symmetricKeyBytes, type SymmetricType } from './key-types.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Convergent encryption derives 32 more bytes than the cipher key: the HMAC key that makes the nonce (Vault's convergent version 3). */
const CONVERGENT_HMAC_BYTES = 32;
/** Vault's default version template: every ciphertext, signature and HMAC names the key version behind it. */
export const VERSION_PREFIX = 'vault:v';

const ALGORITHM: Record<SymmetricType, CipherGCMTypes | 'chacha20-poly1305'> = {
  'aes128-gcm96': 'aes-128-gcm',
  'aes256-gcm96': 'aes-256-gcm',
  'chacha20-poly1305': 'chacha20-poly1305',
};

/** "vault:v<N>:" + the encoded value. */
export const versioned = (version: number, encoded: string): string => `${VERSION_PREFIX}${version}:${encoded}`;

/** What a versioned value is called in each 400 (Vault's words differ between ciphertexts, signatures and HMACs). */
export interface VersionedWords {
  noPrefix: string;
  fields: string;
  version: string;
}

/** Splits "vault:v<N>:<rest>" into the version and the rest, with the caller's 400s. */
export function splitVersioned(text: string, words: VersionedWords): { version: number; rest: string } {
  if (!text.startsWith(VERSION_PREFIX)) throw invalidRequest(words.noPrefix);
  const tail = text.slice(VERSION_PREFIX.length);
  const colon = tail.indexOf(':');
  if (colon < 0) throw invalidRequest(words.fields);
  const versionText = tail.slice(0, colon);
  if (!/^[1-9]\d{0,9}$/.test(versionText)) throw invalidRequest(words.version);
  return { version: Number(versionText), rest: tail.slice(colon + 1) };
}

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (Go's StdEncoding, which Vault decodes with), or undefined. */
export function strictBase64(text: string): Buffer | undefined {
  return STD_BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/** A ciphertext string split into its key version and sealed bytes; malformed input is a 400 in Vault's words. */
export function parseCiphertext(ciphertext: string): { version: number; sealed: Buffer } {
  if (!ciphertext.startsWith('vault:')) throw invalidRequest('invalid ciphertext: no prefix');
  const parts = ciphertext.split(':');
  if (parts.length !== 3) throw invalidRequest('invalid ciphertext: wrong number of fields');
  const versionText = parts[1]!;
  if (!/^v[1-9]\d{0,9}$/.test(versionText)) throw invalidRequest('invalid ciphertext: version number could not be decoded');
  const sealed = strictBase64(parts[2]!);
  if (!sealed) throw invalidRequest('invalid ciphertext: could not decode base64');
  return { version: Number(versionText.slice(1)), sealed };
}

/** Per-item inputs of an encryption or decryption: associated data (AEAD) and the derivation context. */
export interface CryptInputs {
  associatedData: Buffer;
  context: Buffer;
}

/**
 * The symmetric key of one version: the stored key, or for derived keys HKDF of it with the
 * context; convergent keys derive 32 bytes more (the nonce's HMAC key). The caller zeroizes both.
 */
function symmetricKey(policy: KeyPolicy, type: SymmetricType, version: number, context: Buffer, forSealing: boolean): { key: Buffer; nonceKey?: Buffer } {
  const stored = secretBytes(versionEntry(policy, version));
  if (!policy.derived) return { key: stored };
  const bytes = symmetricKeyBytes(type);
  const convergent = forSealing && policy.convergent_encryption === true;
  try {
    const derived = deriveBytes(stored, context, bytes + (convergent ? CONVERGENT_HMAC_BYTES : 0));
    if (!convergent) return { key: derived };
    return { key: derived.subarray(0, bytes), nonceKey: derived.subarray(bytes) };
  } finally {
    zeroize(stored);
  }
}

function aeadSeal(type: SymmetricType, key: Buffer, nonce: Buffer, plaintext: Buffer, associatedData: Buffer): Buffer {
  const cipher = createCipheriv(ALGORITHM[type] as CipherGCMTypes, key, nonce, { authTagLength: TAG_BYTES });
  if (associatedData.byteLength > 0) cipher.setAAD(associatedData);
  return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function aeadOpen(type: SymmetricType, key: Buffer, sealed: Buffer, associatedData: Buffer): Buffer {
  if (sealed.byteLength < NONCE_BYTES + TAG_BYTES) throw invalidRequest('invalid ciphertext: unable to decrypt');
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.byteLength - TAG_BYTES);
  const body = sealed.subarray(NONCE_BYTES, sealed.byteLength - TAG_BYTES);
  const decipher = createDecipheriv(ALGORITHM[type] as CipherGCMTypes, key, nonce, { authTagLength: TAG_BYTES });
  if (associatedData.byteLength > 0) decipher.setAAD(associatedData);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    // Go's AEAD error, as Vault answers it: wrong key, wrong associated data or any altered byte.
    throw invalidRequest('cipher: message authentication failed');
  }
}

/**
 * Encrypts under one version, Vault's layout: symmetric keys give nonce (12) ‖ ciphertext ‖ tag
 * (16) with a random nonce (convergent keys: the first 12 bytes of HMAC-SHA256 of the plaintext
 * under the derived nonce key); RSA keys give RSA-OAEP with SHA-256. Base64 behind "vault:v<N>:".
 */
export function encryptWith(policy: KeyPolicy, version: number, plaintext: Buffer, inputs: CryptInputs): string {
  const type = policy.type;
  if (!capabilities(type).encryption) throw invalidRequest(`message encryption not supported for key type ${type}`);
  if (isRsa(type)) {
    let body: Buffer;
    try {
      body = publicEncrypt({ key: publicKeyOf(type, versionEntry(policy, version)), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, plaintext);
    } catch {
      throw invalidRequest('failed to RSA encrypt the plaintext: message too long for RSA key size');
    }
    return versioned(version, body.toString('base64'));
  }
  if (!isSymmetric(type)) throw invalidRequest(`message encryption not supported for key type ${type}`);
  const { key, nonceKey } = symmetricKey(policy, type, version, inputs.context, true);
  try {
    const nonce = nonceKey ? createHmac('sha256', nonceKey).update(plaintext).digest().subarray(0, NONCE_BYTES) : randomBytes(NONCE_BYTES);
    return versioned(version, aeadSeal(type, key, nonce, plaintext, inputs.associatedData).toString('base64'));
  } finally {
    zeroize(key, nonceKey);
  }
}

/** The plaintext of a "vault:v<N>:" ciphertext (checked against the key's versions); the caller zeroizes it. */
export function decryptWith(policy: KeyPolicy, ciphertext: string, inputs: CryptInputs): Buffer {
  const type = policy.type;
  if (!capabilities(type).decryption) throw invalidRequest(`message decryption not supported for key type ${type}`);
  const { version, sealed } = parseCiphertext(ciphertext);
  checkDecryptionVersion(policy, version);
  if (isRsa(type)) {
    try {
      return privateDecrypt({ key: privateKeyOf(type, versionEntry(policy, version)), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, sealed);
    } catch {
      throw invalidRequest('failed to RSA decrypt the ciphertext: decryption error');
    }
  }
  if (!isSymmetric(type)) throw invalidRequest(`message decryption not supported for key type ${type}`);
  const { key } = symmetricKey(policy, type, version, inputs.context, false);
  try {
    return aeadOpen(type, key, sealed, inputs.associatedData);
  } finally {
    zeroize(key);
  }
}
