/**
 * Exit statuses, as Vault's CLI uses them: 0 success, 1 a local or usage error (bad flag, bad
 * arguments, an unreadable file), 2 a remote error (the server answered an error, or could not be
 * reached). A few commands give 2 a meaning of its own, as Vault's do (`status` when sealed,
 * `operator init -status` when not initialized).
 */
export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
/** A local failure other than usage (an unreadable file, a broken audit chain): the same 1 as Vault's. */
export const EXIT_LOCAL_ERROR = 1;
export const EXIT_API_ERROR = 2;

/** A mistake in how the command was called: wrong flags or arguments. Exits with EXIT_USAGE. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `-h` / `-help` among a command's flags: print its help (with the flags it was parsing) and exit 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';

  constructor(
    /** The flags the command accepts (a FlagSpec), when the request came from its flag parser. */
    readonly flags?: Readonly<Record<string, unknown>>,
  ) {
    super('help requested');
  }
}
