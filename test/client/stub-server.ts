import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the stub server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** How the stub answers one request. */
export interface StubAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer only after this long (a slow server). */
  delayMs?: number;
}

/**
 * A tiny HTTP server on a loopback port that records every request and answers from a function, so
 * the client (and the CLI over it) can be tested for what goes over the wire without a Coffer core.
 */
export async function startStub(answer: (req: SeenRequest) => StubAnswer): Promise<{ address: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(request);
      const { status, body, headers = {}, delayMs = 0 } = answer(request);
      const respond = () => {
        res.writeHead(status, body === undefined ? headers : { 'Content-Type': 'application/json', ...headers });
        res.end(body === undefined ? undefined : JSON.stringify(body));
      };
      if (delayMs > 0) setTimeout(respond, delayMs);
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** A Vault envelope around `data`. */
export function envelope(data: Record<string, unknown> | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { request_id: 'req-1', lease_id: '', renewable: false, lease_duration: 0, data, wrap_info: null, warnings: null, auth: null, ...extra };
}
