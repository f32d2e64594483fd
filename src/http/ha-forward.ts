import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HaView } from '../core/ha/node.js';
import { resolveClientAddress } from './client-address.js';
import { forwardedClientHeaders, isForwarded, type ForwardedClient } from './forwarded-client.js';
import { listenerSettingsOf } from './listener-settings.js';

/** What a standby answers itself; everything else goes to the active node. */
const SERVED_LOCALLY = new Set(['sys/health', 'sys/leader', 'sys/seal-status', 'sys/ha-status', 'sys/init', 'sys/unseal']);
/** Vault's per-request opt-out of forwarding: a standby answers 307 to the active node instead. */
const NO_FORWARDING_HEADER = 'x-vault-no-request-forwarding';
/** Connection-level headers a proxy must not pass on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'transfer-encoding', 'host']);
const FORWARD_TIMEOUT_MS = 30_000;

/**
 * On an unsealed standby, relays each client request (method, path and query, headers, body as
 * sent) to the active node's api_addr and the answer back, with the client's address signed in
 * (see forwarded-client.ts). Installed before body parsing, so the body is streamed untouched.
 * When the active node does not take forwarded requests (disable_clustering) or the client asks
 * for no forwarding (X-Vault-No-Request-Forwarding), the standby answers 307 to the active node.
 */
export function installHaForwarding(app: FastifyInstance, ha: HaView, forwardingKey: () => Buffer): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!ha.participating || ha.active) return;
    const path = logicalPath(request.url);
    if (path === undefined || SERVED_LOCALLY.has(path)) return;
    const leader = ha.leader();
    // A forwarded request reaching a node that is not active: leadership moved; never forward on (no loops).
    if (isForwarded(request.headers) || leader === undefined || leader.apiAddr === ha.apiAddr) {
      return answer(reply, 503, 'this node is a standby and no active node is available to forward the request to; retry shortly');
    }
    if (!leader.forwarding || request.headers[NO_FORWARDING_HEADER]) {
      return reply.status(307).header('location', originOf(leader.apiAddr) + request.url).header('cache-control', 'no-store').send();
    }
    // The standby's own listener decides who the client is (its trusted proxies), as for any request.
    const address = resolveClientAddress(request.ip, request.raw.headersDistinct['x-forwarded-for'], listenerSettingsOf(request).forwardedFor);
    const client: ForwardedClient = address === request.ip && request.socket.remotePort !== undefined ? { address, port: request.socket.remotePort } : { address };
    const signed = forwardedClientHeaders(forwardingKey(), client, request.method, request.url);
    reply.hijack();
    await forward(request, reply, leader.apiAddr, signed);
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

function forward(request: FastifyRequest, reply: FastifyReply, leader: string, signed: Record<string, string>): Promise<void> {
  return new Promise((resolve) => {
    const target = new URL(leader);
    const headers: IncomingHttpHeaders = { ...signed };
    for (const [name, value] of Object.entries(request.raw.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
    const transport = target.protocol === 'https:' ? https : http;
    // The path exactly as the client sent it: resolving it against a URL would drop "." and ".."
    // segments, which the active node must see (and refuse) itself.
    const upstream = transport.request({
      protocol: target.protocol,
      hostname: target.hostname.replace(/^\[|\]$/g, ''),
      port: target.port,
      path: request.url,
      method: request.method,
      headers,
      timeout: FORWARD_TIMEOUT_MS,
    });
    const fail = (err: Error) => {
      if (!reply.raw.headersSent) {
        // The socket error stays in the log: the caller learns only what sys/leader already says.
        request.log.warn({ leader, error: err.message }, 'could not forward a request to the active node');
        const body = JSON.stringify({ errors: [`this node is a standby and could not forward the request to the active node at ${leader}`] });
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

/** scheme://host[:port] of an api_addr (config allows a trailing slash and nothing else after the host). */
function originOf(apiAddr: string): string {
  return new URL(apiAddr).origin;
}

function answer(reply: FastifyReply, status: number, message: string) {
  return reply.status(status).header('content-type', 'application/json').header('cache-control', 'no-store').send(Buffer.from(JSON.stringify({ errors: [message] })));
}
