import type { Secret } from '../../client/index.js';
import { EXIT_API_ERROR } from '../exit-codes.js';
import { expectArgs, openSession, type CliIo } from '../session.js';

/**
 * `unwrap [TOKEN]`: returns the response a wrapping token holds. Without an argument the client's own
 * token (COFFER_TOKEN / VAULT_TOKEN) is taken to be the wrapping token, which is how an
 * initContainer handed only a wrapping token uses it.
 */
export async function unwrapCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 0, 1);
  const client = await session.client();
  let secret: Secret | undefined;
  try {
    secret = await client.unwrap(positionals[0]);
  } catch (err) {
    return session.fail('unwrapping', err);
  }
  if (!secret) {
    session.err('Could not find wrapped response');
    return EXIT_API_ERROR;
  }
  return session.printSecret(secret);
}
