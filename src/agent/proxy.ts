import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { CofferClient } from '../client/index.js';
import type { AgentConfig, ListenerStanza } from './config.js';
import type { AgentMetrics } from './metrics.js';

/** Request headers passed on to the server (the token is decided here). */
const FORWARDED_HEADERS = ['content-type', 'x-vault-wrap-ttl', 'x-vault-namespace', 'x-vault-request', 'x-vault-no-request-forwarding', 'x-vault-mfa'];

interface CachedAnswer {
  status: number;
  contentType: string;
  body: Buffer;
  expiresAt: number;
  leaseId: string;
  /** The token the answer made (a token create or login through the proxy), if any. */
  token: string;
}

/**
 * The agent's local Vault API: each listener forwards /v1/ requests to the server, adding the
 * agent's token as api_proxy says, and with a `cache {}` stanza answers a repeated request that
 * made a lease or a token from memory until that lease or token ends or is revoked through the
 * proxy (Vault Agent's caching: the same credential for the same request, no new lease per call).
 * /agent/v1/metrics serves the agent's metrics.
 */
export class ApiProxy {
  private readonly servers: Server[] = [];
  private readonly cached = new Map<string, CachedAnswer>();
  /** Listen addresses, as bound (a tcp port 0 becomes the real port). */
  readonly addresses: string[] = [];

  constructor(
    private readonly client: CofferClient,
    private readonly config: AgentConfig,
    private readonly agentToken: () => string | undefined,
    private readonly metrics: AgentMetrics,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    for (const listener of this.config.listeners) {
      const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res).catch((err: Error) => this.fail(res, err));
      const server = listener.tlsDisable || listener.type === 'unix'
        ? createHttpServer(handler)
        : createHttpsServer({ cert: readFileSync(listener.tlsCertFile!), key: readFileSync(listener.tlsKeyFile!) }, handler);
      await listen(server, listener);
      this.servers.push(server);
      const bound = server.address();
      this.addresses.push(typeof bound === 'string' ? bound : `${listener.tlsDisable ? 'http' : 'https'}://${(bound as AddressInfo).address}:${(bound as AddressInfo).port}`);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    })));
    for (const listener of this.config.listeners) if (listener.type === 'unix') await rm(listener.address, { force: true });
    for (const answer of this.cached.values()) answer.body.fill(0);
    this.cached.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    if (url.split('?')[0] === '/agent/v1/metrics') {
      res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
      res.end(await this.metrics.registry.metrics());
      return;
    }
    if (!url.startsWith('/v1/')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [] }));
      return;
    }
    const body = await readBody(req);
    const own = header(req, 'x-vault-token');
    const mode = this.config.useAutoAuthToken;
    const token = mode === 'force' || (mode === true && !own) ? (this.agentToken() ?? own) : own;
    const method = req.method ?? 'GET';
    const target = url.slice('/v1/'.length);
    const key = this.config.cache ? cacheKey(method, target, token, body) : undefined;
    const hit = key ? this.cached.get(key) : undefined;
    if (hit && hit.expiresAt > Date.now()) {
      this.metrics.cacheHits.inc();
      res.writeHead(hit.status, { 'content-type': hit.contentType, 'cache-control': 'no-store' });
      res.end(hit.body);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = header(req, name);
      if (value !== undefined) headers[name] = value;
    }
    this.metrics.proxied.inc();
    const answer = await this.client.forward(method, target, headers, body.length ? body : undefined, token);
    if (key) this.remember(key, answer, target, body);
    res.writeHead(answer.status, pick(answer.headers, ['content-type', 'cache-control', 'retry-after', 'x-request-id', 'x-coffer-wrapping-failure']));
    res.end(answer.body);
  }

  /** Keeps an answer that made a lease or a token; a revocation through the proxy drops what it revokes. */
  private remember(key: string, answer: { status: number; headers: IncomingMessage['headers']; body: Buffer }, target: string, body: Buffer): void {
    if (answer.status >= 200 && answer.status < 300) this.evictRevoked(target, body);
    if (answer.status !== 200) return;
    let parsed: { lease_id?: string; lease_duration?: number; auth?: { client_token?: string; lease_duration?: number } | null; wrap_info?: unknown };
    try {
      parsed = JSON.parse(answer.body.toString('utf8')) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.wrap_info) return; // a wrapping token is single-use: never hand it out twice
    const seconds = parsed.lease_id ? parsed.lease_duration : parsed.auth?.client_token ? parsed.auth.lease_duration : undefined;
    if (!seconds) return;
    this.metrics.cacheMisses.inc();
    this.cached.set(key, {
      status: 200,
      contentType: String(answer.headers['content-type'] ?? 'application/json'),
      body: Buffer.from(answer.body),
      expiresAt: Date.now() + seconds * 1000,
      leaseId: parsed.lease_id ?? '',
      token: parsed.auth?.client_token ?? '',
    });
  }

  private evictRevoked(target: string, body: Buffer): void {
    const path = target.split('?')[0]!.replace(/\/+$/, '');
    let fields: Record<string, unknown> = {};
    try {
      fields = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      /* not JSON: nothing to match */
    }
    const drop = (match: (answer: CachedAnswer) => boolean) => {
      for (const [key, answer] of this.cached) if (match(answer)) {
        answer.body.fill(0);
        this.cached.delete(key);
      }
    };
    if (path === 'sys/leases/revoke' || path === 'sys/revoke') drop((a) => a.leaseId !== '' && a.leaseId === fields.lease_id);
    else if (path.startsWith('sys/leases/revoke-prefix/') || path.startsWith('sys/leases/revoke-force/')) {
      const prefix = path.replace(/^sys\/leases\/revoke-(prefix|force)\//, '');
      drop((a) => a.leaseId.startsWith(prefix));
    } else if (path === 'auth/token/revoke' || path === 'auth/token/revoke-orphan') drop((a) => a.token !== '' && a.token === fields.token);
  }

  private fail(res: ServerResponse, err: Error): void {
    this.log.warn({ err: err.message }, 'proxied request failed');
    if (res.headersSent) return void res.destroy();
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: ['the agent could not reach the server'] }));
  }
}

/** Requests are the same when method, path and query, token and body are: a digest, so no token is kept as a key. */
function cacheKey(method: string, target: string, token: string | undefined, body: Buffer): string {
  return createHash('sha256').update(`${method}\n${target}\n${token ?? ''}\n`).update(body).digest('base64url');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function pick(headers: IncomingMessage['headers'], names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function listen(server: Server, listener: ListenerStanza): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (listener.type === 'unix') server.listen(listener.address, resolve);
    else {
      const at = listener.address.lastIndexOf(':');
      server.listen(Number(listener.address.slice(at + 1)), listener.address.slice(0, at).replace(/^\[|\]$/g, ''), resolve);
    }
  });
}
