import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TlsSettings } from '../client/transport.js';
import { UsageError } from './exit-codes.js';
import { parseBoolText } from '../wire/index.js';

/** Where the CLI talks to when nothing says otherwise (Vault's dev default). */
export const DEFAULT_ADDRESS = 'http://127.0.0.1:8200';
/** File name of the saved token, in the home directory (`coffer login` writes it). */
export const TOKEN_FILE_NAME = '.coffer-token';
/** Vault's token helper file, read when Coffer's own is absent (so a Vault user's login carries over). */
export const VAULT_TOKEN_FILE_NAME = '.vault-token';

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
export interface TlsFlags {
  caCert?: string;
  caPath?: string;
  clientCert?: string;
  clientKey?: string;
  skipVerify?: boolean;
  serverName?: string;
}

/**
 * TLS settings as Vault's client reads them: VAULT_CACERT (a PEM file), VAULT_CAPATH (a directory
 * of PEM files; ignored when a CA file is given, as in Vault), VAULT_CLIENT_CERT / VAULT_CLIENT_KEY,
 * VAULT_SKIP_VERIFY (Go's ParseBool) and VAULT_TLS_SERVER_NAME.
 */
export async function resolveTls(env: Env, flags: TlsFlags = {}): Promise<TlsSettings> {
  const caCert = firstSet(flags.caCert, env.VAULT_CACERT);
  const caPath = firstSet(flags.caPath, env.VAULT_CAPATH);
  const clientCert = firstSet(flags.clientCert, env.VAULT_CLIENT_CERT);
  const clientKey = firstSet(flags.clientKey, env.VAULT_CLIENT_KEY);
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    throw new UsageError('a client certificate needs its key, and a key its certificate (VAULT_CLIENT_CERT and VAULT_CLIENT_KEY)');
  }
  const tls: TlsSettings = {};
  if (caCert) tls.ca = [await readFile(caCert, 'utf8')];
  else if (caPath) tls.ca = await pemFilesIn(caPath);
  if (clientCert && clientKey) {
    tls.cert = await readFile(clientCert, 'utf8');
    tls.key = await readFile(clientKey, 'utf8');
  }
  const skip = flags.skipVerify ?? (env.VAULT_SKIP_VERIFY ? parseEnvBool('VAULT_SKIP_VERIFY', env.VAULT_SKIP_VERIFY) : false);
  if (skip) tls.skipVerify = true;
  const serverName = firstSet(flags.serverName, env.VAULT_TLS_SERVER_NAME);
  if (serverName) tls.serverName = serverName;
  return tls;
}

async function pemFilesIn(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((name) => /\.(pem|crt|cer)$/i.test(name)).sort();
  return Promise.all(names.map((name) => readFile(join(dir, name), 'utf8')));
}

function parseEnvBool(name: string, raw: string): boolean {
  const value = parseBoolText(raw);
  if (value === undefined) throw new UsageError(`invalid boolean value "${raw}" for ${name}`);
  return value;
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
