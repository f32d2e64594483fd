import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

/** A signing key made for a test: the private half signs, the public half is served or configured. */
export interface SigningKey {
  alg: 'RS256' | 'ES256' | 'EdDSA';
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

let kidCounter = 0;

/** Generates a fresh key pair for `alg` (EdDSA is Ed25519). */
export async function newKey(alg: SigningKey['alg']): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true });
  const kid = `${alg.toLowerCase()}-${++kidCounter}-${Date.now()}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

/** Signs `claims` as a compact JWT with `key` (its alg and kid in the header unless overridden). */
export async function sign(key: SigningKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token (`alg: none`, empty signature), written by hand since no library will make one. */
export function unsignedToken(claims: JWTPayload): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}

/** Replaces a signed token's payload with `claims`, keeping its header and signature. */
export function withPayload(jwt: string, claims: JWTPayload): string {
  const [header, , signature] = jwt.split('.');
  return `${header}.${b64url(claims)}.${signature}`;
}

/**
 * A stub identity provider on 127.0.0.1: serves a JWKS at /jwks and an OIDC discovery document at
 * /.well-known/openid-configuration (issuer = its base URL, jwks_uri = /jwks). The served keys can be
 * swapped while it runs (key rotation).
 */
export class IdpStub {
  private keys: SigningKey[] = [];
  /** How many times the JWKS was fetched. */
  jwksFetches = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Starts the stub over HTTP, or over HTTPS with `tls` (a key and certificate for 127.0.0.1). */
  static async start(keys: SigningKey[] = [], tls?: { key: string; cert: string }): Promise<IdpStub> {
    let stub: IdpStub | undefined;
    const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => stub!.serve(req.url ?? '', res);
    const server = tls ? createTlsServer(tls, handler) : createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    stub = new IdpStub(server, `${tls ? 'https' : 'http'}://127.0.0.1:${port}`);
    stub.setKeys(keys);
    return stub;
  }

  get jwksUrl(): string {
    return `${this.url}/jwks`;
  }

  /** Serves exactly these public keys from now on. */
  setKeys(keys: SigningKey[]): void {
    this.keys = [...keys];
  }

  private serve(path: string, res: import('node:http').ServerResponse): void {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/jwks') {
      this.jwksFetches++;
      json(200, { keys: this.keys.map((k) => k.publicJwk) });
    } else if (path === '/.well-known/openid-configuration') {
      json(200, { issuer: this.url, jwks_uri: this.jwksUrl, id_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'] });
    } else {
      json(404, { error: 'not found' });
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
