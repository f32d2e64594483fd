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
    /** The server's id for the request (its X-Request-Id), as its audit log and server log name it. */
    readonly requestId?: string,
    /** The answer's headers (lower-case names). */
    readonly headers: Readonly<Record<string, string | string[] | undefined>> = {},
  ) {
    // The request id is a property, not part of the message: the message is Vault's, line for line.
    super(describe(status, errors, method, url));
  }

  /**
   * Whether sending the same request again may succeed: the server was unavailable, overloaded or
   * failed (5xx but 501), or rate-limited it (429). Whether it is safe to resend is the caller's
   * question: the client itself resends only idempotent requests.
   */
  get retryable(): boolean {
    return this.status === 429 || (this.status >= 500 && this.status !== 501);
  }
}

function describe(status: number, errors: string[], method: string, url: string): string {
  const list = errors.map((e) => `* ${e}`).join('\n');
  return `Error making API request.\n\nURL: ${method} ${url}\nCode: ${status}. Errors:\n\n${list}`;
}

/** The server could not be reached at all (refused, DNS, TLS, timed out...). */
export class CofferConnectionError extends Error {
  override readonly name = 'CofferConnectionError';
  /** Another attempt may reach the server; a TLS verification failure will fail the same way, but costs nothing to retry. */
  readonly retryable = true;

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

/** Whether an error from a client call may succeed when the same call is made again. */
export function isRetryable(err: unknown): boolean {
  return (err instanceof CofferApiError || err instanceof CofferConnectionError) && err.retryable;
}
