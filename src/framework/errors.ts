import { ERROR_CODES, type ErrorCode } from './error-codes.js';

export { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * An error with a stable code; the HTTP layer answers the code's status and `errors` in Vault's
 * `{"errors": [...]}` shape. `detail` is for the server log only: never answered.
 */
export class CofferError extends Error {
  readonly errors: string[];
  /** Internal detail (an upstream's answer, a socket error): logged, never sent to the caller. */
  readonly detail: string | undefined;
  /** Headers the HTTP layer sends with the error answer (Retry-After on a 429...). */
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CODES[code].message,
    options: { errors?: string[]; detail?: string; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CofferError';
    this.errors = options.errors ?? [message];
    this.detail = options.detail;
    this.headers = options.headers;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export const invalidRequest = (why: string) => new CofferError('invalid_request', why);
export const permissionDenied = () => new CofferError('permission_denied');
export const notFoundError = (why?: string) => new CofferError('not_found', why);
export const unsupportedOperation = () => new CofferError('unsupported_operation');
export const checkAndSetFailed = (why: string) => new CofferError('check_and_set_failed', why);
export const sealedError = () => new CofferError('sealed');
/** The header naming why a wrapping token was refused (Coffer's own; Vault's body text is kept). */
export const WRAPPING_FAILURE_HEADER = 'x-coffer-wrapping-failure';

/**
 * Vault's one refusal for every unusable wrapping token. `reason` (already_used, expired, invalid)
 * goes in a header only: the holder of a token learns whether someone used it first, which is what
 * it must alert on, and the body stays Vault's for every client that compares it.
 */
export const wrappingTokenInvalid = (reason?: string) =>
  new CofferError('invalid_request', 'wrapping token is not valid or does not exist', reason ? { headers: { [WRAPPING_FAILURE_HEADER]: reason } } : {});
export const noHandler = (path: string) => new CofferError('no_handler', `no handler for route "${path}". route entry not found.`);
