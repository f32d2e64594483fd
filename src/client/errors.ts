/**
 * A non-2xx answer from the server. Its message is laid out as Vault's Go client lays out
 * ResponseError, so a CLI can print `Error reading <path>: ${err.message}` and match Vault.
 */
export class CofferApiError extends Error {
  override readonly name = 'CofferApiError';

  constructor(
    readonly status: number,
    readonly errors: string[],
    readonly method: string,
    readonly url: string,
    /** The parsed body when it was JSON (a 404 on a KV v2 read still carries metadata). */
    readonly body?: unknown,
  ) {
    super(describe(status, errors, method, url));
  }
}

function describe(status: number, errors: string[], method: string, url: string): string {
  const list = errors.map((e) => `* ${e}`).join('\n');
  return `Error making API request.\n\nURL: ${method} ${url}\nCode: ${status}. Errors:\n\n${list}`;
}

/** The server could not be reached at all (refused, DNS, TLS...). */
export class CofferConnectionError extends Error {
  override readonly name = 'CofferConnectionError';

  constructor(
    readonly method: string,
    readonly url: string,
    cause: unknown,
  ) {
    // Same layout as Go's url.Error, which is what Vault's CLI shows: Get "http://...": <reason>.
    super(`${method.charAt(0)}${method.slice(1).toLowerCase()} "${url}": ${reasonOf(cause)}`, { cause });
  }
}

function reasonOf(cause: unknown): string {
  const inner = (cause as { cause?: unknown })?.cause;
  if (inner instanceof Error) return inner.message;
  return cause instanceof Error ? cause.message : String(cause);
}
