import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CofferError } from '../framework/errors.js';
import { listenerSettingsOf } from './listener-settings.js';

/** Vault's default max_request_duration. */
export const DEFAULT_MAX_REQUEST_DURATION_MS = 90_000;

/**
 * Hooks every response and request body goes through: Cache-Control: no-store on every answer
 * (as Vault's outermost handler sets it), and the body limit of the listener a request came in on
 * when it is lower than the server's own (Fastify's bodyLimit, which start.ts sets to the highest).
 */
export function installRequestLimits(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    // Set first, so it holds for errors and raw (prometheus) answers too: all may carry secrets.
    reply.header('cache-control', 'no-store');
  });
  app.addHook('preParsing', async (request, _reply, payload) => {
    const limit = listenerSettingsOf(request).maxRequestSize;
    if (limit === undefined || limit >= app.initialConfig.bodyLimit!) return payload;
    if (Number(request.headers['content-length']) > limit) throw bodyTooLarge();
    return payload.pipe(new ByteLimit(limit));
  });
}

/**
 * Settles with the work, or with a 503 once the listener's max_request_duration (counted from the
 * start of the request, body reading included) has passed. The work is not interrupted: every
 * change the pipeline makes is one storage transaction, so a request that was committing may
 * still complete, but nothing is left half-done; the client is told it ran out of time.
 */
export function withinDeadline<T>(reply: FastifyReply, work: Promise<T>): Promise<T> {
  const limit = listenerSettingsOf(reply.request).maxRequestDurationMs ?? DEFAULT_MAX_REQUEST_DURATION_MS;
  // Whole milliseconds: Node keeps one timer list per distinct duration, so fractional ones
  // (a float per request) would each cost a list insertion on the hot path.
  const remaining = Math.max(0, Math.ceil(limit - reply.elapsedTime));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new CofferError('deadline_exceeded'));
      // Nobody awaits the work any more: an internal failure it ends with must still be logged.
      work.catch((err: unknown) => {
        if (!(err instanceof CofferError)) reply.log.error({ err: { type: (err as Error).name } }, 'internal error after the request deadline'); // no message: it may quote request data
      });
    }, remaining);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

function bodyTooLarge(): Error {
  // The HTTP layer's error handler answers any 413 as Vault does ("http: request body too large").
  return Object.assign(new Error('request body too large'), { statusCode: 413 });
}

/** Passes a body through until it grows past the limit, then fails with a 413. */
class ByteLimit extends Transform {
  /** Read by Fastify to check the length it was told against the bytes that came. */
  receivedEncodedLength = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.receivedEncodedLength += chunk.length;
    if (this.receivedEncodedLength > this.limit) return callback(bodyTooLarge());
    callback(null, chunk);
  }
}
