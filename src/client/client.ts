import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { AuditClient } from './audit-devices.js';
import { AuthSession, type AuthSessionOptions } from './auth/session.js';
import type { LoginMethod } from './auth/methods.js';
import { ResponseCache } from './cache.js';
import { DEFAULT_ADDRESS, firstSet, retriesFromEnvironment, timeoutFromEnvironment, tlsFromEnvironment } from './environment.js';
import { CofferApiError, CofferConnectionError, isRetryable } from './errors.js';
import { KvClient } from './kv.js';
import { LeasedSecret, type LeasedSecretOptions } from './leased-secret.js';
import { LeaseClient } from './leases.js';
import { MountsClient, RemountClient, trimSlashes } from './mounts.js';
import { OperatorClient } from './operator.js';
import { PolicyClient } from './policies.js';
import { TokenClient } from './token.js';
import { TransitClient } from './transit.js';
import { displayUrl, errorsOf, parseJson, readText, send, type TlsSettings } from './transport.js';
import type { ClientConfig, RequestOptions, Secret } from './types.js';
import { WrappingClient } from './wrapping.js';

type Data = Record<string, unknown>;

/** How many 307s a request follows (a standby that does not forward points at the active node). */
const MAX_REDIRECTS = 3;
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_RETRIES = 2;

/**
 * A client for the Vault HTTP API (v1), spoken by Coffer, over node:http(s). Every setting falls
 * back to Vault's environment variables. Idempotent requests are retried with jittered backoff; a
 * client with an AuthSession logs in again when its token is gone and resends the refused request
 * once; reads may be cached (opt-in).
 */
export class CofferClient {
  readonly address: string;
  token: string | undefined;
  namespace: string | undefined;
  private readonly base: URL;
  private readonly tls: TlsSettings;
  private readonly defaultWrapTTL: string | undefined;
  private readonly timeoutMs: number;
  private readonly retryPolicy: RetryPolicy | undefined;
  private readonly forwarding: boolean;
  /** The opt-in read cache (undefined when the client has none). */
  readonly cache: ResponseCache | undefined;
  /** The session whose token this client sends, when it logged in through `authenticate`. */
  private session: AuthSession | undefined;
  /** Sessions and leased secrets to stop on close(). */
  private readonly owned = new Set<{ close(): Promise<void> }>();
  /** KV helpers that find the mount and its version (1 or 2) the way Vault's CLI does. */
  readonly kv: KvClient = new KvClient(this);
  /** The token store (auth/token/...) and capabilities. */
  readonly tokens: TokenClient = new TokenClient(this);
  /** Secrets engines (sys/mounts). */
  readonly secrets: MountsClient = new MountsClient(this, 'sys/mounts');
  /** Auth methods (sys/auth). */
  readonly auth: MountsClient = new MountsClient(this, 'sys/auth');
  /** Moving either (sys/remount). */
  readonly remount: RemountClient = new RemountClient(this);
  /** Audit devices (sys/audit). */
  readonly audit: AuditClient = new AuditClient(this);
  /** ACL policies. */
  readonly policy: PolicyClient = new PolicyClient(this);
  /** Leases: lookup, renew, revoke (sys/leases). */
  readonly leases: LeaseClient = new LeaseClient(this);
  /** Health, seal, init, unseal, rekey, root token generation and snapshots. */
  readonly operator: OperatorClient = new OperatorClient(this);
  /** Response wrapping: wrap, lookup, unwrap with the creation-path check, rewrap. */
  readonly wrapping: WrappingClient = new WrappingClient(this);
  /** Transit at transit/ (`new TransitClient(client, mount)` for another mount). */
  readonly transit: TransitClient = new TransitClient(this);

  constructor(config: ClientConfig = {}) {
    const env = config.env ?? process.env;
    this.address = (firstSet(config.address, env.VAULT_ADDR) ?? DEFAULT_ADDRESS).replace(/\/+$/, '');
    this.base = new URL(this.address);
    this.token = firstSet(config.token, env.VAULT_TOKEN);
    this.namespace = firstSet(config.namespace, env.VAULT_NAMESPACE);
    this.tls = config.tls ?? tlsFromEnvironment(env);
    this.defaultWrapTTL = config.wrapTTL === null ? undefined : firstSet(config.wrapTTL, env.VAULT_WRAP_TTL);
    this.timeoutMs = config.timeoutMs ?? timeoutFromEnvironment(env) ?? DEFAULT_TIMEOUT_MS;
    const retries = config.maxRetries ?? retriesFromEnvironment(env) ?? DEFAULT_RETRIES;
    const delay = config.retryDelayMs ?? { initial: 100, max: 1500 };
    this.retryPolicy =
      retries > 0
        ? retry(handleWhen(isRetryable), { maxAttempts: retries, backoff: new ExponentialBackoff({ initialDelay: delay.initial, maxDelay: delay.max }) })
        : undefined;
    this.forwarding = config.forwarding ?? true;
    this.cache = config.cache ? new ResponseCache(config.cache) : undefined;
  }

  /** The full URL for an API path (without the leading /v1/), as sent: dot segments are kept. */
  url(path: string, query?: RequestOptions['query']): string {
    return displayUrl(this.base, path, queryString(query));
  }

  /**
   * Sends one request and returns the parsed JSON body, or undefined when the server sent none (204).
   * Any non-2xx status throws CofferApiError carrying the server's `errors`.
   */
  async request<T = Secret>(method: string, path: string, options: RequestOptions = {}): Promise<T | undefined> {
    const headers: Record<string, string> = {};
    const wrapTTL = options.wrapTTL === null ? undefined : (options.wrapTTL || this.defaultWrapTTL || defaultWrapTTL(method, path));
    if (wrapTTL !== undefined && wrapTTL !== '') headers['X-Vault-Wrap-TTL'] = String(wrapTTL);
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      body = JSON.stringify(options.body);
    }
    const query = queryString(options.query);
    const idempotent = options.idempotent ?? (method === 'GET' || method === 'HEAD' || method === 'DELETE');
    const send = async (): Promise<string> => {
      // `token: null` sends no token at all (a login must not carry whatever token was lying around).
      const token = options.token === null ? undefined : (options.token ?? this.token);
      // Decided before sending: by the time a 403 comes back, the session may have a new token.
      const session = options.token === undefined && token && this.session?.token === token ? this.session : undefined;
      try {
        return (await this.exchange(method, path, query, headers, body, token, idempotent, true)).text;
      } catch (err) {
        // The session's token was refused: if it is gone (revoked, expired), log in again and resend once.
        if (session && token && err instanceof CofferApiError && err.status === 403 && (await session.recover(token))) {
          return (await this.exchange(method, path, query, headers, body, session.token, idempotent, true)).text;
        }
        throw err;
      }
    };
    let text: string;
    const cache = this.cache;
    if (cache && method === 'GET' && wrapTTL === undefined && options.cache !== false && cache.cacheable(path)) {
      const list = options.query?.list === 'true' || options.query?.list === true;
      text = await cache.read(this.cacheKey(path, query, options.token), path, list, async () => {
        const fetched = await send();
        return { text: fetched, ttlMs: cacheLifetimeMs(parseJson(fetched)) };
      });
    } else {
      try {
        text = await send();
      } finally {
        if (cache && method !== 'GET' && method !== 'HEAD') cache.invalidate(path);
      }
    }
    if (text.trim() === '') return undefined;
    return parseJson(text) as T;
  }

  /** GET a path. */
  read(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<Secret | undefined> {
    return this.request('GET', path, options);
  }

  /** PUT data to a path (Vault's CLI `write`). */
  write(path: string, data: Data, options: Omit<RequestOptions, 'body'> = {}): Promise<Secret | undefined> {
    return this.request('PUT', path, { ...options, body: data });
  }

  /**
   * Lists the keys under a path. Sent as `GET ?list=true`, which Vault treats exactly as the LIST
   * method; Vault's Go client does the same, and Node's HTTP parser (so any node:http server)
   * rejects an unknown method such as LIST with a bare 400 before the application sees it.
   */
  list(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<Secret<{ keys: string[] }> | undefined> {
    return this.request('GET', path, { ...options, query: { ...options.query, list: 'true' } });
  }

  /** DELETE a path. */
  delete(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<Secret | undefined> {
    return this.request('DELETE', path, options);
  }

  /** PATCH a path with a JSON merge patch (RFC 7396), as Vault requires. */
  patch(path: string, data: Data, options: Omit<RequestOptions, 'body'> = {}): Promise<Secret | undefined> {
    return this.request('PATCH', path, { ...options, body: data, contentType: 'application/merge-patch+json' });
  }

  /**
   * Logs in through the auth method mounted at `mount`: POST auth/<mount>/login[/<suffix>] with
   * `data`, sent without any client token, as Vault's CLI does. The answer carries an `auth` block
   * (or, when `wrapTTL` is given, a wrap_info whose wrapped_accessor is the new token's accessor).
   */
  login(mount: string, data: Data, options: { suffix?: string; wrapTTL?: string | null } = {}): Promise<Secret | undefined> {
    const suffix = options.suffix === undefined ? '' : `/${encodeURIComponent(options.suffix)}`;
    return this.request('POST', `auth/${trimSlashes(mount)}/login${suffix}`, { body: data, token: null, wrapTTL: options.wrapTTL });
  }

  /**
   * Logs in with `method` and keeps the token alive: the session renews it before it expires,
   * logs in again when it cannot be renewed, and this client sends its token from then on (and
   * recovers from a 403 for a token that is gone). `client.close()` closes it.
   */
  async authenticate(method: LoginMethod, options: AuthSessionOptions = {}): Promise<AuthSession> {
    const session = await AuthSession.start(this, method, options);
    await this.session?.close();
    this.session = session;
    this.own(session);
    return session;
  }

  /**
   * Reads a leased secret (`database/creds/readonly`) and keeps it alive: its lease is renewed
   * before it expires, a new secret is fetched before the max TTL (event `rotated`), and the
   * lease is revoked on `close()` (of the secret or of this client).
   */
  async leased<D = Record<string, unknown>>(path: string, options: LeasedSecretOptions = {}): Promise<LeasedSecret<D>> {
    const secret = await LeasedSecret.start<D>(this, path, options);
    this.own(secret);
    return secret;
  }

  /** Called by the session when it logged in again: the new token is the client's from now on. */
  adoptSessionToken(session: AuthSession, previous: string): void {
    if (this.session === session && (this.token === previous || this.token === undefined)) this.token = session.token;
  }

  /**
   * Revokes the leases of every leased secret, then stops the session (revoking its token too
   * with `revokeToken`: leases first, while the token can still revoke them), and zeroes the cache.
   */
  async close(options: { revokeToken?: boolean } = {}): Promise<void> {
    const session = this.session;
    const leased = [...this.owned].filter((thing) => thing !== session);
    this.owned.clear();
    await Promise.allSettled(leased.map((thing) => thing.close()));
    await session?.close({ revoke: options.revokeToken });
    this.session = undefined;
    this.cache?.close();
  }

  /** A request whose body or answer is bytes, not JSON (snapshots); non-2xx throws CofferApiError. */
  async requestBytes(method: string, path: string, body?: Uint8Array): Promise<IncomingMessage> {
    const headers: Record<string, string> = body ? { 'Content-Type': 'application/octet-stream' } : {};
    return (await this.exchange(method, path, '', headers, body, this.token, false, false)).response;
  }

  /**
   * Sends a request as given and answers whatever the server answered, any status, body as bytes:
   * for a proxy (the agent's API proxy). `target` is the path and query after /v1/. Not retried
   * (the proxied client decides), not cached, standby redirects followed.
   */
  async forward(method: string, target: string, headers: Record<string, string>, body: Uint8Array | undefined, token: string | undefined): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
    const at = target.indexOf('?');
    const [path, query] = at < 0 ? [target, ''] : [target.slice(0, at), target.slice(at + 1)];
    const sent: Record<string, string> = { ...headers };
    if (token) sent['X-Vault-Token'] = token;
    if (this.namespace && !Object.keys(sent).some((k) => k.toLowerCase() === 'x-vault-namespace')) sent['X-Vault-Namespace'] = this.namespace;
    const url = displayUrl(this.base, path, query);
    try {
      const response = await send({ method, base: this.base, path, query, headers: sent, body, tls: this.tls, signal: AbortSignal.timeout(this.timeoutMs) });
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      return { status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) };
    } catch (err) {
      throw new CofferConnectionError(method, url, err);
    }
  }

  /**
   * sys/wrapping/unwrap. With a wrapping token, it is sent as the request's own token (the
   * wrapping token is allowed to unwrap itself); without one, the client's token is unwrapped.
   * `client.wrapping.unwrap` also checks where the token was made before using it.
   */
  unwrap(wrappingToken?: string): Promise<Secret | undefined> {
    return this.request('POST', 'sys/wrapping/unwrap', { ...(wrappingToken ? { token: wrappingToken } : {}), wrapTTL: null });
  }

  private own(thing: { close(): Promise<void>; once(event: 'closed', listener: () => void): unknown }): void {
    this.owned.add(thing);
    thing.once('closed', () => this.owned.delete(thing));
  }

  /** The cache key of a read: a digest of the token (never the token itself), the namespace, path and query. */
  private cacheKey(path: string, query: string, token: string | null | undefined): string {
    const used = token === null ? '' : (token ?? this.token ?? '');
    const digest = used ? createHash('sha256').update(used).digest('base64url').slice(0, 22) : '-';
    return `${digest} ${this.namespace ?? ''} ${trimSlashes(path)}?${query}`;
  }

  /**
   * One request, retried when idempotent and following a standby's 307s; a non-2xx answer throws
   * CofferApiError with the server's `errors`, a failure to reach the server CofferConnectionError.
   * With `readBody` the 2xx body is read here too, within the timeout (a snapshot's is left to stream).
   */
  private async exchange(
    method: string,
    path: string,
    query: string,
    extraHeaders: Record<string, string>,
    body: string | Uint8Array | undefined,
    token: string | undefined,
    idempotent: boolean,
    readBody: boolean,
  ): Promise<{ response: IncomingMessage; text: string }> {
    // Vault's CLI always asks for X-Vault-Request so the server can tell a browser's request apart (CSRF).
    const headers: Record<string, string> = { ...extraHeaders, 'X-Vault-Request': 'true' };
    if (token) headers['X-Vault-Token'] = token;
    if (this.namespace) headers['X-Vault-Namespace'] = this.namespace;
    if (!this.forwarding) headers['X-Vault-No-Request-Forwarding'] = 'true';
    const attempt = () => this.attempt(method, path, query, headers, body, readBody);
    return idempotent && this.retryPolicy ? this.retryPolicy.execute(attempt) : attempt();
  }

  private async attempt(
    method: string,
    path: string,
    query: string,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    readBody: boolean,
  ): Promise<{ response: IncomingMessage; text: string }> {
    let base = this.base;
    for (let hop = 0; ; hop++) {
      const url = displayUrl(base, path, query);
      const signal = readBody ? AbortSignal.timeout(this.timeoutMs) : undefined;
      let response: IncomingMessage;
      let text = '';
      try {
        response = await send({ method, base, path, query, headers, body, tls: this.tls, signal });
        const status = response.statusCode ?? 0;
        if (status === 307 || status === 308) response.resume();
        else if (readBody || status < 200 || status > 299) text = await readText(response);
      } catch (err) {
        throw new CofferConnectionError(method, url, signal?.aborted ? new Error(`request timed out after ${this.timeoutMs} ms`) : err);
      }
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if ((status === 307 || status === 308) && location && hop < MAX_REDIRECTS) {
        base = redirectBase(new URL(location, base));
        continue;
      }
      if (status < 200 || status > 299) {
        const parsed = parseJson(text);
        const requestId = response.headers['x-request-id'];
        throw new CofferApiError(status, errorsOf(parsed, text), method, url, parsed, typeof requestId === 'string' ? requestId : undefined, response.headers);
      }
      return { response, text };
    }
  }
}

/** The base address a redirect points at: its origin, and whatever precedes /v1/<path> in it. */
function redirectBase(location: URL): URL {
  const at = location.pathname.indexOf('/v1/');
  const prefix = at > 0 ? location.pathname.slice(0, at) : '';
  return new URL(`${location.origin}${prefix}`);
}

/**
 * How long a read's answer may be cached: not at all when it carries a lease (each read makes a
 * new credential), a token or a wrapping token; else the lease_duration when set (KV v1's ttl).
 */
function cacheLifetimeMs(answer: unknown): number | undefined {
  if (!answer || typeof answer !== 'object') return undefined;
  const secret = answer as Partial<Secret>;
  if (secret.lease_id || secret.auth || secret.wrap_info) return undefined;
  return secret.lease_duration ? secret.lease_duration * 1000 : Number.POSITIVE_INFINITY;
}

/** Like Vault's client: a write to sys/wrapping/wrap is wrapped for 5 minutes unless told otherwise. */
function defaultWrapTTL(method: string, path: string): string | undefined {
  const isWrite = method === 'POST' || method === 'PUT';
  return isWrite && path.replace(/^\/+|\/+$/g, '').replace(/^v1\//, '') === 'sys/wrapping/wrap' ? '5m' : undefined;
}

/** A query map as an encoded query string (repeated keys for arrays), without the '?'. */
function queryString(query: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, String(one));
  }
  return params.toString();
}
