import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HaView } from '../core/ha/node.js';

/** What a standby answers itself; everything else goes to the active node. */
const SERVED_LOCALLY = new Set(['sys/health', 'sys/leader', 'sys/seal-status', 'sys/ha-status', 'sys/init', 'sys/unseal']);
/** Marks a forwarded request, so a node that is not active either refuses it instead of forwarding it on (no loops). */
const FORWARDED_HEADER = 'x-coffer-ha-forwarded';
/** Connection-level headers a proxy must not pass on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'transfer-encoding', 'host']);
const FORWARD_TIMEOUT_MS = 30_000;

/**
 * On an unsealed standby, relays each client request (method, path and query, headers, body as
 * sent) to the active node's api_addr and the answer back. Installed before body parsing, so the
 * body is streamed untouched. The active node sees the standby as the client (no X-Forwarded-For
 * in this slice: the active node would have to trust its peers for that).
 */
export function installHaForwarding(app: FastifyInstance, ha: HaView): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!ha.participating || ha.active) return;
    const path = logicalPath(request.url);
    if (path === undefined || SERVED_LOCALLY.has(path)) return;
    const leader = ha.leaderAddress();
    if (request.headers[FORWARDED_HEADER] !== undefined || leader === undefined || leader === ha.apiAddr) {
      return answer(reply, 503, 'this node is a standby and no active node is available to forward the request to; retry shortly');
    }
    reply.hijack();
    await forward(request, reply, leader);
  });
}

/** The logical path after /v1/ without query or trailing slash; undefined for anything outside /v1/. */
function logicalPath(url: string): string | undefined {
  const path = url.split('?')[0]!;
  if (!path.startsWith('/v1/')) return undefined;
  try {
    return decodeURIComponent(path.slice(4)).replace(/\/+$/, '');
  } catch {
    return path.slice(4);
  }
}

function forward(request: FastifyRequest, reply: FastifyReply, leader: string): Promise<void> {
  return new Promise((resolve) => {
    const target = new URL(request.raw.url ?? '/', leader);
    const headers: IncomingHttpHeaders = { [FORWARDED_HEADER]: '1' };
    for (const [name, value] of Object.entries(request.raw.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
    const transport = target.protocol === 'https:' ? https : http;
    const upstream = transport.request(target, { method: request.raw.method, headers, timeout: FORWARD_TIMEOUT_MS });
    const fail = (err: Error) => {
      if (!reply.raw.headersSent) {
        const body = JSON.stringify({ errors: [`this node is a standby and could not forward the request to the active node at ${leader}: ${err.message}`] });
        reply.raw.writeHead(503, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
        reply.raw.end(body);
      } else reply.raw.destroy(err);
      resolve();
    };
    upstream.on('timeout', () => upstream.destroy(new Error('the active node did not answer in time')));
    upstream.on('error', fail);
    upstream.on('response', (response) => {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(response.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
      reply.raw.writeHead(response.statusCode ?? 502, out);
      response.pipe(reply.raw);
      response.on('end', () => resolve());
      response.on('error', fail);
    });
    request.raw.pipe(upstream);
  });
}

function answer(reply: FastifyReply, status: number, message: string) {
  return reply.status(status).header('content-type', 'application/json').header('cache-control', 'no-store').send(Buffer.from(JSON.stringify({ errors: [message] })));
}
