import type { JWK } from 'jose';

// Vault's identity token provider (identity/oidc/*): what its config, named keys and roles are, and
// where they live. Everything is kept beside the namespace's identity records (the identity
// store's own area, under `oidc/`), so it is sealed by the barrier and goes with the namespace.

/** The signing algorithms Vault offers for a named key (and announces in its discovery document). */
export const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const isAlgorithm = (value: string): value is Algorithm => (ALGORITHMS as readonly string[]).includes(value);

/** Claims the token provider sets itself; a role template may not name them at its top level (Vault's reservedClaims). */
export const RESERVED_CLAIMS = ['iat', 'aud', 'exp', 'iss', 'sub', 'namespace', 'nonce', 'auth_time', 'at_hash', 'c_hash'] as const;

/** Vault refuses a rotation_period under a minute; tests of automatic rotation lower it (CoreOptions). */
export const MIN_ROTATION_PERIOD_SECONDS = 60;
/** verification_ttl may be at most this many rotation periods (Vault's check). */
export const MAX_VERIFICATION_PERIODS = 10;
export const DAY_SECONDS = 24 * 60 * 60;

/** identity/oidc/config. `issuer` is the configured base (scheme://host[:port]); "" means the server's api address. */
export interface OidcConfig {
  issuer: string;
}

/** A private signing key as a JWK (it holds the public part too), with the id tokens name it by. */
export interface SigningKey {
  kid: string;
  jwk: JWK;
}

/**
 * A public key published at .well-known/keys. `expireAt` (ms since the epoch) is set when its
 * private half stops signing (a rotation): past it the key is no longer published; 0 while the key
 * signs, or will sign next.
 */
export interface PublishedKey {
  kid: string;
  jwk: JWK;
  expireAt: number;
}

/**
 * A named key (Vault's namedKey): its settings, the key signing now, the one that signs after the
 * next rotation (published already, so a verifier's cached key set holds it before it is used), and
 * every public key still published.
 */
export interface NamedKey {
  algorithm: Algorithm;
  /** Seconds. */
  rotationPeriod: number;
  /** Seconds a rotated-out public key stays published. */
  verificationTtl: number;
  /** Client ids of the roles that may sign with it; "*" for every role. */
  allowedClientIds: string[];
  /** When the key rotates by itself (ms since the epoch). */
  nextRotation: number;
  signingKey: SigningKey;
  nextSigningKey: SigningKey;
  keyRing: PublishedKey[];
}

/** A role (Vault's identity/oidc/role): what tokens made against it carry and which key signs them. */
export interface OidcRole {
  key: string;
  /** The claims template (JSON with identity directives), already decoded when it was sent as base64. */
  template: string;
  /** Seconds. */
  ttl: number;
  clientId: string;
}

/** Storage keys, relative to the OIDC area (`oidc/` in the identity store's area). */
export const OIDC_LAYOUT = {
  config: 'config',
  keys: 'key/',
  roles: 'role/',
  key: (name: string) => `key/${name}`,
  role: (name: string) => `role/${name}`,
} as const;

/** The prefix of the OIDC area inside the identity store's area. */
export const OIDC_AREA = 'oidc/';

/** Vault's framework.GenericNameRegex: what a key or role name may be. */
export const NAME_PATTERN = /^\w(?:[\w.-]*\w)?$/;
