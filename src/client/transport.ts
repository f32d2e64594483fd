import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** How the client checks the server's certificate and proves its own (Vault's VAULT_CACERT and friends). */
export interface TlsSettings {
  /** PEM CA certificates to trust instead of the system's. */
  ca?: string[];
  /** PEM client certificate and key, for listeners that ask for one. */
  cert?: string;
  key?: string;
  /** Accept any server certificate (VAULT_SKIP_VERIFY); for tests and first contact only. */
  skipVerify?: boolean;
  /** Name to check the server's certificate against (VAULT_TLS_SERVER_NAME). */
  serverName?: string;
}

/** One request on the wire. */
export interface WireRequest {
  method: string;
  /** The server's base address (scheme, host, port, optional base path). */
  base: URL;
  /** The API path after /v1/, exactly as the caller gave it. */
  path: string;
  /** Query string without '?', already encoded; may be empty. */
  query: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  tls: TlsSettings;
  /** Aborts the request and its response body (the client's timeout). */
  signal?: AbortSignal;
}

/**
 * The request target for an API path, sent as given. Why not `new URL()` or fetch: both resolve
 * `.` and `..` segments (even percent-encoded ones), so `secret/data/../../sys/mounts` would quietly
 * become `sys/mounts`. Vault's CLI sends what was typed and lets the server refuse it; so does this.
 * Only characters that may not appear in a request line are percent-encoded.
 */
export function requestTarget(base: URL, path: string, query: string): string {
  const prefix = base.pathname.replace(/\/+$/, '');
  const encoded = encodeURI(path.replace(/^\/+/, '')).replace(/\?/g, '%3F').replace(/#/g, '%23');
  return `${prefix}/v1/${encoded}${query ? `?${query}` : ''}`;
}

/** The URL a request went to, as errors print it. */
export function displayUrl(base: URL, path: string, query: string): string {
  return `${base.origin}${requestTarget(base, path, query)}`;
}

/** Sends a request and answers the response, its body not yet read (so snapshots can stream). */
export function send(req: WireRequest): Promise<IncomingMessage> {
  const https = req.base.protocol === 'https:';
  const headers: Record<string, string | number> = { ...req.headers };
  if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
  const options = {
    method: req.method,
    host: req.base.hostname.replace(/^\[|\]$/g, ''),
    port: req.base.port || (https ? 443 : 80),
    path: requestTarget(req.base, req.path, req.query),
    headers,
    signal: req.signal,
    ...(https
      ? {
          ca: req.tls.ca,
          cert: req.tls.cert,
          key: req.tls.key,
          rejectUnauthorized: !req.tls.skipVerify,
          servername: req.tls.serverName,
        }
      : {}),
  };
  return new Promise((resolve, reject) => {
    const outgoing = (https ? httpsRequest : httpRequest)(options, resolve);
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/** Reads a whole response body as text. */
export async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON body, or undefined when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The `errors` of a Vault error answer, or its text when the body is not Vault's shape. */
export function errorsOf(parsed: unknown, text: string): string[] {
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { errors?: unknown }).errors)) {
    return (parsed as { errors: unknown[] }).errors.map(String);
  }
  return text.trim() && parsed === undefined ? [text.trim()] : [];
}
