import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the CLI talks to when nothing says otherwise (Vault's dev default). */
export const DEFAULT_ADDRESS = 'http://127.0.0.1:8200';
/** File name of the saved token, in the home directory (`coffer login` writes it). */
export const TOKEN_FILE_NAME = '.coffer-token';

type Env = Readonly<Record<string, string | undefined>>;

function firstSet(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v !== '');
}

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

/** The token: COFFER_TOKEN, VAULT_TOKEN, then the token file written by `coffer login`. */
export async function resolveToken(env: Env, homeDir: string): Promise<string | undefined> {
  const fromEnv = firstSet(env.COFFER_TOKEN, env.VAULT_TOKEN);
  if (fromEnv) return fromEnv;
  try {
    return (await readFile(tokenFilePath(homeDir), 'utf8')).trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Saves a token for later commands, readable by its owner only (0600). */
export async function saveToken(homeDir: string, token: string): Promise<string> {
  const path = tokenFilePath(homeDir);
  await writeFile(path, token, { mode: 0o600 });
  // writeFile's mode applies only when it creates the file; an existing file is tightened too.
  await chmod(path, 0o600);
  return path;
}
