// The UI's one way to the server: Vault's public /v1 API over fetch, with the signed-in token.
// It can do nothing a CLI user with the same token could not.

export interface WrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

export interface AuthInfo {
  client_token: string;
  accessor: string;
  policies: string[] | null;
  token_policies?: string[] | null;
  lease_duration: number;
  renewable: boolean;
  entity_id?: string;
  metadata?: Record<string, string> | null;
}

/** Vault's response envelope. */
export interface VaultResponse<T = Record<string, unknown>> {
  request_id?: string;
  lease_id?: string;
  renewable?: boolean;
  lease_duration?: number;
  data: T;
  wrap_info: WrapInfo | null;
  warnings: string[] | null;
  auth: AuthInfo | null;
}

/** A refusal from the server, holding its `errors[]` text as sent. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
  ) {
    super(errors.length ? errors.join('; ') : `the server answered ${status}`);
  }
}

export type Method = 'GET' | 'LIST' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  method?: Method;
  body?: unknown;
  /** X-Vault-Token; none for a login or an unauthenticated path. */
  token?: string | null;
  /** X-Vault-Namespace ("" or undefined: the root namespace). */
  namespace?: string;
  /** X-Vault-Wrap-TTL: the answer comes back wrapped. */
  wrapTtl?: string;
}

/**
 * One request to `/v1/<path>`. Answers the envelope, or null for 204. LIST goes as GET ?list=true,
 * which every proxy passes. Raises ApiError with the server's `errors[]` on any 4xx/5xx.
 */
export async function apiRequest<T = Record<string, unknown>>(path: string, options: RequestOptions = {}): Promise<VaultResponse<T> | null> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = {};
  if (options.token) headers['X-Vault-Token'] = options.token;
  if (options.namespace) headers['X-Vault-Namespace'] = options.namespace;
  if (options.wrapTtl) headers['X-Vault-Wrap-TTL'] = options.wrapTtl;
  if (options.body !== undefined) headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  const url = `/v1/${path.replace(/^\/+/, '')}${method === 'LIST' ? `${path.includes('?') ? '&' : '?'}list=true` : ''}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: method === 'LIST' ? 'GET' : method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (err) {
    throw new ApiError(0, [`the server could not be reached: ${(err as Error).message}`]);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const errors = (body as { errors?: unknown } | null)?.errors;
    throw new ApiError(response.status, Array.isArray(errors) ? errors.map(String) : []);
  }
  return body as VaultResponse<T>;
}

/** Unauthenticated reads the home page needs (sys/health answers 429/473/501/503 with a body). */
export async function readHealth(): Promise<Record<string, unknown>> {
  const response = await fetch('/v1/sys/health?standbyok=true&perfstandbyok=true&sealedcode=200&uninitcode=200', { cache: 'no-store', credentials: 'omit' });
  return (await response.json()) as Record<string, unknown>;
}
