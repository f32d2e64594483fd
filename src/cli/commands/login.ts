import type { CofferClient, Secret } from '../../client/index.js';
import { saveToken } from '../config.js';
import { parseDataArgs } from '../data-args.js';
import { EXIT_API_ERROR, EXIT_OK, UsageError } from '../exit-codes.js';
import { loginMethods } from '../login-methods.js';
import type { FlagSpec } from '../flags.js';
import { secretField } from '../output.js';
import { openSession, type CliIo, type Session } from '../session.js';

const loginFlags = {
  method: { type: 'string', default: 'token', description: 'Auth method: token, userpass, approle, jwt or kubernetes.' },
  path: { type: 'string', default: 'the method', description: 'Where the auth method is mounted (under auth/).' },
  'no-store': { type: 'boolean', default: 'false', description: 'Do not save the token to ~/.coffer-token.' },
  'no-print': { type: 'boolean', default: 'false', description: 'Do not print the token; only save it.' },
  'token-only': { type: 'boolean', default: 'false', description: 'Print only the token and do not save it (-field=token -no-store).' },
} as const satisfies FlagSpec;

/**
 * `login [-method=TYPE] [-path=P] [K=V...]`, Vault's grammar: authenticates through an auth method,
 * saves the token to ~/.coffer-token (unless -no-store / -token-only) and prints it as an auth table.
 * The default method is token (`login TOKEN`, `login -`).
 */
export async function loginCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, loginFlags);
  // -token-only is documented by Vault as a shortcut for "-field=token -no-store".
  const tokenOnly = flags['token-only'] === true;
  const noStore = tokenOnly || flags['no-store'] === true;
  const field = tokenOnly ? 'token' : session.field;
  if (noStore && flags['no-print']) throw new UsageError('-no-store and -no-print cannot be used together');

  const methodName = (flags.method ?? 'token').replace(/^\/+|\/+$/g, '') || 'token';
  const method = loginMethods[methodName];
  if (!method) {
    throw new UsageError(
      `Unknown auth method: ${methodName}. Use "coffer auth list" to see the enabled auth methods; ` +
        `coffer login supports -method=${Object.keys(loginMethods).join(', ')}.`,
    );
  }
  // A bare first argument is the token itself (`login TOKEN`, `login -`), as in Vault.
  const pairs = methodName === 'token' && positionals[0] !== undefined && !positionals[0].includes('=') ? [`token=${positionals[0]}`, ...positionals.slice(1)] : positionals;
  const config = await parseDataArgs(pairs, io);
  const mountArg = config.mount;
  delete config.mount;
  if (mountArg !== undefined && typeof mountArg !== 'string') throw new UsageError("'mount' must be given once, as a string");
  const mount = (mountArg || flags.path || methodName).replace(/^\/+|\/+$/g, '');

  const client = await session.client();
  let secret: Secret | undefined;
  let wrapped = false;
  try {
    const answer = await method(client, { mount, config, promptSecret: io.promptSecret, wrapTTL: methodName === 'token' ? undefined : session.wrapTTL });
    // Vault unwraps a wrapped login itself, unless the caller only wants the token or no storing.
    ({ secret, wrapped } = await extractToken(client, answer, !noStore));
  } catch (err) {
    return session.fail('authenticating', err);
  }

  if (wrapped) {
    return tokenOnly ? session.printField(secretField(secret, 'wrapping_token'), 'wrapping_token') : session.printSecret(secret);
  }
  if (!secret.auth) {
    session.err('Error authenticating: the server answered without an auth block');
    return EXIT_API_ERROR;
  }
  if (!noStore) {
    await saveToken(io.homeDir, secret.auth.client_token);
    warnAboutEnvironmentToken(session, io);
  } else if (!tokenOnly) {
    session.err('The token was not stored in ~/.coffer-token. Set the COFFER_TOKEN environment variable or pass the token below with each request.\n');
  }
  if (flags['no-print']) return EXIT_OK;
  if (field !== undefined) return session.printField(secretField(secret, field), field);
  if (session.format === 'table') {
    session.out(
      'Success! You are now authenticated. The token information displayed below\n' +
        (noStore ? 'is NOT stored: it is shown here only.\n' : 'is already stored in ~/.coffer-token. You do NOT need to run "coffer login"\nagain. Future requests will automatically use this token.\n'),
    );
  }
  return session.printSecret(secret);
}

/**
 * The response holding the token: an auth block as is, or a wrapped login (wrap_info naming the
 * wrapped token's accessor) unwrapped when `unwrap` is set.
 */
async function extractToken(client: CofferClient, answer: Secret | undefined, unwrap: boolean): Promise<{ secret: Secret; wrapped: boolean }> {
  if (!answer) throw new Error('the server answered the login with an empty response');
  if (answer.auth) return { secret: answer, wrapped: false };
  const wrap = answer.wrap_info;
  if (!wrap) throw new Error('the server answered the login without auth or wrapping information');
  if (!wrap.wrapped_accessor) throw new Error('wrapped response does not contain a token');
  if (!unwrap) return { secret: answer, wrapped: true };
  return extractToken(client, await client.unwrap(wrap.token), unwrap);
}

/** A token in the environment wins over the stored one, which would surprise whoever just logged in. */
function warnAboutEnvironmentToken(session: Session, io: CliIo): void {
  for (const name of ['COFFER_TOKEN', 'VAULT_TOKEN']) {
    if (io.env[name]) {
      session.err(`WARNING! The ${name} environment variable is set! Its value takes precedence over the stored token; unset it to use the token from this login.\n`);
      return;
    }
  }
}
