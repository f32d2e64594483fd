import type { IncomingMessage } from 'node:http';
import { AuditClient } from './audit-devices.js';
import { CofferApiError, CofferConnectionError } from './errors.js';
import { KvClient } from './kv.js';
import { LeaseClient } from './leases.js';
import { MountsClient, RemountClient, trimSlashes } from './mounts.js';
import { OperatorClient } from './operator.js';
import { PolicyClient } from './policies.js';
import { TokenClient } from './token.js';
import { displayUrl, errorsOf, parseJson, readText, send, type TlsSettings } from './transport.js';
import type { ClientConfig, RequestOptions, Secret } from './types.js';

type Data = Record<string, unknown>;

/** A small client for the Vault HTTP API (v1), spoken by Coffer, over node:http(s). */
export class CofferClient {
  readonly address: string;
  token: string | undefined;
  namespace: string | undefined;
  private readonly base: URL;
  private readonly tls: TlsSettings;
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

  constructor(config: ClientConfig) {
    this.address = config.address.replace(/\/+$/, '');
    this.base = new URL(this.address);
    this.token = config.token;
    this.namespace = config.namespace;
    this.tls = config.tls ?? {};
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
    const wrapTTL = options.wrapTTL || defaultWrapTTL(method, path);
    if (wrapTTL !== undefined && wrapTTL !== '') headers['X-Vault-Wrap-TTL'] = String(wrapTTL);
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      body = JSON.stringify(options.body);
    }
    // `token: null` sends no token at all (a login must not carry whatever token was lying around).
    const token = options.token === null ? undefined : (options.token ?? this.token);
    const { status, text } = await this.exchange(method, path, queryString(options.query), headers, body, token, true);
    if (status === 204 || text.trim() === '') return undefined;
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
  login(mount: string, data: Data, options: { suffix?: string; wrapTTL?: string } = {}): Promise<Secret | undefined> {
    const suffix = options.suffix === undefined ? '' : `/${encodeURIComponent(options.suffix)}`;
    return this.request('POST', `auth/${trimSlashes(mount)}/login${suffix}`, { body: data, token: null, wrapTTL: options.wrapTTL });
  }

  /** A request whose body or answer is bytes, not JSON (snapshots); non-2xx throws CofferApiError. */
  async requestBytes(method: string, path: string, body?: Uint8Array): Promise<IncomingMessage> {
    const headers: Record<string, string> = body ? { 'Content-Type': 'application/octet-stream' } : {};
    return (await this.exchange(method, path, '', headers, body, this.token, false)).response;
  }

  /**
   * One request on the wire with the headers every call carries; a non-2xx answer throws
   * CofferApiError with the server's `errors`, a failure to reach the server CofferConnectionError.
   * With `readBody` the 2xx body is read here too (a snapshot's is left to stream).
   */
  private async exchange(
    method: string,
    path: string,
    query: string,
    extraHeaders: Record<string, string>,
    body: string | Uint8Array | undefined,
    token: string | undefined,
    readBody: boolean,
  ): Promise<{ response: IncomingMessage; status: number; text: string }> {
    const url = displayUrl(this.base, path, query);
    // Vault's CLI always asks for X-Vault-Request so the server can tell a browser's request apart (CSRF).
    const headers: Record<string, string> = { ...extraHeaders, 'X-Vault-Request': 'true' };
    if (token) headers['X-Vault-Token'] = token;
    if (this.namespace) headers['X-Vault-Namespace'] = this.namespace;
    let response: IncomingMessage;
    let status: number;
    let text = '';
    try {
      response = await send({ method, base: this.base, path, query, headers, body, tls: this.tls });
      status = response.statusCode ?? 0;
      if (readBody || status < 200 || status > 299) text = await readText(response);
    } catch (err) {
      throw new CofferConnectionError(method, url, err);
    }
    if (status < 200 || status > 299) {
      const parsed = parseJson(text);
      throw new CofferApiError(status, errorsOf(parsed, text), method, url, parsed);
    }
    return { response, status, text };
  }

  /**
   * sys/wrapping/unwrap. With a wrapping token, it is sent as the request's own token (the
   * wrapping token is allowed to unwrap itself); without one, the client's token is unwrapped.
   */
  unwrap(wrappingToken?: string): Promise<Secret | undefined> {
    return this.request('POST', 'sys/wrapping/unwrap', wrappingToken ? { token: wrappingToken } : {});
  }
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
