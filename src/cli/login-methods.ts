import type { CofferClient, Secret } from '../client/index.js';
import { UsageError } from './exit-codes.js';

/** What a login method gets: the K=V arguments (mount already removed) and how to reach the user. */
export interface LoginInput {
  /** The auth method's mount path, without slashes ("userpass", or what -path / mount= said). */
  mount: string;
  /** The K=V arguments, parsed as `write` parses them (so `k=@file` and `k=-` work). */
  config: Record<string, unknown>;
  /** Asks for a hidden value on the terminal; absent without a terminal. */
  promptSecret?: (prompt: string) => Promise<string>;
  /** Ask the server to wrap the login response (-wrap-ttl). */
  wrapTTL?: string;
}

/** One `-method=TYPE` of `coffer login`: turns its K=V arguments into a login request. */
export type LoginMethod = (client: CofferClient, input: LoginInput) => Promise<Secret | undefined>;

/** The login methods `coffer login -method=...` knows, by auth method type. */
export const loginMethods: Record<string, LoginMethod> = {
  token: tokenLogin,
  userpass: userpassLogin,
  approle: postLogin('approle', ['role_id']),
  jwt: postLogin('jwt', ['jwt']),
  kubernetes: postLogin('kubernetes', ['role', 'jwt']),
};

/** A K=V argument that must be one plain string. */
function stringArg(config: Record<string, unknown>, key: string): string | undefined {
  const value = config[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`'${key}' must be given once, as a string`);
  return value;
}

function required(method: string, config: Record<string, unknown>, key: string): string {
  const value = stringArg(config, key);
  if (!value) throw new UsageError(`'${key}' must be specified for -method=${method} (${key}=VALUE, ${key}=@FILE or ${key}=-)`);
  return value;
}

/**
 * `login TOKEN`, `login token=T`, `login -` (stdin), or a hidden prompt on a terminal: checks the
 * token with lookup-self and answers it as an auth block, as Vault's token method does.
 */
async function tokenLogin(client: CofferClient, input: LoginInput): Promise<Secret | undefined> {
  let token = stringArg(input.config, 'token')?.trim();
  if (!token) {
    if (!input.promptSecret) throw new UsageError('No token given: pass it as an argument, as token=TOKEN, or with - to read it from stdin');
    token = (await input.promptSecret('Token (will be hidden): ')).trim();
    if (!token) throw new UsageError('No token given');
  }
  const lookup = await client.request('GET', 'auth/token/lookup-self', { token });
  const data = lookup?.data ?? {};
  const policies = (data.policies as string[] | undefined) ?? [];
  return {
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
}

/**
 * `login -method=userpass username=U [password=P] [...]`: POST auth/<mount>/login/<username>.
 * Without a password it asks for one on the terminal (hidden), as Vault does; with no terminal
 * that is a usage error, never a silent empty password. Other K=V pairs (totp, passcode) go along.
 */
async function userpassLogin(client: CofferClient, input: LoginInput): Promise<Secret | undefined> {
  const { username: _username, ...body } = input.config;
  const username = required('userpass', input.config, 'username');
  if (body.password === undefined) {
    if (!input.promptSecret) {
      throw new UsageError('No password given for -method=userpass: pass password=P (or password=- to read it from stdin); there is no terminal to ask on');
    }
    body.password = await input.promptSecret('Password (will be hidden): ');
  }
  return client.login(input.mount, body, { suffix: username, wrapTTL: input.wrapTTL });
}

/** Methods whose login is one POST of every K=V pair to auth/<mount>/login (approle, jwt, kubernetes). */
function postLogin(method: string, requiredKeys: readonly string[]): LoginMethod {
  return async (client, input) => {
    for (const key of requiredKeys) required(method, input.config, key);
    return client.login(input.mount, input.config, { wrapTTL: input.wrapTTL });
  };
}
