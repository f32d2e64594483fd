import { request as httpRequest } from 'node:http';

/** One HTTP answer as a hostile client sees it. */
export interface RawResponse {
  status: number;
  /** The Content-Type header exactly as sent (undefined when absent). */
  contentType: string | undefined;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

export interface RawRequest {
  method: string;
  /** Sent byte for byte after "/v1/": no normalisation of "..", "%2e" or "//" (fetch would apply them). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body chunked, without Content-Length. */
  chunked?: boolean;
  /** Source address of the connection (any 127/8 address works on loopback). */
  localAddress?: string;
}

/**
 * Sends a request with node:http so that the path reaches the server exactly as written.
 * Resolves as soon as the answer arrives, even if the server stopped reading an oversized body.
 */
export function rawRequest(address: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(address);
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined && !req.chunked) headers['Content-Length'] = Buffer.byteLength(req.body);
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, method: req.method, path: `/v1/${req.path}`, headers, agent: false, localAddress: req.localAddress },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          const contentType = res.headers['content-type'];
          resolve({ status: res.statusCode ?? 0, contentType, text, json });
        });
      },
    );
    // A server refusing a huge body may close the socket while we still write: only an error before any answer counts.
    outgoing.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (req.body !== undefined) outgoing.write(req.body);
    outgoing.end();
  });
}
