import { readFile } from 'node:fs/promises';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parseDurationMs } from '../wire/index.js';

/** A problem with the agent's configuration file: exit 1 with this message. */
export class AgentConfigError extends Error {
  override readonly name = 'AgentConfigError';
}

export interface VaultStanza {
  address?: string;
  caCert?: string;
  caPath?: string;
  clientCert?: string;
  clientKey?: string;
  tlsSkipVerify?: boolean;
  tlsServerName?: string;
  namespace?: string;
  /** retry { num_retries }: extra attempts of an idempotent request (Vault Agent's default 12). */
  numRetries: number;
}

/** One auto_auth method: its type, where it is mounted and its `config` map, unchecked. */
export interface MethodStanza {
  type: string;
  /** The auth mount without "auth/" ("approle"). */
  mount: string;
  namespace?: string;
  config: Record<string, unknown>;
  minBackoffMs: number;
  maxBackoffMs: number;
}

export interface FileSinkStanza {
  path: string;
  /** File mode; Vault Agent's default 0640. */
  mode: number;
  /** Sink-level wrapping: the file holds the JSON wrap_info of a wrapping token for the token. */
  wrapTtl?: string;
}

export interface TemplateStanza {
  source?: string;
  contents?: string;
  destination: string;
  perms: number;
  createDestDirs: boolean;
  command?: string[];
  commandTimeoutMs: number;
  errorOnMissingKey: boolean;
  leftDelimiter: string;
  rightDelimiter: string;
}

export interface ListenerStanza {
  type: 'tcp' | 'unix';
  /** host:port for tcp, a socket path for unix. */
  address: string;
  tlsDisable: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
}

export interface AgentConfig {
  file: string;
  /** The local Vault-API endpoints (and /agent/v1/metrics). */
  listeners: ListenerStanza[];
  /** A `cache {}` stanza is present: leased answers and tokens made through the proxy are cached. */
  cache: boolean;
  /** api_proxy.use_auto_auth_token: add the agent's token to requests without one (true), or to all ("force"). */
  useAutoAuthToken: boolean | 'force';
  vault: VaultStanza;
  exitAfterAuth: boolean;
  pidFile?: string;
  logLevel: string;
  logFile?: string;
  autoAuth?: { method: MethodStanza; sinks: FileSinkStanza[] };
  /** Revoke the token on SIGTERM/SIGINT (Coffer's; Vault Agent has it in the cache stanza's persist options). */
  revokeOnShutdown: boolean;
  templates: TemplateStanza[];
  templateConfig: { staticSecretRenderIntervalMs: number; exitOnRetryFailure: boolean };
}

type Json = Record<string, unknown>;

/**
 * Where the configuration comes from: a file, or an environment variable holding the same text
 * (how the injector hands a generated config to its containers, with no file to mount or write).
 */
export type AgentConfigSource = { file: string } | { variable: string; env: NodeJS.ProcessEnv };

/** Reads and checks an agent configuration: Vault Agent's HCL, or JSON. */
export async function loadAgentConfig(source: AgentConfigSource): Promise<AgentConfig> {
  if ('variable' in source) {
    const text = source.env[source.variable];
    if (!text) throw new AgentConfigError(`${source.variable} is not set`);
    return parseAgentConfig(`$${source.variable}`, await parseText(`${source.variable}.hcl`, text));
  }
  let text: string;
  try {
    text = await readFile(source.file, 'utf8');
  } catch (err) {
    throw new AgentConfigError(`cannot read ${source.file}: ${(err as Error).message}`);
  }
  return parseAgentConfig(source.file, await parseText(source.file, text));
}

async function parseText(file: string, text: string): Promise<Json> {
  const isJson = file.endsWith('.json') || text.trimStart().startsWith('{');
  try {
    const raw: unknown = isJson ? JSON.parse(text) : await parseHcl(file, text);
    if (!isObject(raw)) throw new Error('the top level must be an object');
    return raw;
  } catch (err) {
    throw new AgentConfigError(`${file}: ${(err as Error).message.replace(/^parse config: \[(.*)\]$/s, '$1')}`);
  }
}

/** The checked configuration of an already parsed file (HCL blocks arrive as arrays of bodies). */
export function parseAgentConfig(file: string, raw: Json): AgentConfig {
  const fail = (message: string): never => {
    throw new AgentConfigError(`${file}: ${message}`);
  };
  const vaultBody = single(raw.vault, 'vault', fail) ?? {};
  const retry = single(vaultBody.retry, 'vault.retry', fail) ?? {};
  const vault: VaultStanza = {
    address: str(vaultBody.address, 'vault.address', fail),
    caCert: str(vaultBody.ca_cert, 'vault.ca_cert', fail),
    caPath: str(vaultBody.ca_path, 'vault.ca_path', fail),
    clientCert: str(vaultBody.client_cert, 'vault.client_cert', fail),
    clientKey: str(vaultBody.client_key, 'vault.client_key', fail),
    tlsSkipVerify: bool(vaultBody.tls_skip_verify, 'vault.tls_skip_verify', fail),
    tlsServerName: str(vaultBody.tls_server_name, 'vault.tls_server_name', fail),
    namespace: str(vaultBody.namespace, 'vault.namespace', fail),
    numRetries: int(retry.num_retries, 'vault.retry.num_retries', fail) ?? 12,
  };
  const autoAuthBody = single(raw.auto_auth, 'auto_auth', fail);
  const templates = blocks(raw.template, 'template', fail).map((body, i) => templateStanza(body, `template[${i}]`, fail));
  const templateConfigBody = single(raw.template_config, 'template_config', fail) ?? {};
  const proxyBody = single(raw.api_proxy, 'api_proxy', fail) ?? {};
  const useAuto = proxyBody.use_auto_auth_token;
  const config: AgentConfig = {
    file,
    listeners: labelled(raw.listener, 'listener', fail).map(({ label, body }, i) => listenerStanza(label ?? str(body.type, `listener[${i}].type`, fail), body, `listener[${i}]`, fail)),
    cache: raw.cache !== undefined,
    useAutoAuthToken: useAuto === 'force' ? 'force' : (bool(useAuto, 'api_proxy.use_auto_auth_token', fail) ?? false),
    vault,
    exitAfterAuth: bool(raw.exit_after_auth, 'exit_after_auth', fail) ?? false,
    pidFile: str(raw.pid_file, 'pid_file', fail),
    logLevel: str(raw.log_level, 'log_level', fail) ?? 'info',
    logFile: str(raw.log_file, 'log_file', fail),
    autoAuth: autoAuthBody ? autoAuthStanza(autoAuthBody, fail) : undefined,
    revokeOnShutdown: bool(raw.revoke_on_shutdown, 'revoke_on_shutdown', fail) ?? false,
    templates,
    templateConfig: {
      staticSecretRenderIntervalMs: duration(templateConfigBody.static_secret_render_interval, 'template_config.static_secret_render_interval', fail) ?? 5 * 60_000,
      exitOnRetryFailure: bool(templateConfigBody.exit_on_retry_failure, 'template_config.exit_on_retry_failure', fail) ?? false,
    },
  };
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(config.logLevel)) fail(`log_level must be trace, debug, info, warn or error, not "${config.logLevel}"`);
  return config;
}

function autoAuthStanza(body: Json, fail: (m: string) => never): { method: MethodStanza; sinks: FileSinkStanza[] } {
  const methods = labelled(body.method, 'auto_auth.method', fail);
  if (methods.length !== 1) fail(`auto_auth needs exactly one method block, found ${methods.length}`);
  const [{ label, body: methodBody }] = methods as [{ label: string | undefined; body: Json }];
  const type = label ?? str(methodBody.type, 'auto_auth.method.type', fail) ?? fail('auto_auth.method needs a type ("approle", "kubernetes", "jwt", "token_file" or "wrapped_token")');
  const mountPath = str(methodBody.mount_path, 'auto_auth.method.mount_path', fail) ?? `auth/${type}`;
  const method: MethodStanza = {
    type,
    mount: mountPath.replace(/^\/+|\/+$/g, '').replace(/^auth\//, ''),
    namespace: str(methodBody.namespace, 'auto_auth.method.namespace', fail),
    config: single(methodBody.config, 'auto_auth.method.config', fail) ?? {},
    minBackoffMs: duration(methodBody.min_backoff, 'auto_auth.method.min_backoff', fail) ?? 1000,
    maxBackoffMs: duration(methodBody.max_backoff, 'auto_auth.method.max_backoff', fail) ?? 5 * 60_000,
  };
  const sinks = labelled(body.sink, 'auto_auth.sink', fail).map(({ label, body: sinkBody }, i) => {
    const where = `auto_auth.sink[${i}]`;
    const type = label ?? str(sinkBody.type, `${where}.type`, fail);
    if (type !== 'file') fail(`${where}: only sink "file" is supported, not "${type ?? ''}"`);
    const sinkConfig = single(sinkBody.config, `${where}.config`, fail) ?? {};
    const path = str(sinkConfig.path, `${where}.config.path`, fail) ?? fail(`${where}.config.path is required`);
    return { path, mode: fileMode(sinkConfig.mode, `${where}.config.mode`, fail) ?? 0o640, wrapTtl: durationText(sinkBody.wrap_ttl, `${where}.wrap_ttl`, fail) };
  });
  return { method, sinks };
}

function listenerStanza(type: string | undefined, body: Json, where: string, fail: (m: string) => never): ListenerStanza {
  if (type !== 'tcp' && type !== 'unix') return fail(`${where}: listener type must be "tcp" or "unix", not "${type ?? ''}"`);
  const tlsDisable = bool(body.tls_disable, `${where}.tls_disable`, fail) ?? false;
  const listener: ListenerStanza = {
    type,
    address: str(body.address, `${where}.address`, fail) ?? (type === 'tcp' ? '127.0.0.1:8100' : fail(`${where}.address is required`)),
    tlsDisable,
    tlsCertFile: str(body.tls_cert_file, `${where}.tls_cert_file`, fail),
    tlsKeyFile: str(body.tls_key_file, `${where}.tls_key_file`, fail),
  };
  if (type === 'tcp' && !tlsDisable && (!listener.tlsCertFile || !listener.tlsKeyFile)) fail(`${where}: a TLS listener needs tls_cert_file and tls_key_file (or tls_disable = true)`);
  return listener;
}

function templateStanza(body: Json, where: string, fail: (m: string) => never): TemplateStanza {
  const source = str(body.source, `${where}.source`, fail);
  const contents = str(body.contents, `${where}.contents`, fail);
  if ((source === undefined) === (contents === undefined)) fail(`${where} needs exactly one of source and contents`);
  const command = body.exec !== undefined ? single(body.exec, `${where}.exec`, fail)?.command : body.command;
  return {
    source,
    contents,
    destination: str(body.destination, `${where}.destination`, fail) ?? fail(`${where}.destination is required`),
    perms: fileMode(body.perms, `${where}.perms`, fail) ?? 0o644,
    createDestDirs: bool(body.create_dest_dirs, `${where}.create_dest_dirs`, fail) ?? true,
    command: commandOf(command, `${where}.command`, fail),
    commandTimeoutMs: duration(body.command_timeout, `${where}.command_timeout`, fail) ?? 30_000,
    errorOnMissingKey: bool(body.error_on_missing_key, `${where}.error_on_missing_key`, fail) ?? false,
    leftDelimiter: str(body.left_delimiter, `${where}.left_delimiter`, fail) ?? '{{',
    rightDelimiter: str(body.right_delimiter, `${where}.right_delimiter`, fail) ?? '}}',
  };
}

/** A command as Vault Agent takes it: a string run by the shell, or a list of arguments. */
function commandOf(value: unknown, where: string, fail: (m: string) => never): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : ['/bin/sh', '-c', value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value as string[];
  return fail(`${where} must be a string or a list of strings`);
}

/** A block written once: HCL gives an array of one body, JSON an object (or that array). */
function single(value: unknown, where: string, fail: (m: string) => never): Json | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length !== 1 || !isObject(value[0])) fail(`${where} must be written once`);
    return value[0] as Json;
  }
  return isObject(value) ? value : fail(`${where} must be a block`);
}

/** A block that may repeat: each body. */
function blocks(value: unknown, where: string, fail: (m: string) => never): Json[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((one) => (isObject(one) ? one : fail(`${where} must be a block`)));
}

/** Blocks with an optional label (`method "approle" {}` or `method { type = ... }`). */
function labelled(value: unknown, where: string, fail: (m: string) => never): { label: string | undefined; body: Json }[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return blocks(value, where, fail).map((body) => ({ label: undefined, body }));
  if (!isObject(value)) return fail(`${where} must be a block`);
  // Labelled: { approle: [ {...} ] }; unlabelled written as one JSON object: { type: ..., config: ... }.
  if ('type' in value || 'config' in value) return [{ label: undefined, body: value }];
  return Object.entries(value).flatMap(([label, bodies]) => blocks(bodies, `${where} "${label}"`, fail).map((body) => ({ label, body })));
}

function str(value: unknown, where: string, fail: (m: string) => never): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : fail(`${where} must be a string`);
}

function bool(value: unknown, where: string, fail: (m: string) => never): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return fail(`${where} must be true or false`);
}

function int(value: unknown, where: string, fail: (m: string) => never): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : fail(`${where} must be a whole number`);
}

/**
 * A file mode. Vault Agent configs write `mode = 0640`, which HCL 1 read as octal; HCL 2 (and so
 * hcl2json) reads the digits as the decimal 640, so a number whose digits are all octal digits is
 * taken as written in octal. A string ("0640") is octal too.
 */
function fileMode(value: unknown, where: string, fail: (m: string) => never): number | undefined {
  if (value === undefined || value === null) return undefined;
  const digits = typeof value === 'number' && Number.isInteger(value) ? String(value) : typeof value === 'string' ? value : undefined;
  if (digits === undefined || !/^[0-7]{1,4}$/.test(digits)) return fail(`${where} must be an octal file mode such as 0640`);
  return parseInt(digits, 8);
}

/** A duration (seconds as a number, or "30s", "5m"...) in milliseconds. */
function duration(value: unknown, where: string, fail: (m: string) => never): number | undefined {
  const text = durationText(value, where, fail);
  if (text === undefined) return undefined;
  const ms = parseDurationMs(text);
  return ms === undefined ? fail(`${where}: invalid duration "${text}"`) : ms;
}

function durationText(value: unknown, where: string, fail: (m: string) => never): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && value >= 0) return `${value}s`;
  if (typeof value === 'string' && parseDurationMs(value) !== undefined) return value;
  return fail(`${where}: invalid duration ${JSON.stringify(value)}`);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
