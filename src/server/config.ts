import { readFile } from 'node:fs/promises';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parseDocument } from 'yaml';

/** The server configuration, in Vault's shape (storage, listener, seal, api_addr, ui). */
export interface ServerConfig {
  storage: { type: 'sqlite'; path: string } | { type: 'inmem' };
  listeners: ListenerConfig[];
  seal: { type: 'local'; keyFile?: string };
  apiAddr?: string;
  ui: boolean;
  logLevel?: string;
  /** Largest accepted request body, bytes (Vault's max_request_size). */
  maxRequestSize?: number;
}

export interface ListenerConfig {
  address: string;
  tlsDisable: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
}

/** A configuration problem, with the file and line when known. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Json = Record<string, unknown>;
const KNOWN_KEYS = new Set(['storage', 'backend', 'listener', 'seal', 'api_addr', 'cluster_addr', 'ui', 'log_level', 'disable_mlock', 'max_request_size', 'cluster_name']);

/** Reads an HCL or JSON configuration file (JSON when the name ends in .json or the text starts with "{"). */
export async function loadConfig(file: string): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  return parseConfig(file, text);
}

/** Parses configuration text; errors name the file and, where it can be found, the line. */
export async function parseConfig(file: string, text: string): Promise<ServerConfig> {
  const raw = await parseSyntax(file, text);
  const where = (needle: RegExp) => {
    const line = text.split('\n').findIndex((l) => needle.test(l));
    return line === -1 ? file : `${file}:${line + 1}`;
  };
  const fail = (needle: RegExp, message: string): never => {
    throw new ConfigError(`${where(needle)}: ${message}`);
  };

  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) fail(new RegExp(`^\\s*"?${escape(key)}\\b`), `unknown configuration key "${key}"`);
  }
  const storageBlocks = blocks(raw.storage ?? raw.backend);
  if (storageBlocks.length !== 1) fail(/^\s*"?(storage|backend)\b/, 'exactly one storage stanza is required');
  const [storageType, storageBody] = storageBlocks[0]!;
  let storage: ServerConfig['storage'];
  if (storageType === 'sqlite') {
    if (typeof storageBody.path !== 'string' || storageBody.path === '') fail(/^\s*"?storage\b/, 'storage "sqlite" needs a "path"');
    storage = { type: 'sqlite', path: storageBody.path as string };
  } else if (storageType === 'inmem') {
    storage = { type: 'inmem' };
  } else {
    storage = fail(new RegExp(`storage\\W+${escape(storageType)}`), `unknown storage type "${storageType}" (supported: sqlite, inmem)`);
  }

  const listeners = blocks(raw.listener).map(([type, body]): ListenerConfig => {
    if (type !== 'tcp') fail(new RegExp(`listener\\W+${escape(type)}`), `unknown listener type "${type}" (supported: tcp)`);
    const address = body.address ?? '127.0.0.1:8200';
    if (typeof address !== 'string' || !/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(address)) {
      fail(/^\s*"?address\b/, `listener address must be host:port, got ${JSON.stringify(address)}`);
    }
    const tlsDisable = truthy(body.tls_disable);
    const listener: ListenerConfig = { address: address as string, tlsDisable };
    if (!tlsDisable) {
      if (typeof body.tls_cert_file !== 'string' || typeof body.tls_key_file !== 'string') {
        fail(/^\s*"?listener\b/, 'listener needs tls_cert_file and tls_key_file, or tls_disable = true');
      }
      listener.tlsCertFile = body.tls_cert_file as string;
      listener.tlsKeyFile = body.tls_key_file as string;
    }
    return listener;
  });
  if (listeners.length === 0) fail(/^\s*"?listener\b/, 'at least one listener stanza is required');

  const sealBlocks = blocks(raw.seal);
  let seal: ServerConfig['seal'] = { type: 'local' };
  if (sealBlocks.length > 1) fail(/^\s*"?seal\b/, 'at most one seal stanza is allowed');
  if (sealBlocks.length === 1) {
    const [type, body] = sealBlocks[0]!;
    if (type !== 'local') fail(new RegExp(`seal\\W+${escape(type)}`), `unknown seal type "${type}" (supported: local)`);
    seal = { type: 'local', ...(typeof body.key_file === 'string' ? { keyFile: body.key_file } : {}) };
  }

  for (const key of ['api_addr', 'log_level'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') fail(new RegExp(`^\\s*"?${key}\\b`), `${key} must be a string`);
  }
  const maxRequestSize = raw.max_request_size;
  if (maxRequestSize !== undefined && !(Number.isSafeInteger(maxRequestSize) && (maxRequestSize as number) > 0)) {
    fail(/^\s*"?max_request_size\b/, 'max_request_size must be a positive integer');
  }
  return {
    storage,
    listeners,
    seal,
    apiAddr: raw.api_addr as string | undefined,
    ui: truthy(raw.ui),
    logLevel: raw.log_level as string | undefined,
    maxRequestSize: maxRequestSize as number | undefined,
  };
}

async function parseSyntax(file: string, text: string): Promise<Json> {
  const isJson = file.endsWith('.json') || text.trimStart().startsWith('{');
  try {
    const raw: unknown = isJson ? JSON.parse(text) : await parseHcl(file, text);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('top level must be an object');
    return raw as Json;
  } catch (err) {
    const message = (err as Error).message.replace(/^parse config: \[(.*)\]$/s, '$1');
    if (isJson) throw new ConfigError(`${file}${jsonLine(text, message)}: invalid JSON: ${message}`);
    throw new ConfigError(message.startsWith(file) ? message : `${file}: ${message}`);
  }
}

/**
 * The line of a JSON syntax error. Node 20's JSON.parse names a position only for some errors, so
 * otherwise the (JSON-superset) YAML parser locates the first error.
 */
function jsonLine(text: string, message: string): string {
  const position = /position (\d+)/.exec(message)?.[1];
  if (position) return `:${text.slice(0, Number(position)).split('\n').length}`;
  const line = parseDocument(text).errors[0]?.linePos?.[0]?.line;
  return line ? `:${line}` : '';
}

/**
 * Labelled blocks, as HCL (`storage "sqlite" {..}` → {sqlite: [{..}]}) or JSON (`{sqlite: {..}}` or a list
 * of those) gives them: a list of [label, body].
 */
function blocks(value: unknown): [string, Json][] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const out: [string, Json][] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    for (const [label, body] of Object.entries(item as Json)) {
      for (const one of Array.isArray(body) ? body : [body]) out.push([label, (one ?? {}) as Json]);
    }
  }
  return out;
}

const truthy = (v: unknown) => v === true || v === 'true' || v === 1 || v === '1';
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
