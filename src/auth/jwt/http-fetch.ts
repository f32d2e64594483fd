import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A JWKS or discovery document is small; anything bigger is refused rather than buffered. */
const MAX_BODY_BYTES = 1024 * 1024;
const TIMEOUT_MS = 5_000;

/** The subset of `fetch` that jose's createRemoteJWKSet calls through its customFetch option. */
export type FetchLike = (url: string, init: { signal?: AbortSignal | null; headers?: HeadersInit }) => Promise<Response>;

/**
 * A `fetch` that trusts `caPem` (when set) instead of the system roots, as Vault's `jwks_ca_pem` and
 * `oidc_discovery_ca_pem` ask. Node's global fetch cannot take a CA without undici's own Agent, so
 * this speaks node:http(s) directly. Redirects are not followed (jose asks for `redirect: manual` too).
 */
export function fetchTrusting(caPem: string): FetchLike {
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') {
        reject(new Error(`unsupported URL scheme "${target.protocol}"`));
        return;
      }
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => (headers[name] = value));
      const options = { method: 'GET', headers, timeout: TIMEOUT_MS, signal: init.signal ?? undefined };
      const req =
        target.protocol === 'https:'
          ? httpsRequest(target, { ...options, ...(caPem ? { ca: caPem } : {}) })
          : httpRequest(target, options);
      req.on('timeout', () => req.destroy(new Error(`no answer from ${target.origin} within ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) res.destroy(new Error(`answer from ${target.origin} is larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') responseHeaders.set(name, value);
          const status = res.statusCode ?? 502;
          // The Response constructor refuses a body on these statuses.
          const body = [204, 205, 304].includes(status) ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, headers: responseHeaders }));
        });
      });
      req.end();
    });
}

/** GETs a JSON document; throws an Error whose message says what went wrong (for a 400 to the client). */
export async function fetchJson(url: string, caPem: string): Promise<unknown> {
  const res = await fetchTrusting(caPem)(url, { headers: { accept: 'application/json' } });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
  try {
    return await res.json();
  } catch {
    throw new Error(`GET ${url} did not answer JSON`);
  }
}
