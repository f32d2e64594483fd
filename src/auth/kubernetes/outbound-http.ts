import { CofferError } from '../../framework/errors.js';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What the Kubernetes API server (or a JWKS endpoint) answered. */
export interface OutboundResponse {
  status: number;
  body: string;
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers?: Record<string, string>;
  body?: string;
  /** PEM CA bundle to trust instead of the system's (kubernetes_ca_cert); https only. */
  ca?: string;
  timeoutMs: number;
}

/** Why a call to the API server failed before an HTTP answer came back. */
export class OutboundFailure extends CofferError {
  constructor(
    readonly kind: 'timeout' | 'network' | 'too-large',
    message: string,
  ) {
    super('upstream_failed', 'an upstream service failed', { detail: message });
    this.name = 'OutboundFailure';
  }
}

/** Answers larger than this are refused: a TokenReview or a JWKS is a few kilobytes. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * One HTTP(S) request with a hard deadline covering connect, send and the whole answer. node:http(s)
 * rather than fetch because a per-request CA (kubernetes_ca_cert) needs `ca` on the TLS options,
 * which fetch does not take; using one code path for http and https keeps timeouts identical.
 */
export function sendOutbound(req: OutboundRequest): Promise<OutboundResponse> {
  return new Promise((resolve, reject) => {
    const isHttps = req.url.protocol === 'https:';
    const headers: Record<string, string | number> = { Accept: 'application/json', ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
    const options = {
      method: req.method,
      headers,
      // No connection reuse: logins are rare next to the cost of a stale pooled socket.
      agent: false as const,
      ...(isHttps && req.ca ? { ca: req.ca } : {}),
    };
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const send = isHttps ? httpsRequest : httpRequest;
    const outgoing = send(req.url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          outgoing.destroy();
          finish(() => reject(new OutboundFailure('too-large', `answer larger than ${MAX_RESPONSE_BYTES} bytes`)));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (err) => finish(() => reject(new OutboundFailure('network', err.message))));
      res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })));
    });
    const timer = setTimeout(() => {
      outgoing.destroy();
      finish(() => reject(new OutboundFailure('timeout', `no answer within ${req.timeoutMs} ms`)));
    }, req.timeoutMs);
    outgoing.on('error', (err: NodeJS.ErrnoException) =>
      finish(() => reject(new OutboundFailure('network', err.code ? `${err.code}: ${err.message}` : err.message))),
    );
    outgoing.end(req.body);
  });
}
