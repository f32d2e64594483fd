import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { invalidRequest } from '../../framework/errors.js';

/** The key types this engine can create (Vault's transit names). */
export const KEY_TYPES = ['aes256-gcm96', 'chacha20-poly1305'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Vault's default version template: every ciphertext names the key version that sealed it. */
const PREFIX = 'vault:v';

const ALGORITHM: Record<KeyType, CipherGCMTypes | 'chacha20-poly1305'> = {
  'aes256-gcm96': 'aes-256-gcm',
  'chacha20-poly1305': 'chacha20-poly1305',
};

/**
 * Seals `plaintext` under one key version. Layout, as Vault's: nonce (12) || ciphertext || tag (16),
 * base64, behind "vault:v<N>:". The 96-bit nonce is random per call.
 */
export function sealValue(type: KeyType, key: Buffer, version: number, plaintext: Buffer, associatedData: Buffer): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM[type] as CipherGCMTypes, key, nonce, { authTagLength: TAG_BYTES });
  if (associatedData.byteLength > 0) cipher.setAAD(associatedData);
  const body = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${version}:${body.toString('base64')}`;
}

/** A ciphertext string split into its key version and sealed bytes; malformed input is a 400 in Vault's words. */
export function parseCiphertext(ciphertext: string): { version: number; sealed: Buffer } {
  if (!ciphertext.startsWith('vault:')) throw invalidRequest('invalid ciphertext: no prefix');
  const parts = ciphertext.split(':');
  if (parts.length !== 3) throw invalidRequest('invalid ciphertext: wrong number of fields');
  const versionText = parts[1]!;
  if (!/^v[1-9]\d{0,9}$/.test(versionText)) throw invalidRequest('invalid ciphertext: version number could not be decoded');
  const encoded = parts[2]!;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) throw invalidRequest('invalid ciphertext: could not decode base64');
  const sealed = Buffer.from(encoded, 'base64');
  if (sealed.byteLength < NONCE_BYTES + TAG_BYTES) throw invalidRequest('invalid ciphertext: unable to decrypt');
  return { version: Number(versionText.slice(1)), sealed };
}

/** Opens what `sealValue` produced; a wrong key, wrong associated data or any altered byte is Go's AEAD error, as Vault answers. */
export function openValue(type: KeyType, key: Buffer, sealed: Buffer, associatedData: Buffer): Buffer {
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.byteLength - TAG_BYTES);
  const body = sealed.subarray(NONCE_BYTES, sealed.byteLength - TAG_BYTES);
  const decipher = createDecipheriv(ALGORITHM[type] as CipherGCMTypes, key, nonce, { authTagLength: TAG_BYTES });
  if (associatedData.byteLength > 0) decipher.setAAD(associatedData);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw invalidRequest('cipher: message authentication failed');
  }
}
