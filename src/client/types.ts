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
  /** Ask the server to wrap the response (X-Vault-Wrap-TTL): a duration string ("5m") or seconds. */
  wrapTTL?: string | number;
  /** Use this token instead of the client's own for this one request; null sends no token. */
  token?: string | null;
  contentType?: string;
}

/** What `new CofferClient(...)` needs to reach a server. */
export interface ClientConfig {
  /** Base address, e.g. http://127.0.0.1:8200 (no /v1). */
  address: string;
  token?: string;
  namespace?: string;
  /** CA, client certificate and verification settings for https addresses. */
  tls?: TlsSettings;
}
