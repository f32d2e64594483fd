import { constants, privateEncrypt, publicDecrypt, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { CofferError, invalidRequest } from '../../framework/errors.js';
import { splitVersioned, strictBase64, versioned } from './cipher.js';
import { DIGEST_BYTES, digestInfo, nodeDigest, type HashAlgorithm } from './hash-algorithms.js';
import { derivedEd25519Key, ed25519PublicBytes, privateKeyOf, publicKeyOf } from './key-material.js';
import { checkDecryptionVersion, versionEntry, type KeyPolicy } from './key-policy.js';
import { RSA_BITS, capabilities, isEcdsa, isRsa, type KeyType } from './key-types.js';

export type SignatureAlgorithm = 'pss' | 'pkcs1v15';
export type Marshaling = 'asn1' | 'jws';
/** RSA-PSS salt: "auto" (the largest when signing, any when verifying, as Go's PSSSaltLengthAuto), "hash" (the digest's length), or a byte count. */
export type SaltLength = 'auto' | 'hash' | number;

/** How one sign or verify runs (sign/:name and verify/:name fields, already checked). */
export interface SignOptions {
  hashAlgorithm: HashAlgorithm;
  signatureAlgorithm: SignatureAlgorithm;
  marshaling: Marshaling;
  prehashed: boolean;
  saltLength: SaltLength;
  context: Buffer;
}

const SIGNATURE_WORDS = {
  noPrefix: 'invalid signature: no prefix',
  fields: 'invalid signature: wrong number of fields',
  version: 'invalid signature: version number could not be decoded',
};

/** Refuses a key type that cannot sign, in Vault's words (`verb`: "signing" or "verification"). */
export function requireSigningKey(type: KeyType, verb: 'signing' | 'verification'): void {
  if (!capabilities(type).signing) throw invalidRequest(`key type ${type} does not support ${verb}`);
}

/**
 * Node's sign() and verify() always hash their input, so a precomputed digest can be signed only
 * where the scheme is a raw private-key operation over it: RSA PKCS #1 v1.5 (DigestInfo ‖ digest).
 * ECDSA and RSA-PSS over a digest would need the scheme written by hand here; refused instead.
 */
function refusePrehashed(type: KeyType, options: SignOptions): void {
  if (!options.prehashed || type === 'ed25519') return;
  if (isRsa(type) && options.signatureAlgorithm === 'pkcs1v15') return;
  const scheme = isRsa(type) ? 'RSA-PSS' : 'ECDSA';
  throw invalidRequest(`prehashed input is not supported for ${scheme} signatures by this server; send the input itself, or use signature_algorithm=pkcs1v15 with an RSA key`);
}

function checkedDigest(input: Buffer, algorithm: HashAlgorithm): Buffer {
  if (input.byteLength !== DIGEST_BYTES[algorithm]) throw invalidRequest(`prehashed input must be a ${algorithm} digest of ${DIGEST_BYTES[algorithm]} bytes`);
  return input;
}

function pssSaltLength(type: KeyType, options: SignOptions, signing: boolean): number {
  const digest = DIGEST_BYTES[options.hashAlgorithm];
  if (options.saltLength === 'auto') return signing ? constants.RSA_PSS_SALTLEN_MAX_SIGN : constants.RSA_PSS_SALTLEN_AUTO;
  if (options.saltLength === 'hash') return digest;
  // The bound Go's rsa package (and so Vault) puts on a PSS salt: emLen - 2 - hLen.
  const max = Math.ceil((RSA_BITS[type as keyof typeof RSA_BITS] - 1) / 8) - 2 - digest;
  if (options.saltLength < 0 || options.saltLength > max) throw invalidRequest(`requested salt length ${options.saltLength} is invalid`);
  return options.saltLength;
}

function encodeSignature(bytes: Buffer, marshaling: Marshaling): string {
  return marshaling === 'jws' ? bytes.toString('base64url') : bytes.toString('base64');
}

function decodeSignature(text: string, marshaling: Marshaling): Buffer {
  const bytes = marshaling === 'jws' ? (/^[A-Za-z0-9_-]*$/.test(text) && text.length % 4 !== 1 ? Buffer.from(text, 'base64url') : undefined) : strictBase64(text);
  if (!bytes) throw invalidRequest('invalid base64 signature value');
  return bytes;
}

function ed25519Key(policy: KeyPolicy, version: number, context: Buffer): KeyObject {
  const entry = versionEntry(policy, version);
  return policy.derived ? derivedEd25519Key(entry, context) : privateKeyOf('ed25519', entry);
}

/**
 * Signs `input` with one version, as Vault does: ed25519 over the input itself (its own hash);
 * ECDSA over the chosen hash, DER (asn1) or r ‖ s (jws); RSA with PSS (default) or PKCS #1 v1.5.
 * A derived ed25519 key also answers its public key, which depends on the context.
 */
export function signInput(policy: KeyPolicy, version: number, input: Buffer, options: SignOptions): { signature: string; publicKey?: Buffer } {
  const type = policy.type;
  refusePrehashed(type, options);
  let bytes: Buffer;
  let publicKey: Buffer | undefined;
  if (type === 'ed25519') {
    const key = ed25519Key(policy, version, options.context);
    bytes = sign(null, input, key);
    if (policy.derived) publicKey = ed25519PublicBytes(key);
  } else if (isEcdsa(type)) {
    bytes = sign(nodeDigest(options.hashAlgorithm), input, { key: privateKeyOf(type, versionEntry(policy, version)), dsaEncoding: options.marshaling === 'jws' ? 'ieee-p1363' : 'der' });
  } else if (isRsa(type)) {
    const key = privateKeyOf(type, versionEntry(policy, version));
    if (options.signatureAlgorithm === 'pkcs1v15') {
      bytes = options.prehashed
        ? privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo(options.hashAlgorithm, checkedDigest(input, options.hashAlgorithm)))
        : sign(nodeDigest(options.hashAlgorithm), input, { key, padding: constants.RSA_PKCS1_PADDING });
    } else {
      bytes = sign(nodeDigest(options.hashAlgorithm), input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pssSaltLength(type, options, true) });
    }
  } else {
    throw invalidRequest(`key type ${type} does not support signing`);
  }
  return { signature: versioned(version, encodeSignature(bytes, options.marshaling)), ...(publicKey ? { publicKey } : {}) };
}

/** Whether `signature` ("vault:v<N>:...") is a valid signature of `input` by the key's version N. */
export function verifyInput(policy: KeyPolicy, signature: string, input: Buffer, options: SignOptions): boolean {
  const type = policy.type;
  const { version, rest } = splitVersioned(signature, SIGNATURE_WORDS);
  checkDecryptionVersion(policy, version, 'signature');
  const bytes = decodeSignature(rest, options.marshaling);
  refusePrehashed(type, options);
  try {
    if (type === 'ed25519') return verify(null, input, ed25519Key(policy, version, options.context), bytes);
    const key = publicKeyOf(type, versionEntry(policy, version));
    if (isEcdsa(type)) return verify(nodeDigest(options.hashAlgorithm), input, { key, dsaEncoding: options.marshaling === 'jws' ? 'ieee-p1363' : 'der' }, bytes);
    if (options.signatureAlgorithm === 'pkcs1v15') {
      if (!options.prehashed) return verify(nodeDigest(options.hashAlgorithm), input, { key, padding: constants.RSA_PKCS1_PADDING }, bytes);
      const expected = digestInfo(options.hashAlgorithm, checkedDigest(input, options.hashAlgorithm));
      const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, bytes);
      return recovered.byteLength === expected.byteLength && timingSafeEqual(recovered, expected);
    }
    return verify(nodeDigest(options.hashAlgorithm), input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pssSaltLength(type, options, false) }, bytes);
  } catch (err) {
    if (err instanceof CofferError) throw err;
    // OpenSSL refuses signature bytes it cannot even parse (wrong length, not DER): not a valid signature.
    return false;
  }
}
