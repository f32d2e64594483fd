import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyServerOptions, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Core } from '../core/core.js';
import { BINARY_BODY } from '../framework/binary-body.js';
import { CofferError, ERROR_CODES } from '../framework/errors.js';
import type { Operation } from '../framework/types.js';
import { parseBoolText } from '../framework/bool.js';
import { handleRequest } from '../core/pipeline.js';
import { resolveClientAddress } from './client-address.js';
import { envelope, isEmpty } from './envelope.js';
import { verifiedForwardedClient } from './forwarded-client.js';
import { listenerSettingsOf } from './listener-settings.js';
import { installRequestLimits, withinDeadline } from './request-limits.js';
import { installUi } from './ui.js';

export interface HttpOptions {
  logger: Logger;
  /** Largest accepted request body; Vault's default max_request_size is 32 MiB. */
  maxRequestSize?: number;
  /** HA: the key standbys sign forwarded requests' client addresses with (forwarded-client.ts). */
  forwardingKey?: () => Buffer;
  /** Serve the web UI at /ui/ (config `ui = true`, and always in dev mode), when it was built. */
  ui?: boolean;
}

const JSON_TYPE = 'application/json';
const EMPTY = Buffer.alloc(0);
const MAX_JSON_DEPTH = 256;
const SNAPSHOT_UPLOAD = /^\/v1\/sys\/storage\/(raft\/)?snapshot(-force)?(\?|$)/;

/**
 * Our routes declare no JSON schemas, yet Fastify loads Ajv and fast-json-stringify when it is
 * built (~115 ms of a ~1 s cold start); these load them only if a schema ever needs compiling.
 */
const fastifyRequire = createRequire(import.meta.resolve('fastify'));
type CompilerFactories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type CompilerSelector = () => (...args: unknown[]) => unknown;
// Cast: each stands in for the factory Fastify would have built itself, called with the same arguments.
const LAZY_SCHEMA_COMPILERS = {
  buildValidator: ((...args: unknown[]) => (fastifyRequire('@fastify/ajv-compiler') as CompilerSelector)()(...args)) as unknown as CompilerFactories['buildValidator'],
  buildSerializer: ((...args: unknown[]) => (fastifyRequire('@fastify/fast-json-stringify-compiler') as CompilerSelector)()(...args)) as unknown as CompilerFactories['buildSerializer'],
};

/** Builds the Fastify server that speaks Vault's HTTP API at /v1/. */
export function buildHttpServer(core: Core, options: HttpOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.maxRequestSize ?? 32 * 1024 * 1024,
    // Per-request records belong to audit devices, not to the server log.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    routerOptions: { ignoreDuplicateSlashes: false, maxParamLength: 8192 },
    // Node refuses some requests before any route runs (a head over its size limit, a malformed
    // request line): those get Vault's error shape too, not Fastify's.
    clientErrorHandler: (err, socket) => answerClientError(err, socket, options.logger),
    schemaController: { compilersFactory: LAZY_SCHEMA_COMPILERS },
  });

  // Vault parses every body as JSON whatever its Content-Type (curl -d sends form encoding).
  app.removeAllContentTypeParsers();
  // A snapshot upload (sys/storage/snapshot*) is binary: it reaches the handler as its `snapshot` field, base64.
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (req, body, done) => {
    if (SNAPSHOT_UPLOAD.test(req.url)) return done(null, { snapshot: Buffer.from(body).toString('base64') });
    parseJsonBody(body, done);
  });
  // A DER request (an OCSP request) reaches its path as base64 in one field (framework/binary-body.ts).
  for (const type of BINARY_BODY.contentTypes) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, { [BINARY_BODY.field]: Buffer.from(body).toString('base64') }));
  }
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => parseJsonBody(body, done));

  function parseJsonBody(body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, {});
    if (nestingDepth(text) > MAX_JSON_DEPTH) {
      return done(new CofferError('invalid_json', `failed to parse JSON input: nesting deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new CofferError('invalid_json', 'failed to parse JSON input: invalid JSON in request body'), undefined);
    }
  }

  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    if (err instanceof CofferError) {
      if (err.headers) reply.headers(err.headers);
      const serverSide = err.status >= 500;
      // What happened (an upstream's answer, a socket error, a storage key) goes to the log only; a
      // server-side failure answers its code's public message.
      if (serverSide || err.detail !== undefined) {
        request.log[serverSide ? 'error' : 'warn']({ code: err.code, error: err.message, detail: err.detail, path: rawPath(request) }, 'request failed');
      }
      const row: { message: string; callerMessage?: boolean } = ERROR_CODES[err.code];
      return sendJson(reply, err.status, { errors: serverSide && !row.callerMessage ? [row.message] : err.errors });
    }
    const status = err.statusCode;
    if (status === 413) return sendJson(reply, 413, { errors: [ERROR_CODES.request_too_large.message] });
    if (status && status >= 400 && status < 500) {
      // Fastify's own refusals (a malformed header, a bad content type): its text may quote the request, so it is logged, not echoed.
      request.log.info({ status, error: err.message, path: rawPath(request) }, 'request refused by the HTTP layer');
      return sendJson(reply, status, { errors: [status === 415 ? ERROR_CODES.unsupported_media_type.message : ERROR_CODES.invalid_request.message] });
    }
    request.log.error({ err: internalError(err), path: rawPath(request) }, 'internal error');
    return sendJson(reply, 500, { errors: [ERROR_CODES.internal.message] });
  });
  app.setNotFoundHandler((_request, reply) => sendJson(reply, 404, { errors: [] }));
  installRequestLimits(app);
  if (options.ui && !installUi(app)) options.logger.warn('the web UI is on (ui = true) but was not built (npm run build:ui): /ui/ serves nothing');

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'],
    url: '/v1/*',
    handler: async (request, reply) => {
      // First, like Vault's outermost handler: a request its X-Forwarded-For refuses goes no further.
      const listener = listenerSettingsOf(request);
      // A request a standby forwarded names its client (the standby applied its own proxy rules).
      const forwarded = options.forwardingKey ? verifiedForwardedClient(options.forwardingKey, request.headers, request.method, request.url) : undefined;
      const remoteAddress = forwarded?.address ?? resolveClientAddress(request.ip, request.raw.headersDistinct['x-forwarded-for'], listener.forwardedFor);
      const path = routePath(request);
      const operation = operationOf(request);
      // Vault's telemetry.unauthenticated_metrics_access: answered before the pipeline, with no
      // token and no audit entry, sealed or not (an operator's scraper needs it most then).
      if (path === 'sys/metrics' && operation === 'read' && listener.unauthenticatedMetricsAccess) {
        const metrics = await core.metrics.render(queryString(request, 'format'));
        return reply.status(200).header('content-type', metrics.contentType).header('cache-control', 'no-store').send(Buffer.from(metrics.body));
      }
      if (operation === 'patch' && !isMergePatch(request)) {
        throw new CofferError('unsupported_media_type', 'PATCH requires Content-Type application/merge-patch+json');
      }
      const outcome = await withinDeadline(reply, handleRequest(core, {
        id: request.id,
        operation,
        path,
        data: requestData(request, operation),
        token: tokenOf(request),
        wrapTtl: headerOf(request, 'x-vault-wrap-ttl'),
        remoteAddress,
        // The connection's port is the client's only when no proxy stood in between.
        remotePort: forwarded ? forwarded.port : remoteAddress === request.ip ? request.socket.remotePort : undefined,
        secretReadAllowedCidrs: listener.secretReadAllowedCidrs,
        help: operation === 'read' && queryString(request, 'help') !== '',
        namespace: headerOf(request, 'x-vault-namespace'),
      }));
      const { resp } = outcome;
      if (outcome.headers) reply.headers(outcome.headers);
      if (resp.raw) return reply.status(resp.status ?? 200).header('content-type', resp.raw.contentType).send(resp.raw.body);
      if (resp.bare) return sendJson(reply, resp.status ?? 200, resp.bare, request.method === 'HEAD');
      if (resp.status && resp.status >= 400 && resp.data == null) return sendJson(reply, resp.status, { errors: [] });
      // An empty answer is 204, or a 202 a handler chose (a revocation queued, not yet done).
      if (isEmpty(outcome)) return reply.status(resp.status === 202 ? 202 : 204).send();
      return sendJson(reply, resp.status ?? 200, envelope(request.id, outcome));
    },
  });
  return app;
}

/**
 * Vault sends exactly "application/json" (no charset); hvac 0.11.2 only reads `errors` then.
 * Cache-Control: no-store keeps secrets out of intermediary caches.
 */
function sendJson(reply: FastifyReply, status: number, body: unknown, headOnly = false) {
  reply.status(status).header('content-type', JSON_TYPE).header('cache-control', 'no-store');
  // Vault's error body has no request id; the header lets a client quote the id the audit log holds.
  if (status >= 400) reply.header('x-request-id', reply.request.id);
  // A Buffer, because Fastify appends "; charset=utf-8" to the Content-Type of a string payload.
  return reply.send(headOnly ? EMPTY : Buffer.from(JSON.stringify(body)));
}

/** The logical path after /v1/, percent-decoded; "." and ".." segments and control characters are refused. */
function routePath(request: FastifyRequest): string {
  const raw = (request.params as { '*'?: string })['*'] ?? '';
  if (raw.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new CofferError('invalid_path', 'invalid path: "." and ".." segments are not allowed');
  }
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw new CofferError('invalid_path', 'invalid path: control characters are not allowed');
  return raw;
}

/**
 * Deepest bracket nesting of a JSON text (strings skipped). Checked before parsing: a body of
 * 100k nested arrays parses, but would overflow the stack of whatever walks it next.
 */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}

function operationOf(request: FastifyRequest): Operation {
  switch (request.method) {
    case 'GET':
    case 'HEAD':
      return isListQuery(request) ? 'list' : 'read';
    case 'POST':
    case 'PUT':
      return 'update';
    case 'DELETE':
      return 'delete';
    case 'PATCH':
      return 'patch';
    default:
      throw new CofferError('unsupported_operation', 'unsupported operation');
  }
}

/** Vault takes PATCH bodies only as JSON merge patches (RFC 7386), and says so with a 415. */
function isMergePatch(request: FastifyRequest): boolean {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/merge-patch+json';
}

/**
 * `?list=` as Vault reads it: strconv.ParseBool, so "True", "t" and "1" list too (hvac sends
 * "True"); absent or empty is a read; anything else is a 400.
 */
function isListQuery(request: FastifyRequest): boolean {
  const raw = (request.query as Record<string, unknown>).list;
  const list = Array.isArray(raw) ? raw[0] : raw;
  if (list === undefined || list === '') return false;
  const value = typeof list === 'string' ? parseBoolText(list) : undefined;
  if (value === undefined) throw new CofferError('invalid_request', `invalid value for "list" parameter: ${JSON.stringify(list)}`);
  return value;
}

/** Body for writes; for reads, lists and deletes Vault takes the query string as data. */
function requestData(request: FastifyRequest, operation: Operation): Record<string, unknown> {
  const body = request.body;
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
    throw new CofferError('invalid_request', 'request body must be a JSON object');
  }
  const data: Record<string, unknown> = { ...(body as Record<string, unknown> | undefined) };
  if (operation === 'read' || operation === 'list' || operation === 'delete') {
    for (const [key, value] of Object.entries(request.query as Record<string, unknown>)) {
      if (key !== 'list') data[key] = Array.isArray(value) ? value[value.length - 1] : value;
    }
  }
  return data;
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers[name];
  return Array.isArray(header) ? header[0] : header;
}

/** The token from X-Vault-Token, else from "Authorization: Bearer". */
function tokenOf(request: FastifyRequest): string | undefined {
  const token = headerOf(request, 'x-vault-token');
  if (token) return token;
  const auth = request.headers.authorization;
  const bearer = auth?.match(/^Bearer\s+(\S+)$/i);
  return bearer?.[1];
}

/** A query parameter as one string ("" when absent; the last one when repeated). */
function queryString(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown>)[name];
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return typeof last === 'string' ? last : '';
}

/** The path after /v1/ as sent (for log lines: never throws, unlike routePath). */
function rawPath(request: FastifyRequest): string {
  return (request.params as { '*'?: string } | undefined)?.['*'] ?? '';
}

/**
 * What a 500 puts in the server log: the error's type and where it was thrown, not its message,
 * which may quote request data (JSON.parse's SyntaxError quotes the text it failed on).
 */
function internalError(err: Error): { type: string; stack: string } {
  const frames = (err.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return { type: err.name, stack: frames.join('\n') };
}

/** Fastify's clientErrorHandler with `{"errors": [...]}` bodies: 431 for an oversized head, 408 on timeout, else 400. */
function answerClientError(err: NodeJS.ErrnoException, socket: import('node:net').Socket, logger: Logger): void {
  // As Fastify does, at trace; only the code: Node's parser errors carry the raw request bytes (tokens).
  logger.trace({ err: { code: err.code } }, 'client error');
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'request headers too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request timeout']
        : [400, 'Bad Request', 'malformed HTTP request'];
  const body = JSON.stringify({ errors: [message] });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: ${JSON_TYPE}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
