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
}

/** Calls the server's HTTP API directly, the way curl would. */
export async function api<T = Record<string, unknown>>(address: string, method: string, path: string, options: ApiOptions = {}): Promise<ApiResponse<T>> {
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
