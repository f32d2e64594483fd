import { CofferApiError, CofferConnectionError } from '../client/index.js';
import { EXIT_API_ERROR, EXIT_OK } from './exit-codes.js';
import { withSlash } from './mount-flags.js';
import { expectArgs, openSession, type CliIo } from './session.js';

/** How often the status of a move is asked for (Vault's CLI waits 10 s; a move here takes milliseconds). */
const POLL_INTERVAL_MS = 250;

/**
 * `secrets move SRC DST` and `auth move SRC DST`: start sys/remount, then poll its status until it
 * succeeds or fails, printing Vault's lines. Paths are sent as given plus a trailing slash, as
 * Vault's CLI does: an auth method is named with its "auth/" prefix ("auth/userpass/").
 */
export async function moveMount(io: CliIo, args: readonly string[], what: 'secrets engine' | 'auth method'): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 2);
  const source = withSlash(positionals[0] as string);
  const destination = withSlash(positionals[1] as string);
  const client = await session.client();
  let id: string;
  try {
    id = await client.remount.start(source, destination);
  } catch (err) {
    return session.fail(`moving ${what} ${source} to ${destination}`, err);
  }
  const moving = `${what} ${source} to ${destination}, with migration ID ${id}`;
  session.out(`Started moving ${moving}`);
  for (;;) {
    let status: string;
    try {
      const migration = await client.remount.status(id);
      if (!migration) throw new Error('the server does not know this migration');
      status = migration.migration_info.status;
    } catch (err) {
      if (err instanceof CofferApiError || err instanceof CofferConnectionError) return session.fail(`checking migration status of ${what} ${source} to ${destination}`, err);
      session.err(`Error checking migration status of ${what} ${source} to ${destination}: ${(err as Error).message}`);
      return EXIT_API_ERROR;
    }
    if (status === 'success') {
      session.out(`Success! Finished moving ${moving}`);
      return EXIT_OK;
    }
    if (status === 'failure') {
      // Vault's CLI exits 0 here; a move that failed is an error to a script, so Coffer does not.
      session.err(`Failure! Error encountered moving ${moving}`);
      return EXIT_API_ERROR;
    }
    session.out(`Waiting for terminal status in migration of ${moving}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
