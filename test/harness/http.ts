/** A raw HTTP answer, as a client sees it. */
export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface ApiOptions {
  token?: string;
  body?: unknown;
  /** Sent verbatim (for malformed-input tests). */
  rawBody?: string;
  headers?: Record<string, string>;
  /**
   * Source address of the connection, e.g. "127.0.0.2" (any 127/8 address works on loopback), for
   * CIDR-binding tests. Only `closingApi` (test/sys/fixture.ts) honours it; `api` refuses it.
   */
  localAddress?: string;
}

/** Calls the server's HTTP API directly, the way curl would. */
export async function api<T = Record<string, unknown>>(address: string, method: string, path: string, options: ApiOptions = {}): Promise<ApiResponse<T>> {
  if (options.localAddress) throw new Error('api() cannot choose a source address: use closingApi');
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['X-Vault-Token'] = options.token;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const res = await fetch(`${address}/v1/${path.replace(/^\/+/, '')}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { unparsed: text };
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}
