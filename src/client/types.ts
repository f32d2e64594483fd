import type { CacheOptions } from './cache.js';
import type { Env } from './environment.js';
import type { TlsSettings } from './transport.js';

/** Vault's wrap_info block, as the server defines it (wire/). */
export type { WrapInfo } from '../wire/index.js';
import type { WrapInfo } from '../wire/index.js';

/** Vault's auth block, present when a request produced a token (token create, logins). */
export interface AuthInfo {
  client_token: string;
  accessor: string;
  policies: string[] | null;
  token_policies: string[] | null;
  identity_policies?: string[] | null;
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id?: string;
  token_type?: string;
  orphan?: boolean;
}

/** Vault's response envelope for a logical request. `D` is the shape of `data`. */
export interface Secret<D = Record<string, unknown>> {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: D | null;
  wrap_info: WrapInfo | null;
  warnings: string[] | null;
  auth: AuthInfo | null;
  mount_type?: string;
}

/** Options for a single request. */
export interface RequestOptions {
  /** JSON body; sent with Content-Type application/json unless `contentType` says otherwise. */
  body?: unknown;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  /**
   * Ask the server to wrap the response (X-Vault-Wrap-TTL): a duration string ("5m") or seconds.
   * Absent: the client's default (`wrapTTL` option, VAULT_WRAP_TTL); null: never wrapped.
   */
  wrapTTL?: string | number | null;
  /** Use this token instead of the client's own for this one request; null sends no token. */
  token?: string | null;
  contentType?: string;
  /**
   * Whether the request may be sent again after a network error or a retryable status. Default:
   * GET, HEAD and DELETE are, writes are not (a write that timed out may have happened).
   */
  idempotent?: boolean;
  /** false: this read bypasses the cache (neither answered from it nor stored in it). */
  cache?: boolean;
}

/** What `new CofferClient(...)` needs to reach a server; each setting falls back to Vault's environment. */
export interface ClientConfig {
  /** Base address, e.g. http://127.0.0.1:8200 (no /v1); VAULT_ADDR; default http://127.0.0.1:8200. */
  address?: string;
  /** VAULT_TOKEN. */
  token?: string;
  /** VAULT_NAMESPACE; sent as X-Vault-Namespace. */
  namespace?: string;
  /** CA, client certificate and verification settings for https addresses; default from VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY, VAULT_SKIP_VERIFY, VAULT_TLS_SERVER_NAME. */
  tls?: TlsSettings;
  /** Wrap every response for this long (VAULT_WRAP_TTL); null: never by default. */
  wrapTTL?: string | null;
  /** Per request, until the whole answer is read; VAULT_CLIENT_TIMEOUT; default 60 s. */
  timeoutMs?: number;
  /** Extra attempts of an idempotent request after a network error or a retryable status; VAULT_MAX_RETRIES; default 2. */
  maxRetries?: number;
  /** Backoff between attempts (exponential with decorrelated jitter); default 100 ms up to 1.5 s. */
  retryDelayMs?: { initial: number; max: number };
  /** false: a standby answers 307 to the active node (followed) instead of forwarding (X-Vault-No-Request-Forwarding). */
  forwarding?: boolean;
  /** Opt-in read cache; see CacheOptions. */
  cache?: CacheOptions;
  /** Where the fallbacks are read (default process.env); {} reads none. */
  env?: Env;
}
