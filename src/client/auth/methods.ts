import { readFile } from 'node:fs/promises';
import type { CofferClient } from '../client.js';
import type { AuthInfo, Secret } from '../types.js';
import type { CreationPathRule } from '../wrapping.js';

/** Where Kubernetes mounts a pod's service-account token. */
export const KUBERNETES_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * One way of getting a token. `login` is called once by `client.authenticate` and again whenever
 * the session must log in anew (token not renewable, max TTL reached, revoked behind its back).
 */
export interface LoginMethod {
  /** A name for messages and events ("approle", "kubernetes", ...). */
  readonly name: string;
  login(client: CofferClient): Promise<AuthInfo>;
}

/** A login method that can run once only (a token given by value, a single-use wrapping token). */
export class LoginNotRepeatable extends Error {
  override readonly name = 'LoginNotRepeatable';
}

/** A value given directly, read from a file, or computed at each login (a fresh TOTP code, a rotated JWT). */
export type Credential = string | { file: string } | (() => string | Promise<string>);

async function resolveCredential(value: Credential, what: string): Promise<string> {
  const text = typeof value === 'string' ? value : typeof value === 'function' ? await value() : (await readFile(value.file, 'utf8')).trim();
  if (!text) throw new Error(`${what} is empty`);
  return text;
}

/** The auth block of a login answer, or an error saying there was none. */
export function authOf(answer: Secret | undefined, what: string): AuthInfo {
  if (!answer?.auth?.client_token) throw new Error(`${what} answered no token`);
  return answer.auth;
}

/**
 * A token the caller already has (or its file). Its TTL and renewability come from lookup-self; it can be
 * renewed, but when it expires there is no way to log in again.
 */
export function tokenAuth(given: Credential): LoginMethod {
  let used = false;
  return {
    name: 'token',
    async login(client) {
      if (used) throw new LoginNotRepeatable('a token given by value cannot log in again once it is gone');
      const token = await resolveCredential(given, 'token');
      const answer = await client.request<Secret<LookupSelf>>('GET', 'auth/token/lookup-self', { token, wrapTTL: null, cache: false });
      const data = answer?.data;
      if (!data) throw new Error('token lookup-self answered no data');
      // Only a lookup that worked uses the method up: one that failed on the way may be tried again.
      used = true;
      return {
        client_token: token,
        accessor: data.accessor ?? '',
        policies: data.policies ?? null,
        token_policies: data.policies ?? null,
        metadata: data.meta ?? null,
        lease_duration: data.ttl ?? 0,
        renewable: data.renewable ?? false,
        entity_id: data.entity_id,
        token_type: data.type,
        orphan: data.orphan,
      };
    },
  };
}

interface LookupSelf {
  accessor?: string;
  policies?: string[];
  meta?: Record<string, string> | null;
  ttl?: number;
  renewable?: boolean;
  entity_id?: string;
  type?: string;
  orphan?: boolean;
}

export interface AppRoleLogin {
  roleId: Credential;
  /** The secret id itself; or give `wrappedSecretId`. */
  secretId?: Credential;
  /**
   * A wrapping token for the secret id (from `write -wrap-ttl=... auth/approle/role/<r>/secret-id`):
   * unwrapped once, after checking where it was made; the secret id is then kept in memory for
   * later logins (while its uses and TTL last).
   */
  wrappedSecretId?: Credential;
  /** Where the wrapping token must have been made; default auth/<mount>/role/<any role>/secret-id. */
  wrappingPath?: CreationPathRule;
  mount?: string;
}

/** AppRole: role id and secret id (or a wrapped secret id). */
export function appRoleAuth(options: AppRoleLogin): LoginMethod {
  const mount = trimSlashes(options.mount ?? 'approle');
  if ((options.secretId === undefined) === (options.wrappedSecretId === undefined)) {
    throw new Error('appRoleAuth needs exactly one of secretId and wrappedSecretId');
  }
  let unwrapped: string | undefined;
  const secretId = async (client: CofferClient): Promise<string> => {
    if (options.secretId !== undefined) return resolveCredential(options.secretId, 'AppRole secret id');
    if (unwrapped === undefined) {
      const wrapping = await resolveCredential(options.wrappedSecretId!, 'AppRole wrapped secret id');
      const expected = options.wrappingPath ?? new RegExp(`^auth/${escapeRegExp(mount)}/role/[^/]+/secret-id$`);
      const answer = await client.wrapping.unwrap(wrapping, expected);
      const value = answer.data?.secret_id;
      if (typeof value !== 'string' || !value) throw new Error('the wrapped response held no secret_id');
      unwrapped = value;
    }
    return unwrapped;
  };
  return {
    name: 'approle',
    async login(client) {
      const roleId = await resolveCredential(options.roleId, 'AppRole role id');
      return authOf(await client.login(mount, { role_id: roleId, secret_id: await secretId(client) }, { wrapTTL: null }), 'AppRole login');
    },
  };
}

export interface KubernetesLogin {
  role: string;
  /** The service-account token file, read at every login (projected tokens rotate). */
  tokenPath?: string;
  mount?: string;
}

/** Kubernetes: the pod's service-account token, reviewed by the server. */
export function kubernetesAuth(options: KubernetesLogin): LoginMethod {
  const mount = trimSlashes(options.mount ?? 'kubernetes');
  const file = options.tokenPath ?? KUBERNETES_TOKEN_PATH;
  return {
    name: 'kubernetes',
    async login(client) {
      const jwt = await resolveCredential({ file }, `service-account token (${file})`);
      return authOf(await client.login(mount, { role: options.role, jwt }, { wrapTTL: null }), 'Kubernetes login');
    },
  };
}

export interface JwtLogin {
  role?: string;
  /** The JWT, its file, or a function answering a fresh one at each login. */
  jwt: Credential;
  mount?: string;
}

/** JWT: a token from an identity provider, checked against the mount's keys or JWKS. */
export function jwtAuth(options: JwtLogin): LoginMethod {
  const mount = trimSlashes(options.mount ?? 'jwt');
  return {
    name: 'jwt',
    async login(client) {
      const jwt = await resolveCredential(options.jwt, 'JWT');
      return authOf(await client.login(mount, { ...(options.role ? { role: options.role } : {}), jwt }, { wrapTTL: null }), 'JWT login');
    },
  };
}

export interface UserpassLogin {
  username: string;
  password: Credential;
  /** The user's current TOTP code, asked for at each login (codes are single-use), when the user has MFA on. */
  totp?: () => string | Promise<string>;
  mount?: string;
}

/** Userpass, with Coffer's TOTP second factor when the user has it. */
export function userpassAuth(options: UserpassLogin): LoginMethod {
  const mount = trimSlashes(options.mount ?? 'userpass');
  return {
    name: 'userpass',
    async login(client) {
      const body: Record<string, unknown> = { password: await resolveCredential(options.password, 'password') };
      if (options.totp) body.totp = await options.totp();
      return authOf(await client.login(mount, body, { suffix: options.username, wrapTTL: null }), 'userpass login');
    },
  };
}

export interface WrappedTokenLogin {
  /** The single-use wrapping token (e.g. from `token create -wrap-ttl=60s`), or its file. */
  wrappingToken: Credential;
  /**
   * Where it must have been made; default: a token create (auth/token/create, create-orphan,
   * create/<role>) or a login (auth/<mount>/login...).
   */
  creationPath?: CreationPathRule;
}

/** The default creation paths of a wrapped token: the token store's create endpoints and logins. */
export const WRAPPED_TOKEN_PATHS = /^auth\/(token\/create(-orphan)?(\/[^/]+)?|.+\/login(\/.*)?)$/;

/**
 * Secret zero: the client holds only a single-use wrapping token; the login unwraps it (after the
 * creation-path check) and the token inside is the session's. It cannot log in again.
 */
export function wrappedTokenAuth(options: WrappedTokenLogin): LoginMethod {
  let used = false;
  return {
    name: 'wrapped_token',
    async login(client) {
      if (used) throw new LoginNotRepeatable('a wrapped token unwraps once: there is nothing to log in with again');
      used = true;
      const wrapping = await resolveCredential(options.wrappingToken, 'wrapping token');
      const answer = await client.wrapping.unwrap(wrapping, options.creationPath ?? WRAPPED_TOKEN_PATHS);
      return authOf(answer, 'unwrapped response');
    },
  };
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
