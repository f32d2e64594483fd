import { invalidRequest } from '../../framework/errors.js';

/** Vault's hash algorithm names (keysutil.HashTypeMap) and Node's (OpenSSL's) name for each. */
const NODE_NAME = {
  sha1: 'sha1',
  'sha2-224': 'sha224',
  'sha2-256': 'sha256',
  'sha2-384': 'sha384',
  'sha2-512': 'sha512',
  'sha3-224': 'sha3-224',
  'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384',
  'sha3-512': 'sha3-512',
} as const;
export type HashAlgorithm = keyof typeof NODE_NAME;

/** transit/hash takes the SHA-2 and SHA-3 families (no SHA-1, as in Vault's docs). */
export const HASH_PATH_ALGORITHMS: readonly HashAlgorithm[] = ['sha2-224', 'sha2-256', 'sha2-384', 'sha2-512', 'sha3-224', 'sha3-256', 'sha3-384', 'sha3-512'];

export const isHashAlgorithm = (name: string): name is HashAlgorithm => Object.hasOwn(NODE_NAME, name);

/** Node's digest name for a Vault algorithm name. */
export const nodeDigest = (algorithm: HashAlgorithm): string => NODE_NAME[algorithm];

/** Digest sizes in bytes, to check a prehashed input's length. */
export const DIGEST_BYTES: Record<HashAlgorithm, number> = {
  sha1: 20,
  'sha2-224': 28,
  'sha2-256': 32,
  'sha2-384': 48,
  'sha2-512': 64,
  'sha3-224': 28,
  'sha3-256': 32,
  'sha3-384': 48,
  'sha3-512': 64,
};

/** DER of each algorithm's OID (RFC 8017 appendix B.1, NIST's registry for SHA-3). */
const OID: Record<HashAlgorithm, string> = {
  sha1: '2b0e03021a',
  'sha2-224': '608648016503040204',
  'sha2-256': '608648016503040201',
  'sha2-384': '608648016503040202',
  'sha2-512': '608648016503040203',
  'sha3-224': '608648016503040207',
  'sha3-256': '608648016503040208',
  'sha3-384': '608648016503040209',
  'sha3-512': '60864801650304020a',
};

/**
 * The DER DigestInfo that PKCS #1 v1.5 signs around a digest (RFC 8017 §9.2): SEQUENCE {
 * AlgorithmIdentifier { OID, NULL }, OCTET STRING digest }. Used to sign a prehashed input with
 * RSA's private-key operation, since Node's sign() always hashes what it is given.
 */
export function digestInfo(algorithm: HashAlgorithm, digest: Buffer): Buffer {
  const oid = Buffer.from(OID[algorithm], 'hex');
  const algorithmId = Buffer.concat([Buffer.from([0x30, oid.length + 4, 0x06, oid.length]), oid, Buffer.from([0x05, 0x00])]);
  const octets = Buffer.concat([Buffer.from([0x04, digest.length]), digest]);
  return Buffer.concat([Buffer.from([0x30, algorithmId.length + octets.length]), algorithmId, octets]);
}

/** `name` as a Vault hash algorithm (one of `allowed`, when given), or a 400 with `message`. */
export function checkedHashAlgorithm(name: string, allowed: readonly HashAlgorithm[] | undefined, message: (name: string) => string): HashAlgorithm {
  if (!isHashAlgorithm(name) || (allowed && !allowed.includes(name))) throw invalidRequest(message(name));
  return name;
}
