import assert from 'node:assert/strict';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { api, type ApiOptions, type ApiResponse } from '../harness/http.js';

/** The harness's `api` signature, so helpers can run over either transport (`api` or `closingApi`). */
export type Api = typeof api;

/** `api`'s options, where a header may also be a list: sent as that many header lines, as a proxy chain does. */
export interface ClosingApiOptions extends Omit<ApiOptions, 'headers'> {
  headers?: Record<string, string | string[]>;
}

/**
 * Same as `api`, but each request on its own connection, closed after the answer ("Connection:
 * close"), for tests that must not share or keep connections. IPv6 base URLs ("http://[::1]:port") work.
 */
export const closingApi: Api = <T>(address: string, method: string, path: string, options: ApiOptions = {}) => closingRequest<T>(address, method, path, options);

/** `closingApi` with headers that may repeat. */
export async function closingRequest<T = Record<string, unknown>>(address: string, method: string, path: string, options: ClosingApiOptions = {}): Promise<ApiResponse<T>> {
  const url = new URL(address);
  const headers: OutgoingHttpHeaders = { ...options.headers };
  if (options.token) headers['X-Vault-Token'] = options.token;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise<ApiResponse<T>>((resolve, reject) => {
    const req = httpRequest(
      { host, port: url.port, method, path: `/v1/${path.replace(/^\/+/, '')}`, headers, agent: false, localAddress: options.localAddress },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = {};
          try {
            parsed = text ? JSON.parse(text) : {};
          } catch {
            parsed = { unparsed: text };
          }
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') responseHeaders.set(name, value);
          resolve({ status: res.statusCode ?? 0, headers: responseHeaders, body: parsed as T, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Vault's success shape for a write with nothing to say. */
export function assertNoContent(res: ApiResponse<unknown>, what: string): void {
  assert.equal(res.status, 204, `${what}: expected 204, got ${res.status} ${res.text}`);
}

/** Enables an auth method of `type` at auth/<path>/ as root (over `api` unless told). */
export async function enableAuthMethod(address: string, rootToken: string, path: string, type: string, call: Api = api): Promise<void> {
  assertNoContent(await call(address, 'POST', `sys/auth/${path}`, { token: rootToken, body: { type } }), `enable ${type} at ${path}`);
}

/** Writes an ACL policy as root (over `api` unless told). */
export async function writePolicy(address: string, rootToken: string, name: string, policy: string, call: Api = api): Promise<void> {
  assertNoContent(await call(address, 'PUT', `sys/policies/acl/${name}`, { token: rootToken, body: { policy } }), `write policy ${name}`);
}

export interface CreatedToken {
  token: string;
  accessor: string;
}

/** Creates a token through auth/token/create with the given request body (over `api` unless told). */
export async function createToken(address: string, parentToken: string, body: Record<string, unknown> = {}, call: Api = api): Promise<CreatedToken> {
  const res = await call<{ auth: { client_token: string; accessor: string } }>(address, 'POST', 'auth/token/create', { token: parentToken, body });
  assert.equal(res.status, 200, `token create: ${res.status} ${res.text}`);
  return { token: res.body.auth.client_token, accessor: res.body.auth.accessor };
}

