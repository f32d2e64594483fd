import { CofferError } from '../../framework/errors.js';
import { compactVerify, decodeProtectedHeader, type JWSHeaderParameters } from 'jose';
import type { Claims } from './claims.js';
import { reason } from './failure.js';
import type { KeySource } from './keys.js';

/** Why a token was refused; the login answers 400 "error validating token: <message>". */
export class TokenRejected extends CofferError {
  constructor(message: string) {
    super('login_refused', message);
    this.name = 'TokenRejected';
  }
}

/**
 * Checks a compact JWS's signature against the key source and returns its claims. The algorithm
 * must be in `algorithms` before any key is looked up, so `alg: none`, HMAC with a public key as
 * the secret, or an algorithm the operator did not allow never reach a verifier.
 */
export async function verifySignature(jwt: string, keys: KeySource, algorithms: string[]): Promise<Claims> {
  if (jwt.split('.').length !== 3) throw new TokenRejected('token is not a signed JWT in compact form');
  let header: JWSHeaderParameters;
  try {
    header = decodeProtectedHeader(jwt);
  } catch {
    throw new TokenRejected('token header is not valid');
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === '' || alg.toLowerCase() === 'none') {
    throw new TokenRejected('unsigned tokens (alg "none") are not accepted');
  }
  if (!algorithms.includes(alg)) {
    throw new TokenRejected(`token is signed with "${alg}", which is not one of the supported algorithms [${algorithms.join(', ')}]`);
  }
  // A JWT must not use an unencoded payload (RFC 7797 §7); jose's compactVerify alone would allow it.
  if (header.b64 === false) throw new TokenRejected('token uses an unencoded payload');

  let candidates;
  try {
    candidates = await keys.keysFor(header);
  } catch (err) {
    throw new TokenRejected(`fetching keys: ${reason(err)}`);
  }
  for (const key of candidates) {
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(jwt, key, { algorithms }));
    } catch {
      continue;
    }
    return parseClaims(payload);
  }
  throw new TokenRejected('no known key successfully validated the token signature');
}

function parseClaims(payload: Uint8Array): Claims {
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    throw new TokenRejected('token payload is not JSON');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new TokenRejected('token payload is not a JSON object');
  return claims as Claims;
}

/** What a role and config expect of the registered claims. Leeways in seconds, already resolved. */
export interface Expected {
  issuer: string | undefined;
  audiences: string[];
  subject: string;
  now: number;
  clockSkew: number;
  expirationLeeway: number;
  notBeforeLeeway: number;
}

/** Checks iss, sub, aud, exp, nbf and iat (RFC 7519 §4.1) the way Vault's jwt login does. */
export function checkRegisteredClaims(claims: Claims, expected: Expected): void {
  if (expected.issuer !== undefined && claims.iss !== expected.issuer) throw new TokenRejected('invalid issuer (iss) claim');
  if (expected.subject && claims.sub !== expected.subject) throw new TokenRejected('sub claim does not match bound subject');
  checkAudience(claims.aud, expected.audiences);

  const { exp, nbf, iat } = claims;
  if (exp === undefined) throw new TokenRejected('token has no expiry (exp) claim');
  if (!isNumericDate(exp)) throw new TokenRejected('exp claim is not a number');
  if (expected.now > exp + expected.expirationLeeway + expected.clockSkew) throw new TokenRejected('token is expired (exp)');
  if (nbf !== undefined) {
    if (!isNumericDate(nbf)) throw new TokenRejected('nbf claim is not a number');
    if (expected.now + expected.notBeforeLeeway + expected.clockSkew < nbf) throw new TokenRejected('token not valid yet (nbf)');
  }
  if (iat !== undefined) {
    if (!isNumericDate(iat)) throw new TokenRejected('iat claim is not a number');
    if (expected.now + expected.notBeforeLeeway + expected.clockSkew < iat) throw new TokenRejected('token issued in the future (iat)');
  }
}

const isNumericDate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function checkAudience(aud: unknown, bound: string[]): void {
  if (aud === undefined) {
    if (bound.length > 0) throw new TokenRejected('aud claim does not match any bound audience');
    return;
  }
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a) => typeof a === 'string') ? (aud as string[]) : undefined;
  if (!audiences) throw new TokenRejected('aud claim is not a string or a list of strings');
  // Vault refuses a token meant for someone when the role did not say who it must be meant for.
  if (bound.length === 0) {
    if (audiences.length > 0) throw new TokenRejected('audience claim found in JWT but no audiences bound to the role');
    return;
  }
  if (!audiences.some((a) => bound.includes(a))) throw new TokenRejected('aud claim does not match any bound audience');
}
