import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { CofferError } from '../../framework/errors.js';

/** Who a service-account JWT says it is. */
export interface ServiceAccount {
  namespace: string;
  name: string;
  /** Empty when the token does not carry one. */
  uid: string;
  /** Only legacy (Secret-based) tokens name their Secret. */
  secretName: string;
}

/** The signing algorithms Kubernetes issues service-account tokens with (as Vault allows them). */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];

/** A refused login: 403 with the reason, which tells the holder of the JWT nothing it does not know. */
export const loginRefused = (why: string) => new CofferError('login_refused', why);

const USERNAME_PREFIX = 'system:serviceaccount:';

/** "system:serviceaccount:<ns>:<name>" → its parts; undefined for any other user name. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(USERNAME_PREFIX)) return undefined;
  const parts = username.slice(USERNAME_PREFIX.length).split(':');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  return { namespace: parts[0]!, name: parts[1]! };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * The service account named by a JWT's claims: projected tokens carry `kubernetes.io: {namespace,
 * serviceaccount: {name, uid}}`, legacy Secret-based tokens flat `kubernetes.io/serviceaccount/*`
 * claims; projected wins when both are there, as in Vault. A `sub` of the service-account form
 * must agree. 403 when the token names no service account.
 */
export function serviceAccountFromClaims(claims: JWTPayload): ServiceAccount {
  const projected = obj(claims['kubernetes.io']);
  const sa = Object.keys(projected).length > 0
    ? {
        namespace: str(projected.namespace),
        name: str(obj(projected.serviceaccount).name),
        uid: str(obj(projected.serviceaccount).uid),
        secretName: '',
      }
    : {
        namespace: str(claims['kubernetes.io/serviceaccount/namespace']),
        name: str(claims['kubernetes.io/serviceaccount/service-account.name']),
        uid: str(claims['kubernetes.io/serviceaccount/service-account.uid']),
        secretName: str(claims['kubernetes.io/serviceaccount/secret.name']),
      };
  if (sa.namespace === '' || sa.name === '') throw loginRefused('the JWT does not name a Kubernetes service account');
  if (typeof claims.sub === 'string' && claims.sub.startsWith(USERNAME_PREFIX)) {
    const subject = parseServiceAccountUsername(claims.sub);
    if (!subject || subject.namespace !== sa.namespace || subject.name !== sa.name) {
      throw loginRefused('the JWT subject does not match its service account claims');
    }
  }
  return sa;
}

/** The claims of a JWT without checking its signature (TokenReview mode: the API server vouches). */
export function decodeUnverified(jwt: string): JWTPayload {
  let alg: unknown;
  let claims: JWTPayload;
  try {
    alg = decodeProtectedHeader(jwt).alg;
    claims = decodeJwt(jwt);
  } catch {
    throw loginRefused('could not parse the JWT');
  }
  if (typeof alg !== 'string' || !ALLOWED_ALGORITHMS.includes(alg)) {
    throw loginRefused(`JWT signing algorithm ${JSON.stringify(alg ?? null)} is not allowed`);
  }
  return claims;
}

/** Audiences of a JWT's "aud" claim (a string or a list). */
export function audiencesOf(claims: JWTPayload): string[] {
  if (typeof claims.aud === 'string') return [claims.aud];
  return Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : [];
}
