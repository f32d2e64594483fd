import type { KeyObject } from 'node:crypto';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyOptions, type LocalJWKSet } from 'jose';
import { CofferError } from '../../framework/errors.js';
import { publicKeyFromPem } from './config.js';
import { OutboundFailure, sendOutbound } from './outbound-http.js';
import { ALLOWED_ALGORITHMS, loginRefused } from './service-account.js';

/** A fetched JWKS is used this long before it is fetched again. */
const JWKS_MAX_AGE_MS = 5 * 60_000;
/**
 * An unknown key id triggers a refetch (the issuer rotated its keys), but at most this often: the
 * kid comes from the unauthenticated caller, who must not be able to make us hammer the issuer.
 */
const JWKS_REFETCH_COOLDOWN_MS = 10_000;
/** Clock skew tolerated on exp and nbf, in seconds. */
const CLOCK_TOLERANCE_S = 60;

interface CachedJwks {
  keys: LocalJWKSet;
  fetchedAt: number;
}

/** What a token must satisfy besides its signature. */
export interface OfflineExpectations {
  issuer?: string;
  audience?: string;
  /**
   * Offline, a token without exp would be valid forever with nothing to revoke it, so exp is
   * required; beside a TokenReview (pem_keys) legacy Secret-based tokens without exp still pass, as in Vault.
   */
  requireExpiry: boolean;
}

/** Where the signing keys come from: the configured JWKS URL and/or pem_keys. */
export interface KeySources {
  jwksUrl: string;
  pemKeys: string[];
  /** CA bundle for an https JWKS URL (kubernetes_ca_cert): the JWKS is often served by the API server. */
  caCert: string | undefined;
}

const KEY_MISMATCH_CODES = new Set(['ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS']);

/** Whether a verification error means "not this key" (so another key may still fit). */
function isKeyMismatch(err: unknown): boolean {
  // jose answers a key of the wrong type for the header's alg (an EC key for RS256) with a TypeError.
  return err instanceof TypeError || (err instanceof errors.JOSEError && KEY_MISMATCH_CODES.has(err.code));
}

/** 403 naming why a token whose signature or claims failed is refused. */
function refusal(err: unknown): CofferError {
  if (err instanceof errors.JWTExpired) return loginRefused('the service account JWT has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return loginRefused('the JWT issuer is not the configured issuer');
    if (err.claim === 'aud') return loginRefused("the JWT audience does not match the role's audience");
    if (err.claim === 'nbf') return loginRefused('the service account JWT is not valid yet');
    if (err.claim === 'exp' && err.reason === 'missing') return loginRefused('the JWT has no expiry (exp); offline verification requires one');
    return loginRefused(`the JWT claim "${err.claim}" is not valid`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return loginRefused('the JWT signing algorithm is not allowed');
  if (isKeyMismatch(err)) return loginRefused('the JWT signature does not verify with any configured key');
  if (err instanceof errors.JOSEError) return loginRefused('could not parse the JWT');
  throw err;
}

/**
 * Verifies service-account JWTs locally (offline mode, or pem_keys in TokenReview mode): signature
 * with the issuer's keys, then exp, nbf, and the expected issuer and audience.
 * One instance per mount; it caches the fetched JWKS, and the config path clears it on every write.
 */
export class OfflineVerifier {
  private readonly cache = new Map<string, CachedJwks>();
  private readonly inflight = new Map<string, Promise<CachedJwks>>();

  constructor(private readonly timeoutMs: () => number) {}

  /** Forgets fetched keys (the configuration changed). */
  clear(): void {
    this.cache.clear();
  }

  /** The verified claims; 403 when the token is not acceptable, 502 when the JWKS cannot be had. */
  async verify(jwt: string, sources: KeySources, expect: OfflineExpectations): Promise<JWTPayload> {
    const options: JWTVerifyOptions = {
      algorithms: ALLOWED_ALGORITHMS,
      ...(expect.requireExpiry ? { requiredClaims: ['exp'] } : {}),
      clockTolerance: CLOCK_TOLERANCE_S,
      ...(expect.issuer ? { issuer: expect.issuer } : {}),
      ...(expect.audience ? { audience: expect.audience } : {}),
    };
    let lastMismatch: unknown = new errors.JWKSNoMatchingKey();
    if (sources.jwksUrl !== '') {
      try {
        return await this.verifyWithJwks(jwt, sources, options);
      } catch (err) {
        if (!isKeyMismatch(err)) throw refusal(err);
        lastMismatch = err;
      }
    }
    for (const pem of sources.pemKeys) {
      const key: KeyObject = publicKeyFromPem(pem);
      try {
        return (await jwtVerify(jwt, key, options)).payload;
      } catch (err) {
        if (!isKeyMismatch(err)) throw refusal(err);
        lastMismatch = err;
      }
    }
    throw refusal(lastMismatch);
  }

  private async verifyWithJwks(jwt: string, sources: KeySources, options: JWTVerifyOptions): Promise<JWTPayload> {
    const cached = await this.keySet(sources, false);
    try {
      return (await jwtVerify(jwt, cached.keys, options)).payload;
    } catch (err) {
      if (!isKeyMismatch(err) || Date.now() - cached.fetchedAt < JWKS_REFETCH_COOLDOWN_MS) throw err;
      // The issuer may have rotated its keys since we fetched them: look once more.
      const fresh = await this.keySet(sources, true);
      return (await jwtVerify(jwt, fresh.keys, options)).payload;
    }
  }

  private async keySet(sources: KeySources, refresh: boolean): Promise<CachedJwks> {
    const url = sources.jwksUrl;
    const cached = this.cache.get(url);
    if (cached && !refresh && Date.now() - cached.fetchedAt < JWKS_MAX_AGE_MS) return cached;
    let pending = this.inflight.get(url);
    if (!pending) {
      pending = this.fetchJwks(url, sources.caCert).finally(() => this.inflight.delete(url));
      this.inflight.set(url, pending);
    }
    try {
      const fetched = await pending;
      this.cache.set(url, fetched);
      return fetched;
    } catch (err) {
      // An issuer that is briefly unreachable should not stop logins the keys we hold can verify.
      if (cached) return cached;
      throw err;
    }
  }

  private async fetchJwks(url: string, caCert: string | undefined): Promise<CachedJwks> {
    const failed = (why: string) => new CofferError('upstream_failed', 'could not fetch the JWKS', { detail: `${url}: ${why}` });
    let answer;
    try {
      answer = await sendOutbound({ method: 'GET', url: new URL(url), ca: caCert, timeoutMs: this.timeoutMs() });
    } catch (err) {
      if (err instanceof OutboundFailure) throw failed(err.detail ?? err.kind);
      throw err;
    }
    if (answer.status !== 200) throw failed(`HTTP ${answer.status}`);
    let jwks: JSONWebKeySet;
    try {
      jwks = JSON.parse(answer.body) as JSONWebKeySet;
      if (!Array.isArray(jwks.keys)) throw new Error('no keys');
    } catch {
      throw failed('the answer is not a JSON Web Key Set');
    }
    try {
      return { keys: createLocalJWKSet(jwks), fetchedAt: Date.now() };
    } catch {
      throw failed('the answer is not a valid JSON Web Key Set');
    }
  }
}
