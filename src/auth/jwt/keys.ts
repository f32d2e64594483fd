import type { KeyObject } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors, type JWSHeaderParameters } from 'jose';
import { keyFitsAlgorithm } from './algorithms.js';
import type { JwtConfig } from './config-model.js';
import { fetchJson, fetchTrusting } from './http-fetch.js';
import { parsePublicKeyPem } from './pem.js';

/** A key jose can verify with. */
export type VerifyKey = CryptoKey | KeyObject;

/** Where a mount's verification keys come from: static PEMs, a JWKS URL, or OIDC discovery. */
export interface KeySource {
  /** The keys that may have signed a token with this header (empty when none fits). */
  keysFor(header: JWSHeaderParameters): Promise<VerifyKey[]>;
  /** The issuer tokens must carry when the config has no bound_issuer (discovery's `issuer`). */
  expectedIssuer(): Promise<string | undefined>;
}

/**
 * A fetch for an unknown `kid` is allowed at most this often. Vault refetches on every unknown kid;
 * a short cooldown keeps rotation prompt while a flood of made-up kids cannot hammer the IdP.
 */
const UNKNOWN_KID_COOLDOWN_MS = 1_000;
/** Keys are refreshed at least this often even when every kid is known (jose's default). */
const JWKS_MAX_AGE_MS = 10 * 60 * 1000;

/** Builds the key source a config describes. Remote sources fetch lazily and cache. */
export function keySourceFor(config: JwtConfig): KeySource {
  if (config.jwt_validation_pubkeys.length > 0) return staticKeys(config.jwt_validation_pubkeys);
  if (config.jwks_url) return remoteKeys(config.jwks_url, config.jwks_ca_pem, undefined);
  return discoveredKeys(config.oidc_discovery_url, config.oidc_discovery_ca_pem);
}

function staticKeys(pems: string[]): KeySource {
  const keys = pems.map(parsePublicKeyPem);
  return {
    keysFor: async (header) => keys.filter((key) => typeof header.alg === 'string' && keyFitsAlgorithm(key, header.alg)),
    expectedIssuer: async () => undefined,
  };
}

function remoteKeys(url: string, caPem: string, issuer: string | undefined): KeySource {
  const jwks = createRemoteJWKSet(new URL(url), {
    cooldownDuration: UNKNOWN_KID_COOLDOWN_MS,
    cacheMaxAge: JWKS_MAX_AGE_MS,
    [customFetch]: fetchTrusting(caPem),
  });
  return {
    keysFor: async (header) => {
      try {
        return [await jwks(header)];
      } catch (err) {
        if (err instanceof errors.JWKSNoMatchingKey) return [];
        // Several keys fit a header without a kid: each is tried in turn.
        if (err instanceof errors.JWKSMultipleMatchingKeys) {
          const keys: VerifyKey[] = [];
          for await (const key of err) keys.push(key);
          return keys;
        }
        throw err;
      }
    },
    expectedIssuer: async () => issuer,
  };
}

/** The parts of an OIDC discovery document this method uses. */
export interface DiscoveryDocument {
  issuer: string;
  jwks_uri: string;
}

/**
 * Fetches `<base>/.well-known/openid-configuration` and checks it as OIDC Discovery 1.0 (§4.3) asks:
 * the `issuer` it names must be the URL it was fetched from, and it must name a `jwks_uri`.
 */
export async function fetchDiscovery(baseUrl: string, caPem: string): Promise<DiscoveryDocument> {
  const base = baseUrl.replace(/\/+$/, '');
  const doc = await fetchJson(`${base}/.well-known/openid-configuration`, caPem);
  if (typeof doc !== 'object' || doc === null) throw new Error('the discovery document is not a JSON object');
  const { issuer, jwks_uri: jwksUri } = doc as Record<string, unknown>;
  if (typeof issuer !== 'string' || issuer.replace(/\/+$/, '') !== base) {
    throw new Error(`issuer did not match the issuer returned by provider, expected "${base}" got ${JSON.stringify(issuer)}`);
  }
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) throw new Error('the discovery document has no valid jwks_uri');
  return { issuer, jwks_uri: jwksUri };
}

function discoveredKeys(baseUrl: string, caPem: string): KeySource {
  // The discovery document is fetched once per config (as Vault keeps its provider); a failed fetch is retried next login.
  let pending: Promise<KeySource & { issuer: string }> | undefined;
  const resolve = () => {
    pending ??= fetchDiscovery(baseUrl, caPem).then(
      (doc) => ({ ...remoteKeys(doc.jwks_uri, caPem, doc.issuer), issuer: doc.issuer }),
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
  return {
    keysFor: async (header) => (await resolve()).keysFor(header),
    expectedIssuer: async () => (await resolve()).issuer,
  };
}

/** Fetches a JWKS URL once and checks that it holds a usable key set (config write, as Vault checks). */
export async function checkJwksUrl(url: string, caPem: string): Promise<void> {
  const doc = await fetchJson(url, caPem);
  createLocalJWKSet(doc as Parameters<typeof createLocalJWKSet>[0]);
}
