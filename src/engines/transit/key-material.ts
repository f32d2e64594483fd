import { createPrivateKey, createPublicKey, generateKeyPair, hkdfSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { zeroize } from '../../crypto/zeroize.js';
import { invalidRequest } from '../../framework/errors.js';
import { HMAC_KEY_SIZE, NAMED_CURVE, RSA_BITS, isEcdsa, isRsa, isSymmetric, symmetricKeyBytes, type KeyType } from './key-types.js';

/**
 * One version of a named key, as the mount's barrier-encrypted storage keeps it. Which members are
 * set depends on the type; every version made by this engine also has its own `hmac_key`, as
 * Vault's do (hmac/:name with a non-hmac key uses it).
 */
export interface KeyVersion {
  /** base64: the AES, ChaCha20 or HMAC key; for ed25519 the 64-byte private key (seed ‖ public key, Vault's layout). */
  key?: string;
  /**
   * The private key as a JWK (ECDSA and RSA). JWK rather than PKCS #8 DER because OpenSSL 3.0's
   * DER decoder costs ~400 µs a key, a JWK ~5-70 µs, and every signature loads its key.
   */
  jwk?: JsonWebKey;
  /** base64 of 32 random bytes. Versions stored before issue 19 have none until hmac/:name adds one. */
  hmac_key?: string;
  /** Creation time, unix seconds (what keys/:name answers for symmetric keys). */
  created: number;
  /** Creation time as RFC 3339 (asymmetric keys answer it; Vault's KeyEntry.time). */
  time?: string;
}

const generatePair = promisify(generateKeyPair);
const HMAC_KEY_BYTES = 32;
/** PKCS #8 wrapping of a raw Ed25519 seed (RFC 8410 §7): a fixed 16-byte header, then the 32-byte seed. */
const ED25519_PKCS8_HEADER = Buffer.from('302e020100300506032b657004220420', 'hex');
/** Node's HKDF takes at most 1024 bytes of info (the derivation context). */
const MAX_CONTEXT_BYTES = 1024;

/** A new version of a key of `type`: fresh key material from the OS CSPRNG (RSA and EC keys generated off the event loop). */
export async function newKeyVersion(type: KeyType, keySize: number = HMAC_KEY_SIZE.default): Promise<KeyVersion> {
  const now = new Date();
  const version: KeyVersion = { created: Math.floor(now.getTime() / 1000), time: now.toISOString(), hmac_key: randomBytes(HMAC_KEY_BYTES).toString('base64') };
  if (isSymmetric(type)) version.key = randomBytes(symmetricKeyBytes(type)).toString('base64');
  else if (type === 'hmac') version.key = randomBytes(keySize).toString('base64');
  else if (type === 'ed25519') {
    const { privateKey } = await generatePair('ed25519');
    version.key = ed25519KeyBytes(privateKey).toString('base64');
  } else if (isEcdsa(type)) {
    const { privateKey } = await generatePair('ec', { namedCurve: NAMED_CURVE[type] });
    version.jwk = privateKey.export({ format: 'jwk' });
  } else if (isRsa(type)) {
    const { privateKey } = await generatePair('rsa', { modulusLength: RSA_BITS[type] });
    version.jwk = privateKey.export({ format: 'jwk' });
  }
  return version;
}

/** Vault's 64-byte ed25519 private key (seed ‖ public key) of a Node key object. */
export function ed25519KeyBytes(privateKey: KeyObject): Buffer {
  const jwk = privateKey.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from(jwk.d!, 'base64url'), Buffer.from(jwk.x!, 'base64url')]);
}

/** The Ed25519 private key whose seed is the first 32 bytes of `key` (any length from 32 on; slow: a DER decode). */
export function ed25519PrivateKey(key: Buffer): KeyObject {
  const der = Buffer.concat([ED25519_PKCS8_HEADER, key.subarray(0, 32)]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    zeroize(der);
  }
}

/** The raw secret bytes of a symmetric or HMAC version; the caller zeroizes them. */
export function secretBytes(version: KeyVersion): Buffer {
  if (!version.key) throw invalidRequest('no such key version');
  return Buffer.from(version.key, 'base64');
}

/** The private key object of an asymmetric version. */
export function privateKeyOf(type: KeyType, version: KeyVersion): KeyObject {
  if (type === 'ed25519') {
    const key = secretBytes(version);
    try {
      // Stored keys are seed ‖ public key, both halves a JWK needs.
      return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: key.subarray(0, 32).toString('base64url'), x: key.subarray(32, 64).toString('base64url') }, format: 'jwk' });
    } finally {
      zeroize(key);
    }
  }
  if (!version.jwk) throw invalidRequest('no such key version');
  return createPrivateKey({ key: version.jwk, format: 'jwk' });
}

/** The public key object of an asymmetric version. */
export function publicKeyOf(type: KeyType, version: KeyVersion): KeyObject {
  return createPublicKey(privateKeyOf(type, version));
}

/** Raw 32-byte Ed25519 public key of a key object. */
export function ed25519PublicBytes(key: KeyObject): Buffer {
  return Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url');
}

/**
 * The public key as Vault formats it in keys/:name and export/public-key: ed25519 as base64 of
 * the 32 raw bytes, ECDSA and RSA as a PEM "PUBLIC KEY" (PKIX). Empty for symmetric types.
 */
export function formattedPublicKey(type: KeyType, version: KeyVersion): string {
  if (type === 'ed25519') return ed25519PublicBytes(privateKeyOf(type, version)).toString('base64');
  if (isEcdsa(type) || isRsa(type)) return publicKeyOf(type, version).export({ type: 'spki', format: 'pem' }).toString();
  return '';
}

/**
 * Vault's key derivation (keysutil Kdf_hkdf_sha256): HKDF-SHA256 over the version's key with an
 * empty salt and the context as info. The caller zeroizes the result.
 */
export function deriveBytes(key: Buffer, context: Buffer, bytes: number): Buffer {
  if (context.byteLength === 0) {
    throw invalidRequest(
      "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key",
    );
  }
  if (context.byteLength > MAX_CONTEXT_BYTES) throw invalidRequest(`context is too long for key derivation (at most ${MAX_CONTEXT_BYTES} bytes)`);
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), context, bytes));
}

/** A derived ed25519 key: the seed is HKDF of the version's 64-byte key with the context, as Vault feeds it to ed25519.GenerateKey. */
export function derivedEd25519Key(version: KeyVersion, context: Buffer): KeyObject {
  const key = secretBytes(version);
  let seed: Buffer | undefined;
  try {
    seed = deriveBytes(key, context, 32);
    return ed25519PrivateKey(seed);
  } finally {
    zeroize(key, seed);
  }
}
