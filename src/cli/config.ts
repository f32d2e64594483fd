import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClientConfigError, DEFAULT_ADDRESS, firstSet, retriesFromEnvironment, tlsFromEnvironment, type Env, type TlsSources } from '../client/environment.js';
import type { TlsSettings } from '../client/transport.js';
import { UsageError } from './exit-codes.js';

export { DEFAULT_ADDRESS };
/** File name of the saved token, in the home directory (`coffer login` writes it). */
export const TOKEN_FILE_NAME = '.coffer-token';
/** Vault's token helper file, read when Coffer's own is absent (so a Vault user's login carries over). */
export const VAULT_TOKEN_FILE_NAME = '.vault-token';

/** The server address: -address, COFFER_ADDR, VAULT_ADDR, then the default. */
export function resolveAddress(env: Env, flag?: string): string {
  return firstSet(flag, env.COFFER_ADDR, env.VAULT_ADDR) ?? DEFAULT_ADDRESS;
}

/** The namespace: -namespace, COFFER_NAMESPACE, VAULT_NAMESPACE. */
export function resolveNamespace(env: Env, flag?: string): string | undefined {
  return firstSet(flag, env.COFFER_NAMESPACE, env.VAULT_NAMESPACE);
}

/** Path of the token file under a home directory. */
export function tokenFilePath(homeDir: string): string {
  return join(homeDir, TOKEN_FILE_NAME);
}

/**
 * The token: COFFER_TOKEN, VAULT_TOKEN, then the token file written by `coffer login`
 * (~/.coffer-token), then Vault's (~/.vault-token) when Coffer's is absent.
 */
export async function resolveToken(env: Env, homeDir: string): Promise<string | undefined> {
  const fromEnv = firstSet(env.COFFER_TOKEN, env.VAULT_TOKEN);
  if (fromEnv) return fromEnv;
  for (const name of [TOKEN_FILE_NAME, VAULT_TOKEN_FILE_NAME]) {
    const text = await readIfPresent(join(homeDir, name));
    if (text !== undefined) return text.trim() || undefined;
  }
  return undefined;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The TLS settings given by flag or by Vault's environment variables (the flag wins). */
export type TlsFlags = TlsSources;

/** TLS settings as Vault's client reads them (see tlsFromEnvironment); a bad setting is a usage error. */
export async function resolveTls(env: Env, flags: TlsFlags = {}): Promise<TlsSettings> {
  return asUsageError(() => tlsFromEnvironment(env, flags));
}

/** A setting the client refuses is the user's to fix: exit 1, not 2. */
function asUsageError<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ClientConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/** VAULT_MAX_RETRIES (0 when unset: a command fails fast); a bad number is a usage error. */
export function resolveRetries(env: Env): number {
  return asUsageError(() => retriesFromEnvironment(env) ?? 0);
}

/** The default wrap TTL: -wrap-ttl, else COFFER_WRAP_TTL / VAULT_WRAP_TTL. */
export function resolveWrapTtl(env: Env, flag?: string): string | undefined {
  return firstSet(flag, env.COFFER_WRAP_TTL, env.VAULT_WRAP_TTL);
}

/** Saves a token for later commands, readable by its owner only (0600). */
export async function saveToken(homeDir: string, token: string): Promise<string> {
  const path = tokenFilePath(homeDir);
  await writeFile(path, token, { mode: 0o600 });
  // writeFile's mode applies only when it creates the file; an existing file is tightened too.
  await chmod(path, 0o600);
  return path;
}
