import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBoolText, parseDurationMs } from '../wire/index.js';
import type { TlsSettings } from './transport.js';

/** Where a client talks to when neither an option nor VAULT_ADDR says otherwise (Vault's dev listener). */
export const DEFAULT_ADDRESS = 'http://127.0.0.1:8200';

/** An environment to read Vault's variables from (process.env by default). */
export type Env = Readonly<Record<string, string | undefined>>;

/** A setting in the environment (or given as an option) that cannot be used: a bad boolean, a missing file. */
export class ClientConfigError extends Error {
  override readonly name = 'ClientConfigError';
}

/** TLS files and switches, by option or by Vault's variable (the option wins). */
export interface TlsSources {
  caCert?: string;
  caPath?: string;
  clientCert?: string;
  clientKey?: string;
  skipVerify?: boolean;
  serverName?: string;
}

/** The first value that is set and not empty. */
export function firstSet(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v !== '');
}

/**
 * TLS settings as Vault's client reads them: VAULT_CACERT (a PEM file), VAULT_CAPATH (a directory
 * of PEM files; ignored when a CA file is given, as in Vault), VAULT_CLIENT_CERT / VAULT_CLIENT_KEY,
 * VAULT_SKIP_VERIFY (Go's ParseBool) and VAULT_TLS_SERVER_NAME. Files are read here, once, so a
 * client made at start-up does not touch the disk per request.
 */
export function tlsFromEnvironment(env: Env, given: TlsSources = {}): TlsSettings {
  const caCert = firstSet(given.caCert, env.VAULT_CACERT);
  const caPath = firstSet(given.caPath, env.VAULT_CAPATH);
  const clientCert = firstSet(given.clientCert, env.VAULT_CLIENT_CERT);
  const clientKey = firstSet(given.clientKey, env.VAULT_CLIENT_KEY);
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    throw new ClientConfigError('a client certificate needs its key, and a key its certificate (VAULT_CLIENT_CERT and VAULT_CLIENT_KEY)');
  }
  const tls: TlsSettings = {};
  if (caCert) tls.ca = [readSetting(caCert, 'VAULT_CACERT')];
  else if (caPath) tls.ca = pemFilesIn(caPath);
  if (clientCert && clientKey) {
    tls.cert = readSetting(clientCert, 'VAULT_CLIENT_CERT');
    tls.key = readSetting(clientKey, 'VAULT_CLIENT_KEY');
  }
  const skip = given.skipVerify ?? (env.VAULT_SKIP_VERIFY ? envBool('VAULT_SKIP_VERIFY', env.VAULT_SKIP_VERIFY) : false);
  if (skip) tls.skipVerify = true;
  const serverName = firstSet(given.serverName, env.VAULT_TLS_SERVER_NAME);
  if (serverName) tls.serverName = serverName;
  return tls;
}

/** VAULT_CLIENT_TIMEOUT in milliseconds (seconds, or a Go duration such as "30s"), when set. */
export function timeoutFromEnvironment(env: Env): number | undefined {
  const raw = firstSet(env.VAULT_CLIENT_TIMEOUT);
  if (raw === undefined) return undefined;
  const ms = parseDurationMs(raw);
  if (ms === undefined || ms <= 0) throw new ClientConfigError(`invalid duration "${raw}" for VAULT_CLIENT_TIMEOUT`);
  return ms;
}

/** VAULT_MAX_RETRIES, when set. */
export function retriesFromEnvironment(env: Env): number | undefined {
  const raw = firstSet(env.VAULT_MAX_RETRIES);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new ClientConfigError(`invalid number "${raw}" for VAULT_MAX_RETRIES`);
  return Number(raw);
}

function readSetting(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ClientConfigError(`cannot read ${what} file ${path}: ${(err as Error).message}`);
  }
}

function pemFilesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new ClientConfigError(`cannot read VAULT_CAPATH directory ${dir}: ${(err as Error).message}`);
  }
  return names
    .filter((name) => /\.(pem|crt|cer)$/i.test(name))
    .sort()
    .map((name) => readSetting(join(dir, name), 'VAULT_CAPATH'));
}

function envBool(name: string, raw: string): boolean {
  const value = parseBoolText(raw);
  if (value === undefined) throw new ClientConfigError(`invalid boolean value "${raw}" for ${name}`);
  return value;
}
