/**
 * Exit statuses. Note: Vault's own CLI uses 1 for local/usage errors and 2 for remote (API) errors;
 * Coffer's brief asks for the reverse (2 = usage, 1 = server). Kept in this one place so it can flip.
 */
export const EXIT_OK = 0;
export const EXIT_API_ERROR = 1;
export const EXIT_USAGE = 2;

/** A mistake in how the command was called: wrong flags or arguments. Exits with EXIT_USAGE. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `-h` / `-help` among a command's flags: print its usage and exit successfully. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
}
