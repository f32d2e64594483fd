/** An error that carries its HTTP meaning; the HTTP layer renders it as {"errors": [...]}. */
export class CofferError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: string[] = [message],
  ) {
    super(message);
    this.name = 'CofferError';
  }
}

export const invalidRequest = (why: string) => new CofferError(400, why);
export const permissionDenied = () => new CofferError(403, 'permission denied');
export const notFoundError = (why = 'not found') => new CofferError(404, why);
export const unsupportedOperation = () => new CofferError(405, 'unsupported operation');
export const checkAndSetFailed = (why: string) => new CofferError(400, why);
export const sealedError = () => new CofferError(503, 'Vault is sealed');
export const wrappingTokenInvalid = () => invalidRequest('wrapping token is not valid or does not exist');
export const noHandler = (path: string) => new CofferError(404, `no handler for route "${path}". route entry not found.`);
