import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { CofferApiError, CofferConnectionError } from './errors.js';
import { KvClient } from './kv.js';
import { displayUrl, readText, send, type TlsSettings } from './transport.js';
import type { ClientConfig, RequestOptions, Secret } from './types.js';

type Data = Record<string, unknown>;

/** Parameters of auth/token/create, named as Vault names them. */
export interface TokenCreateRequest {
  id?: string;
  policies?: string[];
  meta?: Record<string, string>;
  no_parent?: boolean;
  no_default_policy?: boolean;
  renewable?: boolean;
  ttl?: string;
  explicit_max_ttl?: string;
  display_name?: string;
  num_uses?: number;
  period?: string;
  type?: string;
  entity_alias?: string;
}

/** sys/remount/status/:migration_id: where a mount move is. */
export interface MountMigration {
  migration_id: string;
  migration_info: { source_mount: string; target_mount: string; status: 'in-progress' | 'success' | 'failure' | string };
}

/** Body of sys/mounts/<path> when enabling a secrets engine. */
export interface MountRequest {
  type: string;
  description?: string;
  config?: Data;
  options?: Record<string, string>;
  local?: boolean;
  seal_wrap?: boolean;
}

/** Body of sys/auth/<path> when enabling an auth method (same shape as a secrets engine mount). */
export type AuthMountRequest = MountRequest;

/** Body of sys/audit/<path> when enabling an audit device. */
export interface AuditEnableRequest {
  type: string;
  description?: string;
  /** Device options, all strings as Vault takes them (file_path, log_raw, prefix, ...). */
  options?: Record<string, string>;
  local?: boolean;
}

/** One enabled audit device as sys/audit lists it. */
export interface AuditDevice {
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
  path: string;
}

/** Body of sys/init, named as Vault names it. */
export interface InitRequest {
  secret_shares: number;
  secret_threshold: number;
  /** KMS seals: how the recovery key is split (Vault's default 5/3). */
  recovery_shares?: number;
  recovery_threshold?: number;
  pgp_keys?: string[];
  root_token_pgp_key?: string;
}

/** Answer of sys/init: unseal key shares (empty with a KMS seal) and the first root token. */
export interface InitResponse {
  /** Shares, hex. */
  keys: string[];
  /** The same shares, base64. */
  keys_base64: string[];
  recovery_keys: string[];
  recovery_keys_base64: string[];
  root_token: string;
}

/** A small client for the Vault HTTP API (v1), spoken by Coffer, over node:http(s). */
export class CofferClient {
  readonly address: string;
  token: string | undefined;
  namespace: string | undefined;
  private readonly base: URL;
  private readonly tls: TlsSettings;
  private kvClient: KvClient | undefined;

  constructor(config: ClientConfig) {
    this.address = config.address.replace(/\/+$/, '');
    this.base = new URL(this.address);
    this.token = config.token;
    this.namespace = config.namespace;
    this.tls = config.tls ?? {};
  }

  /** KV helpers that find the mount and its version (1 or 2) the way Vault's CLI does. */
  get kv(): KvClient {
    this.kvClient ??= new KvClient(this);
    return this.kvClient;
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
    const query = queryString(options.query);
    const url = displayUrl(this.base, path, query);
    const headers: Record<string, string> = {};
    // `token: null` sends no token at all (a login must not carry whatever token was lying around).
    const token = options.token === null ? undefined : (options.token ?? this.token);
    if (token) headers['X-Vault-Token'] = token;
    if (this.namespace) headers['X-Vault-Namespace'] = this.namespace;
    const wrapTTL = options.wrapTTL || defaultWrapTTL(method, path);
    if (wrapTTL !== undefined && wrapTTL !== '') headers['X-Vault-Wrap-TTL'] = String(wrapTTL);
    // Vault's CLI always asks for this header so the server can tell a browser's request apart (CSRF).
    headers['X-Vault-Request'] = 'true';
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      body = JSON.stringify(options.body);
    }
    let status: number;
    let text: string;
    try {
      const response = await send({ method, base: this.base, path, query, headers, body, tls: this.tls });
      status = response.statusCode ?? 0;
      text = await readText(response);
    } catch (err) {
      throw new CofferConnectionError(method, url, err);
    }
    const parsed = parseJson(text);
    if (status < 200 || status > 299) {
      throw new CofferApiError(status, errorsOf(parsed, text), method, url, parsed);
    }
    if (status === 204 || text.trim() === '') return undefined;
    return parsed as T;
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

  // --- tokens (auth/token/...) ---

  /** auth/token/create, or create-orphan when `orphan` is set. */
  tokenCreate(params: TokenCreateRequest, options: { orphan?: boolean; role?: string; wrapTTL?: string } = {}): Promise<Secret | undefined> {
    const path = options.role
      ? `auth/token/create/${encodeURIComponent(options.role)}`
      : options.orphan
        ? 'auth/token/create-orphan'
        : 'auth/token/create';
    return this.request('POST', path, { body: params, wrapTTL: options.wrapTTL });
  }

  /** auth/token/lookup: properties of some token. */
  tokenLookup(token: string): Promise<Secret | undefined> {
    return this.request('POST', 'auth/token/lookup', { body: { token } });
  }

  /** auth/token/lookup-self: properties of the client's own token. */
  tokenLookupSelf(): Promise<Secret | undefined> {
    return this.request('GET', 'auth/token/lookup-self');
  }

  /** auth/token/lookup-accessor: properties of a token named by its accessor. */
  tokenLookupAccessor(accessor: string): Promise<Secret | undefined> {
    return this.request('POST', 'auth/token/lookup-accessor', { body: { accessor } });
  }

  /** auth/token/renew (or renew-self when no token is given). `increment` is a duration string or seconds. */
  tokenRenew(token?: string, increment?: string | number): Promise<Secret | undefined> {
    const body: Data = {};
    if (increment !== undefined && increment !== '') body.increment = increment;
    if (!token) return this.request('POST', 'auth/token/renew-self', { body });
    return this.request('POST', 'auth/token/renew', { body: { ...body, token } });
  }

  /** auth/token/revoke: revokes a token and its children. */
  tokenRevoke(token: string): Promise<undefined> {
    return this.request('POST', 'auth/token/revoke', { body: { token } }) as Promise<undefined>;
  }

  /** auth/token/revoke-orphan: revokes a token, leaving its children as orphans. */
  tokenRevokeOrphan(token: string): Promise<undefined> {
    return this.request('POST', 'auth/token/revoke-orphan', { body: { token } }) as Promise<undefined>;
  }

  /** auth/token/revoke-self. */
  tokenRevokeSelf(): Promise<undefined> {
    return this.request('POST', 'auth/token/revoke-self') as Promise<undefined>;
  }

  /** auth/token/revoke-accessor. */
  tokenRevokeAccessor(accessor: string): Promise<undefined> {
    return this.request('POST', 'auth/token/revoke-accessor', { body: { accessor } }) as Promise<undefined>;
  }

  // --- sys ---

  /** sys/mounts: the mounted secrets engines, keyed by path ("secret/"). */
  async mounts(): Promise<Record<string, Data>> {
    const answer = await this.request<{ data?: Record<string, Data> } & Record<string, unknown>>('GET', 'sys/mounts');
    return answer?.data ?? {};
  }

  /** Enables a secrets engine at `path`. */
  async enableMount(path: string, mount: MountRequest): Promise<void> {
    await this.request('POST', `sys/mounts/${trimSlashes(path)}`, { body: mount });
  }

  /** Disables the secrets engine at `path`. */
  async disableMount(path: string): Promise<void> {
    await this.request('DELETE', `sys/mounts/${trimSlashes(path)}`);
  }

  /** Changes a mount's configuration (sys/mounts/<path>/tune). */
  async tuneMount(path: string, config: Data): Promise<void> {
    await this.request('POST', `sys/mounts/${trimSlashes(path)}/tune`, { body: config });
  }

  /** sys/remount: starts moving a mount ("secret/" → "kv/", "auth/a/" → "auth/b/"); answers the migration id. */
  async startRemount(from: string, to: string): Promise<string> {
    const answer = await this.request<{ data?: { migration_id?: unknown } } & Record<string, unknown>>('POST', 'sys/remount', { body: { from, to } });
    const id = answer?.data?.migration_id;
    if (typeof id !== 'string' || id === '') throw new Error('sys/remount answered no migration_id');
    return id;
  }

  /** sys/remount/status/:migration_id; undefined when the server does not know the migration. */
  async remountStatus(migrationId: string): Promise<MountMigration | undefined> {
    try {
      const answer = await this.request<{ data?: MountMigration } & Record<string, unknown>>('GET', `sys/remount/status/${encodeURIComponent(migrationId)}`);
      return answer?.data;
    } catch (err) {
      if (err instanceof CofferApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** sys/auth: the enabled auth methods, keyed by path ("userpass/"). */
  async authMethods(): Promise<Record<string, Data>> {
    const answer = await this.request<{ data?: Record<string, Data> } & Record<string, unknown>>('GET', 'sys/auth');
    return answer?.data ?? {};
  }

  /** Enables an auth method at `path` (sys/auth/<path>). */
  async enableAuth(path: string, mount: AuthMountRequest): Promise<void> {
    await this.request('POST', `sys/auth/${trimSlashes(path)}`, { body: mount });
  }

  /** Disables the auth method at `path`; every token it issued is revoked by the server. */
  async disableAuth(path: string): Promise<void> {
    await this.request('DELETE', `sys/auth/${trimSlashes(path)}`);
  }

  /** Changes an auth method's configuration (sys/auth/<path>/tune). */
  async tuneAuth(path: string, config: Data): Promise<void> {
    await this.request('POST', `sys/auth/${trimSlashes(path)}/tune`, { body: config });
  }

  /** sys/audit: the enabled audit devices, keyed by path ("file/"). */
  async auditDevices(): Promise<Record<string, AuditDevice>> {
    const answer = await this.request<{ data?: Record<string, AuditDevice> } & Record<string, unknown>>('GET', 'sys/audit');
    return answer?.data ?? {};
  }

  /** Enables an audit device at `path` (PUT sys/audit/<path>). */
  async enableAudit(path: string, device: AuditEnableRequest): Promise<void> {
    await this.request('PUT', `sys/audit/${trimSlashes(path)}`, { body: device });
  }

  /** Disables the audit device at `path`; disabling one that is not enabled is not an error. */
  async disableAudit(path: string): Promise<void> {
    await this.request('DELETE', `sys/audit/${trimSlashes(path)}`);
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

  /** Lists ACL policy names. */
  async policies(): Promise<string[]> {
    const answer = await this.request<Secret<{ keys?: string[]; policies?: string[] }>>('GET', 'sys/policy');
    return answer?.data?.policies ?? answer?.data?.keys ?? [];
  }

  /** Reads an ACL policy's text, or undefined when there is no such policy. */
  async readPolicy(name: string): Promise<string | undefined> {
    try {
      const answer = await this.request<Secret<{ policy?: string; rules?: string }>>('GET', `sys/policies/acl/${encodeURIComponent(name)}`);
      return answer?.data?.policy ?? answer?.data?.rules;
    } catch (err) {
      if (err instanceof CofferApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Creates or replaces an ACL policy. */
  async writePolicy(name: string, policy: string): Promise<void> {
    await this.request('PUT', `sys/policies/acl/${encodeURIComponent(name)}`, { body: { policy } });
  }

  /** Deletes an ACL policy. */
  async deletePolicy(name: string): Promise<void> {
    await this.request('DELETE', `sys/policies/acl/${encodeURIComponent(name)}`);
  }

  /** Capabilities of `token` (or of the client's own token when none is given) on each path. */
  async capabilities(paths: string[], token?: string): Promise<Record<string, string[]>> {
    const answer = token
      ? await this.request<Secret<Record<string, string[]>>>('POST', 'sys/capabilities', { body: { token, paths } })
      : await this.request<Secret<Record<string, string[]>>>('POST', 'sys/capabilities-self', { body: { paths } });
    const data = answer?.data ?? {};
    const result: Record<string, string[]> = {};
    for (const path of paths) result[path] = data[path] ?? data.capabilities ?? [];
    return result;
  }

  /**
   * sys/health. Like Vault's Go client it asks for 2xx codes in every state, so a sealed or
   * standby server answers with its status instead of an error.
   */
  async health(): Promise<Data> {
    const query = { standbycode: 299, sealedcode: 299, uninitcode: 299, drsecondarycode: 299, performancestandbycode: 299 };
    return (await this.request<Data>('GET', 'sys/health', { query })) ?? {};
  }

  /** sys/seal-status. */
  async sealStatus(): Promise<Data> {
    return (await this.request<Data>('GET', 'sys/seal-status')) ?? {};
  }

  /** GET sys/init: whether the store has been initialized. */
  async initStatus(): Promise<boolean> {
    const answer = await this.request<{ initialized?: boolean }>('GET', 'sys/init');
    return answer?.initialized === true;
  }

  /**
   * PUT sys/init: initializes the store. With a Shamir seal the answer carries the unseal key shares
   * (hex and base64); with a KMS seal the share lists are empty and only the root token matters.
   */
  async init(request: InitRequest): Promise<InitResponse> {
    const answer = await this.request<Partial<InitResponse>>('PUT', 'sys/init', { body: request, token: null });
    return {
      keys: answer?.keys ?? [],
      keys_base64: answer?.keys_base64 ?? [],
      recovery_keys: answer?.recovery_keys ?? [],
      recovery_keys_base64: answer?.recovery_keys_base64 ?? [],
      root_token: answer?.root_token ?? '',
    };
  }

  /** PUT sys/unseal with one key share (hex or base64; `migrate` during a seal migration); answers the seal status after it. */
  async unseal(key: string, options: { migrate?: boolean } = {}): Promise<Data> {
    return (await this.request<Data>('PUT', 'sys/unseal', { body: { key, ...(options.migrate ? { migrate: true } : {}) }, token: null })) ?? {};
  }

  /** PUT sys/unseal {reset: true}: forgets the shares submitted so far; answers the seal status. */
  async unsealReset(): Promise<Data> {
    return (await this.request<Data>('PUT', 'sys/unseal', { body: { reset: true }, token: null })) ?? {};
  }

  /** GET sys/rekey/init (target "recovery": sys/rekey-recovery-key/init): the running rekey attempt, if any. */
  async rekeyStatus(target: RekeyTarget = 'barrier'): Promise<Data> {
    return (await this.request<Data>('GET', `${rekeyPrefix(target)}/init`, { token: null })) ?? {};
  }

  /** PUT sys/rekey/init: starts a rekey to a new split of `shares` shares, any `threshold` of which open. */
  async rekeyInit(target: RekeyTarget, shares: number, threshold: number): Promise<Data> {
    return (await this.request<Data>('PUT', `${rekeyPrefix(target)}/init`, { body: { secret_shares: shares, secret_threshold: threshold }, token: null })) ?? {};
  }

  /** DELETE sys/rekey/init: cancels the running rekey attempt. */
  async rekeyCancel(target: RekeyTarget = 'barrier'): Promise<void> {
    await this.request('DELETE', `${rekeyPrefix(target)}/init`, { token: null });
  }

  /** PUT sys/rekey/update: one share of the current key; answers the progress, or the new shares once complete. */
  async rekeyUpdate(target: RekeyTarget, key: string, nonce: string): Promise<Data> {
    return (await this.request<Data>('PUT', `${rekeyPrefix(target)}/update`, { body: { key, nonce }, token: null })) ?? {};
  }

  /** GET sys/generate-root/attempt: the running root token generation, if any, and otp_length. */
  async generateRootStatus(): Promise<Data> {
    return (await this.request<Data>('GET', 'sys/generate-root/attempt', { token: null })) ?? {};
  }

  /** PUT sys/generate-root/attempt: starts a root token generation encoded with `otp` (none: the server makes one and answers it in `otp`). */
  async generateRootInit(otp?: string): Promise<Data> {
    return (await this.request<Data>('PUT', 'sys/generate-root/attempt', { body: otp ? { otp } : {}, token: null })) ?? {};
  }

  /** DELETE sys/generate-root/attempt: cancels the running root token generation. */
  async generateRootCancel(): Promise<void> {
    await this.request('DELETE', 'sys/generate-root/attempt', { token: null });
  }

  /** PUT sys/generate-root/update: one unseal (or recovery) key share; answers the progress, or encoded_token once complete. */
  async generateRootUpdate(key: string, nonce: string): Promise<Data> {
    return (await this.request<Data>('PUT', 'sys/generate-root/update', { body: { key, nonce }, token: null })) ?? {};
  }

  /** PUT sys/seal: seals the server (needs a sudo token). */
  async seal(): Promise<void> {
    await this.request('PUT', 'sys/seal');
  }

  /** GET sys/storage/snapshot: the snapshot as a byte stream, read as the server produces it. */
  async snapshotSave(): Promise<ReadableStream<Uint8Array>> {
    const response = await this.binaryRequest('GET', 'sys/storage/snapshot');
    return Readable.toWeb(response) as ReadableStream<Uint8Array>;
  }

  /**
   * POST sys/storage/snapshot (or snapshot-force): restores a snapshot file. Answers the server's
   * warnings (a forced restore of other keys leaves it sealed, and says so).
   */
  async snapshotRestore(snapshot: Uint8Array, options: { force?: boolean } = {}): Promise<string[]> {
    const path = options.force ? 'sys/storage/snapshot-force' : 'sys/storage/snapshot';
    const response = await this.binaryRequest('POST', path, snapshot);
    const parsed = parseJson(await readText(response)) as { warnings?: string[] } | undefined;
    return parsed?.warnings ?? [];
  }

  /** A request whose body or answer is bytes, not JSON (snapshots); non-2xx throws CofferApiError. */
  private async binaryRequest(method: string, path: string, body?: Uint8Array): Promise<IncomingMessage> {
    const url = this.url(path);
    const headers: Record<string, string> = { 'X-Vault-Request': 'true' };
    if (this.token) headers['X-Vault-Token'] = this.token;
    if (this.namespace) headers['X-Vault-Namespace'] = this.namespace;
    if (body) headers['Content-Type'] = 'application/octet-stream';
    let response: IncomingMessage;
    try {
      response = await send({ method, base: this.base, path, query: '', headers, body, tls: this.tls });
    } catch (err) {
      throw new CofferConnectionError(method, url, err);
    }
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) {
      const text = await readText(response);
      const parsed = parseJson(text);
      throw new CofferApiError(status, errorsOf(parsed, text), method, url, parsed);
    }
    return response;
  }

  /**
   * sys/wrapping/unwrap. With a wrapping token, it is sent as the request's own token (the
   * wrapping token is allowed to unwrap itself); without one, the client's token is unwrapped.
   */
  unwrap(wrappingToken?: string): Promise<Secret | undefined> {
    return this.request('POST', 'sys/wrapping/unwrap', wrappingToken ? { token: wrappingToken } : {});
  }
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorsOf(parsed: unknown, text: string): string[] {
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { errors?: unknown }).errors)) {
    return (parsed as { errors: unknown[] }).errors.map(String);
  }
  return text.trim() && parsed === undefined ? [text.trim()] : [];
}

/** Like Vault's client: a write to sys/wrapping/wrap is wrapped for 5 minutes unless told otherwise. */
function defaultWrapTTL(method: string, path: string): string | undefined {
  const isWrite = method === 'POST' || method === 'PUT';
  return isWrite && path.replace(/^\/+|\/+$/g, '').replace(/^v1\//, '') === 'sys/wrapping/wrap' ? '5m' : undefined;
}

/** Which key a rekey replaces, as Vault's CLI names it: the unseal ("barrier") key or a KMS seal's recovery key. */
export type RekeyTarget = 'barrier' | 'recovery';

function rekeyPrefix(target: RekeyTarget): string {
  return target === 'recovery' ? 'sys/rekey-recovery-key' : 'sys/rekey';
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
