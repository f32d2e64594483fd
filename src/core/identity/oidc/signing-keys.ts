import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { Algorithm, NamedKey, PublishedKey, SigningKey } from './model.js';

// The key pairs behind a named key: made, rotated and used through jose (WebCrypto); nothing here
// does cryptography by hand. Private keys exist only as JWKs inside the named key's storage entry,
// which the barrier seals; they are imported for each signature and never kept in memory.

/** A fresh key pair for `algorithm` (RSA 2048 as Vault, P-256/384/521, Ed25519), named by a random UUID as Vault names them. */
async function newKeyPair(algorithm: Algorithm): Promise<{ signing: SigningKey; published: PublishedKey }> {
  const { privateKey, publicKey } = await generateKeyPair(algorithm, { extractable: true, ...(algorithm === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const kid = randomUUID();
  const meta = { kid, alg: algorithm, use: 'sig' };
  return {
    signing: { kid, jwk: { ...(await exportJWK(privateKey)), ...meta } },
    published: { kid, jwk: { ...(await exportJWK(publicKey)), ...meta }, expireAt: 0 },
  };
}

/** The settings a named key is made with or changed to. */
export interface KeySettings {
  algorithm: Algorithm;
  rotationPeriod: number;
  verificationTtl: number;
  allowedClientIds: string[];
}

/** A new named key: a signing key and the next one, both published. */
export async function createNamedKey(settings: KeySettings, now: number): Promise<NamedKey> {
  const [current, next] = [await newKeyPair(settings.algorithm), await newKeyPair(settings.algorithm)];
  return {
    ...settings,
    nextRotation: now + settings.rotationPeriod * 1000,
    signingKey: current.signing,
    nextSigningKey: next.signing,
    keyRing: [current.published, next.published],
  };
}

/**
 * Vault's rotate: the next key signs from now on, a new next key is made, and the public half of
 * the key that signed until now stays published for `verificationTtl` seconds (0: withdrawn at once).
 */
export async function rotateNamedKey(key: NamedKey, now: number, verificationTtl = key.verificationTtl): Promise<NamedKey> {
  const next = await newKeyPair(key.algorithm);
  const retired = key.signingKey.kid;
  return {
    ...key,
    signingKey: key.nextSigningKey,
    nextSigningKey: next.signing,
    nextRotation: now + key.rotationPeriod * 1000,
    keyRing: [...key.keyRing.map((k) => (k.kid === retired ? { ...k, expireAt: now + verificationTtl * 1000 } : k)), next.published],
  };
}

/**
 * A named key whose algorithm changed gets new key pairs (as Vault). Beyond Vault, which keeps the
 * former pairs published for good, the key that signed until now stays published for
 * verification_ttl, as after a rotation, and the former next key (which never signed) goes at once.
 */
export async function rekeyNamedKey(key: NamedKey, now: number): Promise<NamedKey> {
  const [current, next] = [await newKeyPair(key.algorithm), await newKeyPair(key.algorithm)];
  const retired = key.signingKey.kid;
  const kept = key.keyRing
    .filter((k) => k.kid !== key.nextSigningKey.kid)
    .map((k) => (k.kid === retired ? { ...k, expireAt: now + key.verificationTtl * 1000 } : k));
  return { ...key, signingKey: current.signing, nextSigningKey: next.signing, keyRing: [...kept, current.published, next.published] };
}

const expired = (k: PublishedKey, now: number) => k.expireAt !== 0 && k.expireAt <= now;

/** The public keys of a named key that are published now: those signing (or signing next), and those still within their verification_ttl. */
export function publishedKeys(key: NamedKey, now: number): PublishedKey[] {
  return key.keyRing.filter((k) => !expired(k, now));
}

/** The key without the public keys past their verification_ttl; undefined when none is. */
export function withoutExpiredKeys(key: NamedKey, now: number): NamedKey | undefined {
  const kept = publishedKeys(key, now);
  return kept.length === key.keyRing.length ? undefined : { ...key, keyRing: kept };
}

/** When this key next needs the rotation worker: its rotation, or a published key's expiry. */
export function nextDue(key: NamedKey): number {
  return Math.min(key.nextRotation, ...key.keyRing.filter((k) => k.expireAt !== 0).map((k) => k.expireAt));
}

/** A compact JWS (a JWT) of `claims`, signed with the key's current signing key; its header names the key (`kid`). */
export async function signClaims(key: NamedKey, claims: JWTPayload): Promise<string> {
  const { kid, jwk } = key.signingKey;
  const privateKey = await importJWK(jwk as JWK, key.algorithm);
  return new SignJWT(claims).setProtectedHeader({ alg: key.algorithm, kid }).sign(privateKey);
}
