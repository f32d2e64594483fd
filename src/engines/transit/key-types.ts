import { invalidRequest } from '../../framework/errors.js';

/** The key types this engine creates, by Vault's transit names. */
export const KEY_TYPES = [
  'aes128-gcm96',
  'aes256-gcm96',
  'chacha20-poly1305',
  'ed25519',
  'ecdsa-p256',
  'ecdsa-p384',
  'ecdsa-p521',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
  'hmac',
] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export type SymmetricType = 'aes128-gcm96' | 'aes256-gcm96' | 'chacha20-poly1305';
export type EcdsaType = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521';
export type RsaType = 'rsa-2048' | 'rsa-3072' | 'rsa-4096';

export const isSymmetric = (t: KeyType): t is SymmetricType => t === 'aes128-gcm96' || t === 'aes256-gcm96' || t === 'chacha20-poly1305';
export const isEcdsa = (t: KeyType): t is EcdsaType => t === 'ecdsa-p256' || t === 'ecdsa-p384' || t === 'ecdsa-p521';
export const isRsa = (t: KeyType): t is RsaType => t === 'rsa-2048' || t === 'rsa-3072' || t === 'rsa-4096';
export const isAsymmetric = (t: KeyType): boolean => t === 'ed25519' || isEcdsa(t) || isRsa(t);

/** What a key type can do: Vault's keysutil KeyType methods, which the key read reports as supports_*. */
export function capabilities(t: KeyType): { encryption: boolean; decryption: boolean; signing: boolean; derivation: boolean } {
  const crypt = isSymmetric(t) || isRsa(t);
  return { encryption: crypt, decryption: crypt, signing: t === 'ed25519' || isEcdsa(t) || isRsa(t), derivation: isSymmetric(t) || t === 'ed25519' };
}

/** Bytes of a symmetric key (AES-128 is 16, the others 32). */
export const symmetricKeyBytes = (t: SymmetricType): number => (t === 'aes128-gcm96' ? 16 : 32);

export const NAMED_CURVE: Record<EcdsaType, 'P-256' | 'P-384' | 'P-521'> = { 'ecdsa-p256': 'P-256', 'ecdsa-p384': 'P-384', 'ecdsa-p521': 'P-521' };
export const RSA_BITS: Record<RsaType, number> = { 'rsa-2048': 2048, 'rsa-3072': 3072, 'rsa-4096': 4096 };

/** HMAC key sizes Vault accepts for "hmac" keys (key_size, in bytes); 32 when not given. */
export const HMAC_KEY_SIZE = { min: 32, max: 512, default: 32 } as const;

/**
 * Vault's keysutil.KeyType numbers, as a plaintext backup's policy carries them ("type": 2 is
 * ed25519). The order is Vault's iota order and must never change.
 */
export const VAULT_TYPE_NUMBER: Record<KeyType, number> = {
  'aes256-gcm96': 0,
  'ecdsa-p256': 1,
  ed25519: 2,
  'rsa-2048': 3,
  'rsa-4096': 4,
  'chacha20-poly1305': 5,
  'ecdsa-p384': 6,
  'ecdsa-p521': 7,
  'aes128-gcm96': 8,
  'rsa-3072': 9,
  hmac: 11,
};

/** The key type a request names; anything else is Vault's 400. */
export function checkedKeyType(type: string): KeyType {
  if (!(KEY_TYPES as readonly string[]).includes(type)) throw invalidRequest(`unknown key type ${type}`);
  return type as KeyType;
}
