import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { AuthBlock } from '../../harness/vault-types.js';

// Shared parts of the Kubernetes auth tests. No Kubernetes API server can run here, so the tests
// start a STAND-IN: a small HTTP server on 127.0.0.1 that answers the TokenReview API
// (POST /apis/authentication.k8s.io/v1/tokenreviews) the way an API server does, for tokens the
// test registers. The JWTs are real, signed with keys generated per test run, and shaped like
// projected service-account tokens.

/** The issuer a cluster puts in projected tokens (its service-account-issuer flag). */
export const CLUSTER_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The API server's own audience, which projected tokens carry by default. */
export const API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

export interface ServiceAccountSpec {
  namespace: string;
  name: string;
  uid?: string;
  pod?: string;
  audience?: string | string[];
  issuer?: string;
  /** Seconds from now; negative for an expired token; null for a token without "exp". */
  expiresIn?: number | null;
  /** Key id to put in the header instead of this issuer's own (a forger's trick). */
  kid?: string;
  /** Extra or overriding claims. */
  claims?: Record<string, unknown>;
}

/** A service-account token issuer: one RSA key, with its JWKS and PEM forms. */
export class TokenIssuer {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly publicJwk: JWK,
    readonly publicPem: string,
    readonly kid: string,
  ) {}

  static async create(): Promise<TokenIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID();
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    return new TokenIssuer(privateKey, jwk, await exportSPKI(publicKey), kid);
  }

  /** The issuer's JSON Web Key Set. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** A JWT with exactly these claims, signed with this issuer's key. */
  async signClaims(claims: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: this.kid, typ: 'JWT' }).sign(this.privateKey);
  }

  /** A projected service-account token for `sa`, signed with this issuer's key. */
  async sign(sa: ServiceAccountSpec): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const uid = sa.uid ?? randomUUID();
    const claims = {
      'kubernetes.io': {
        namespace: sa.namespace,
        serviceaccount: { name: sa.name, uid },
        pod: { name: sa.pod ?? `${sa.name}-7d9f8c-x2x4q`, uid: randomUUID() },
      },
      ...sa.claims,
    };
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: sa.kid ?? this.kid, typ: 'JWT' })
      .setIssuer(sa.issuer ?? CLUSTER_ISSUER)
      .setSubject(`system:serviceaccount:${sa.namespace}:${sa.name}`)
      .setAudience(sa.audience ?? API_AUDIENCE)
      .setIssuedAt(now - 5)
      .setNotBefore(now - 5);
    if (sa.expiresIn !== null) jwt.setExpirationTime(now + (sa.expiresIn ?? 3600));
    return jwt.sign(this.privateKey);
  }
}

/** A legacy Secret-based service-account token: flat claims, no audience, no expiry. */
export async function signLegacy(issuer: TokenIssuer, sa: { namespace: string; name: string; uid: string; secretName: string }): Promise<string> {
  return issuer.signClaims({
    iss: 'kubernetes/serviceaccount',
    sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
    'kubernetes.io/serviceaccount/namespace': sa.namespace,
    'kubernetes.io/serviceaccount/secret.name': sa.secretName,
    'kubernetes.io/serviceaccount/service-account.name': sa.name,
    'kubernetes.io/serviceaccount/service-account.uid': sa.uid,
  });
}

/** An unsigned ("alg": "none") JWT with the given claims. */
export function unsignedJwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}

/** What the stand-in knows about a token it was told about. */
interface KnownToken {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
  /** Revoked tokens are answered authenticated: false, with an error, as an API server does. */
  revoked: boolean;
}

/** One TokenReview request as the stand-in received it. */
export interface ReceivedReview {
  authorization: string | undefined;
  body: { apiVersion?: string; kind?: string; spec?: { token?: string; audiences?: string[] } };
}

export type StandInBehaviour = 'review' | 'error-500' | 'hang';

/**
 * TokenReview STAND-IN for a Kubernetes API server. It accepts a review when the bearer token is
 * the configured reviewer token, or (like an API server granting system:auth-delegator to every
 * service account) a token it knows and considers valid.
 */
export class TokenReviewStandIn {
  readonly reviews: ReceivedReview[] = [];
  behaviour: StandInBehaviour = 'review';
  private readonly known = new Map<string, KnownToken>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly reviewerToken: string,
  ) {}

  static async start(options: { reviewerToken: string; tls?: { key: string; cert: string } }): Promise<TokenReviewStandIn> {
    let standIn: TokenReviewStandIn | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => void standIn!.handle(req, res);
    const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    standIn = new TokenReviewStandIn(server, `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, options.reviewerToken);
    return standIn;
  }

  /** Registers a token as a live service-account token (as the API server would know it). */
  knows(jwt: string, sa: { namespace: string; name: string; uid: string; audiences?: string[] }): void {
    this.known.set(jwt, { ...sa, audiences: sa.audiences ?? [API_AUDIENCE], revoked: false });
  }

  /** Marks a known token as no longer valid (its pod or service account was deleted). */
  revoke(jwt: string): void {
    const entry = this.known.get(jwt);
    assert.ok(entry, 'revoke: the stand-in does not know this token');
    entry.revoked = true;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (req.method !== 'POST' || req.url !== '/apis/authentication.k8s.io/v1/tokenreviews') return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    let body: ReceivedReview['body'] = {};
    try {
      body = JSON.parse(text) as ReceivedReview['body'];
    } catch {
      return send(res, 400, status(400, 'BadRequest', 'invalid JSON'));
    }
    this.reviews.push({ authorization: req.headers.authorization, body });
    if (this.behaviour === 'hang') return; // never answers; the connection is dropped at stop()
    if (this.behaviour === 'error-500') return send(res, 500, status(500, 'InternalError', 'etcdserver: request timed out'));

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const bearerKnown = bearer ? this.known.get(bearer) : undefined;
    if (!bearer || (bearer !== this.reviewerToken && !(bearerKnown && !bearerKnown.revoked))) {
      return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    if (body.kind !== 'TokenReview' || body.apiVersion !== 'authentication.k8s.io/v1') {
      return send(res, 400, status(400, 'BadRequest', 'not a TokenReview'));
    }
    const token = body.spec?.token ?? '';
    const wanted = body.spec?.audiences ?? [API_AUDIENCE];
    const entry = this.known.get(token);
    const review = (reviewStatus: Record<string, unknown>) =>
      send(res, 201, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: body.spec, status: reviewStatus });
    if (!entry) return review({ authenticated: false, error: '[invalid bearer token, square/go-jose: error in cryptographic primitive]', user: {} });
    if (entry.revoked) return review({ authenticated: false, error: '[invalid bearer token, service account token has been invalidated]', user: {} });
    const audiences = wanted.filter((a) => entry.audiences.includes(a));
    if (audiences.length === 0) return review({ authenticated: false, error: '[invalid bearer token, token audiences is invalid for the target audiences]', user: {} });
    return review({
      authenticated: true,
      audiences,
      user: {
        username: `system:serviceaccount:${entry.namespace}:${entry.name}`,
        uid: entry.uid,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${entry.namespace}`, 'system:authenticated'],
      },
    });
  }
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A JWKS endpoint on 127.0.0.1 (what an issuer serves at /openid/v1/jwks); counts its fetches. */
export class JwksServer {
  fetches = 0;
  jwks: { keys: JWK[] };

  private constructor(
    private readonly server: Server,
    readonly url: string,
    initial: { keys: JWK[] },
  ) {
    this.jwks = initial;
  }

  static async start(initial: { keys: JWK[] }): Promise<JwksServer> {
    let jwksServer: JwksServer | undefined;
    const server = createHttpServer((req, res) => {
      if (req.url !== '/openid/v1/jwks') return send(res, 404, { error: 'not found' });
      jwksServer!.fetches++;
      send(res, 200, jwksServer!.jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    jwksServer = new JwksServer(server, `http://127.0.0.1:${port}/openid/v1/jwks`, initial);
    return jwksServer;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A login's `auth` block (test/harness/vault-types.ts). */
export type LoginAuth = AuthBlock;
