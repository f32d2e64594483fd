/** The message of a failure from parsing or fetching, with its cause (never a stack: it goes back to the client). */
export function reason(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return err.message + cause;
  }
  return String(err);
}
