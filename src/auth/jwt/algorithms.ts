import type { KeyObject } from 'node:crypto';

/** The signing algorithms Vault's jwt_supported_algs accepts. Symmetric (HS*) and `none` are never among them. */
export const SUPPORTED_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;

/**
 * Used when jwt_supported_algs is empty. Vault allows every algorithm for JWT roles; Coffer starts
 * from RS256 only (as Vault does for OIDC), so a deployment opts in to any other algorithm.
 */
export const DEFAULT_ALGS = ['RS256'];

const EC_CURVES: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/** Whether a static public key can verify signatures made with `alg` (so a key of the wrong kind is not tried). */
export function keyFitsAlgorithm(key: KeyObject, alg: string): boolean {
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS')) return type === 'rsa';
  if (alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  if (alg.startsWith('ES')) return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === EC_CURVES[alg];
  if (alg === 'EdDSA') return type === 'ed25519' || type === 'ed448';
  return false;
}
