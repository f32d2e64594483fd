import { createPrivateKey, createPublicKey, KeyObject, webcrypto } from 'node:crypto';
import { invalidRequest } from '../../framework/errors.js';

export type KeyType = 'rsa' | 'ec' | 'ed25519';

/** A key's algorithm and size (bits: the RSA modulus or the EC curve size; 0 for Ed25519). */
export interface KeySpec {
  type: KeyType;
  bits: number;
}

const RSA_BITS = [2048, 3072, 4096, 8192];
const EC_CURVES: Record<number, string> = { 256: 'P-256', 384: 'P-384', 521: 'P-521' };
const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

/**
 * Vault's key_type / key_bits rules (certutil.ValidateKeyTypeLength): 0 bits is the type's default
 * (RSA 2048, EC P-256), other sizes must be ones the type has. P-224 is refused: WebCrypto has no
 * such curve. `any` is only for roles that sign CSRs (see checkRoleKeyType).
 */
export function resolveKeySpec(type: string, bits: number): KeySpec {
  switch (type) {
    case 'rsa': {
      const size = bits === 0 ? 2048 : bits;
      if (!RSA_BITS.includes(size)) throw invalidRequest(`unsupported bit length for RSA key: ${bits}`);
      return { type, bits: size };
    }
    case 'ec': {
      const size = bits === 0 ? 256 : bits;
      if (!EC_CURVES[size]) throw invalidRequest(`unsupported bit length for EC key: ${bits}`);
      return { type, bits: size };
    }
    case 'ed25519':
      return { type, bits: 0 };
    default:
      throw invalidRequest(`unknown key type: ${type}`);
  }
}

/**
 * The hash a signature by this key uses: Vault's signature_bits for RSA (default 256); an EC key's
 * curve decides (P-256 SHA-256, P-384 SHA-384, P-521 SHA-512), as Vault's does; none for Ed25519.
 */
export function signatureHash(spec: KeySpec, signatureBits = 0): string | undefined {
  if (spec.type === 'ed25519') return undefined;
  if (spec.type === 'ec') return spec.bits === 256 ? 'SHA-256' : spec.bits === 384 ? 'SHA-384' : 'SHA-512';
  const bits = signatureBits || 256;
  if (![256, 384, 512].includes(bits)) throw invalidRequest(`unsupported signature_bits: ${signatureBits} (256, 384 or 512)`);
  return `SHA-${bits}`;
}

function webAlgorithm(spec: KeySpec, hash = 'SHA-256'): RsaHashedImportParams | EcKeyImportParams | Algorithm {
  if (spec.type === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash };
  if (spec.type === 'ec') return { name: 'ECDSA', namedCurve: EC_CURVES[spec.bits]! };
  return { name: 'Ed25519' };
}

/** What X509CertificateGenerator / X509CrlGenerator sign with for a key of this spec. */
export function signingAlgorithm(spec: KeySpec, signatureBits = 0): Algorithm | EcdsaParams {
  const hash = signatureHash(spec, signatureBits);
  if (spec.type === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash } as Algorithm;
  if (spec.type === 'ec') return { name: 'ECDSA', hash } as EcdsaParams;
  return { name: 'Ed25519' };
}

async function generate(spec: KeySpec): Promise<CryptoKeyPair> {
  const algorithm =
    spec.type === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: spec.bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
      : webAlgorithm(spec);
  return (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/**
 * Fresh key pairs. RSA-2048 key generation costs ~140 ms of CPU (the wave-2 measurements), so a few
 * are made ahead, one at a time in the background, and handed out once each; every other spec is
 * generated on demand. Keys in the pool live only in this process's memory and are never stored.
 */
export class KeyPool {
  private readonly ready: CryptoKeyPair[] = [];
  private filling = false;
  private closed = false;

  constructor(private readonly size = 4) {}

  async take(spec: KeySpec): Promise<CryptoKeyPair> {
    if (spec.type !== 'rsa' || spec.bits !== 2048 || this.size === 0) return generate(spec);
    const pair = this.ready.pop();
    this.refill();
    return pair ?? generate(spec);
  }

  close(): void {
    this.closed = true;
    this.ready.length = 0;
  }

  private refill(): void {
    if (this.filling || this.closed) return;
    this.filling = true;
    void (async () => {
      try {
        while (!this.closed && this.ready.length < this.size) this.ready.push(await generate({ type: 'rsa', bits: 2048 }));
      } finally {
        this.filling = false;
      }
    })();
  }
}

/** A private key's PKCS#8 DER. */
export async function exportPkcs8(key: CryptoKey): Promise<Buffer> {
  return Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
}

function specOf(key: KeyObject): KeySpec {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { type: 'rsa', bits: key.asymmetricKeyDetails?.modulusLength ?? 0 };
    case 'ec': {
      const bits = CURVE_BITS[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (!bits) throw invalidRequest(`unsupported EC curve: ${key.asymmetricKeyDetails?.namedCurve ?? 'unknown'}`);
      return { type: 'ec', bits };
    }
    case 'ed25519':
      return { type: 'ed25519', bits: 0 };
    default:
      throw invalidRequest(`unsupported key type: ${key.asymmetricKeyType ?? 'unknown'}`);
  }
}

/** A private key from PEM (PKCS#1, SEC1 or PKCS#8): its spec and PKCS#8 DER. 400 when it is none of these. */
export function importPrivateKey(pem: string): { spec: KeySpec; pkcs8: Buffer } {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw invalidRequest('error parsing private key: not an unencrypted PEM private key (PKCS#1, SEC1 or PKCS#8)');
  }
  const spec = specOf(key);
  return { spec, pkcs8: key.export({ type: 'pkcs8', format: 'der' }) };
}

/** The spec of a public key (a CSR's or a certificate's SubjectPublicKeyInfo DER). */
export function publicKeySpec(spki: ArrayBuffer | Buffer): KeySpec {
  return specOf(createPublicKey({ key: Buffer.from(spki as ArrayBuffer), format: 'der', type: 'spki' }));
}

/** The SubjectPublicKeyInfo DER of a private key: compared with a certificate's to pair them. */
export function publicKeyDer(pkcs8: Buffer): Buffer {
  return createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
}

/** A stored private key as a WebCrypto signing key (for `hash`, when the type has one). */
export function importSigningKey(pkcs8: Buffer, spec: KeySpec, hash?: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', pkcs8, webAlgorithm(spec, hash), false, ['sign']);
}

/**
 * Issuer keys imported for signing, kept a few minutes as non-extractable WebCrypto handles (the
 * PKCS#8 import costs about as much as the signature): like the data-key cache of DESIGN §4.2, a
 * bounded, time-limited cache of unwrapped keys; the stored key stays the authority, and deleting
 * a key, or the mount stopping, empties it.
 */
export class SigningKeys {
  private readonly kept = new Map<string, { key: Promise<CryptoKey>; until: number }>();

  constructor(private readonly ttlMs = 5 * 60_000) {}

  get(id: string, pkcs8Base64: string, spec: KeySpec, hash: string | undefined, now = Date.now()): Promise<CryptoKey> {
    const name = `${id}/${hash ?? ''}`;
    const hit = this.kept.get(name);
    if (hit && hit.until > now) return hit.key;
    const key = importSigningKey(Buffer.from(pkcs8Base64, 'base64'), spec, hash);
    if (this.kept.size >= 64) this.kept.clear();
    this.kept.set(name, { key, until: now + this.ttlMs });
    key.catch(() => this.kept.delete(name));
    return key;
  }

  clear(): void {
    this.kept.clear();
  }
}

/** A stored private key as a key pair (for signing a CSR with it). */
export async function importKeyPair(pkcs8: Buffer, spec: KeySpec): Promise<CryptoKeyPair> {
  const algorithm = webAlgorithm(spec, 'SHA-256');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', publicKeyDer(pkcs8), algorithm, true, ['verify']);
  return { privateKey, publicKey };
}

/**
 * A private key as Vault answers it: private_key_format "der" (the default) is PKCS#1 for RSA, SEC1
 * for EC and PKCS#8 for Ed25519; "pkcs8" is always PKCS#8. format "der" answers base64 DER, else PEM.
 */
export function formatPrivateKey(privateKey: CryptoKey, spec: KeySpec, privateKeyFormat: string, format: string): string {
  const key = KeyObject.from(privateKey);
  const type = privateKeyFormat === 'pkcs8' || spec.type === 'ed25519' ? 'pkcs8' : spec.type === 'rsa' ? 'pkcs1' : 'sec1';
  if (format === 'der') return key.export({ type, format: 'der' }).toString('base64');
  return key.export({ type, format: 'pem' }) as string;
}

/** Checks a private_key_format value (Vault's "der", "pem" or "pkcs8"; "" is "der"). */
export function checkPrivateKeyFormat(value: string): string {
  if (value === '' || value === 'der' || value === 'pem') return 'der';
  if (value === 'pkcs8') return 'pkcs8';
  throw invalidRequest(`invalid private_key_format "${value}": "der" or "pkcs8"`);
}

