import type { Secret } from '../../client/index.js';
import { saveToken } from '../config.js';
import { EXIT_OK, UsageError } from '../exit-codes.js';
import { expectArgs, openSession, type CliIo } from '../session.js';

/** `login TOKEN` (or `-` for stdin): checks the token with lookup-self, then saves it to ~/.coffer-token. */
export async function loginCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, { 'no-store': { type: 'boolean' }, method: { type: 'string' } });
  expectArgs(positionals, 1);
  if (flags.method && flags.method !== 'token') throw new UsageError(`Unsupported login method "${flags.method}": only token is available`);
  const token = positionals[0] === '-' ? (await io.readStdin()).trim() : (positionals[0] as string);
  if (!token) throw new UsageError('No token given');
  const client = await session.client();
  let lookup: Secret | undefined;
  try {
    lookup = await client.request('GET', 'auth/token/lookup-self', { token });
  } catch (err) {
    return session.fail('authenticating', err);
  }
  const data = lookup?.data ?? {};
  if (!flags['no-store']) await saveToken(io.homeDir, token);
  // Like Vault's token login, show the looked-up token as an auth block.
  const policies = (data.policies as string[] | undefined) ?? [];
  const asAuth: Secret = {
    request_id: lookup?.request_id ?? '',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: null,
    auth: {
      client_token: token,
      accessor: String(data.accessor ?? ''),
      policies,
      token_policies: policies,
      identity_policies: (data.identity_policies as string[] | undefined) ?? [],
      metadata: (data.meta as Record<string, string> | null | undefined) ?? null,
      lease_duration: Number(data.ttl ?? 0),
      renewable: data.renewable === true,
    },
  };
  if (session.format === 'table' && session.field === undefined) {
    session.out(
      flags['no-store']
        ? 'Success! You are now authenticated. The token was not stored.\n'
        : 'Success! You are now authenticated. The token information displayed below\n' +
            'is already stored in ~/.coffer-token. You do NOT need to run "coffer login"\n' +
            'again. Future requests will automatically use this token.\n',
    );
  }
  session.printSecret(asAuth);
  return EXIT_OK;
}
