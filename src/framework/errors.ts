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

  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CODES[code].message,
    options: { errors?: string[]; detail?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CofferError';
    this.errors = options.errors ?? [message];
    this.detail = options.detail;
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
export const wrappingTokenInvalid = () => invalidRequest('wrapping token is not valid or does not exist');
export const noHandler = (path: string) => new CofferError('no_handler', `no handler for route "${path}". route entry not found.`);
