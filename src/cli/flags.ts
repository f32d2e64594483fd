import { parseArgs } from 'node:util';
import { parseBoolText } from '../wire/index.js';
import { HelpRequested, UsageError } from './exit-codes.js';

/** One flag a command accepts. Every flag is long-named, as in Go's `flag` package. */
export interface FlagOption {
  type: 'string' | 'boolean';
  /** Repeatable (`-policy=a -policy=b`); values are collected in order. */
  multiple?: boolean;
  /** One line for the command's help. */
  description: string;
  /** The default shown in help, as the user would type it; absent when there is none worth showing. */
  default?: string;
  /** The help section it is listed under (Vault's "HTTP Options", "Output Options"); default "command". */
  section?: FlagSection;
}

/** Help sections, in the order help prints them. */
export const FLAG_SECTIONS = { command: 'Command Options', http: 'HTTP Options', output: 'Output Options' } as const;
export type FlagSection = keyof typeof FLAG_SECTIONS;

/** The flags a command accepts, by name (without dashes). */
export type FlagSpec = Record<string, FlagOption>;

type FlagValue<O extends FlagOption> = O extends { multiple: true } ? string[] : O extends { type: 'boolean' } ? boolean : string;

/** Parsed flag values; a flag not given is absent (repeatable ones are then []). */
export type FlagValues<S extends FlagSpec> = { [K in keyof S]?: FlagValue<S[K]> };

/** Flags every API command accepts, as Vault's CLI does. */
export const globalFlags = {
  address: {
    type: 'string',
    section: 'http',
    default: 'http://127.0.0.1:8200',
    description: 'Address of the server; also COFFER_ADDR or VAULT_ADDR.',
  },
  namespace: { type: 'string', section: 'http', description: 'Namespace sent as X-Vault-Namespace; also VAULT_NAMESPACE.' },
  'wrap-ttl': {
    type: 'string',
    section: 'http',
    description: 'Wrap the response in a single-use token with this TTL ("5m", "300"); also VAULT_WRAP_TTL.',
  },
  'ca-cert': { type: 'string', section: 'http', description: 'PEM file of the CA that signed the server certificate; also VAULT_CACERT.' },
  'ca-path': { type: 'string', section: 'http', description: 'Directory of PEM CA files (ignored with -ca-cert); also VAULT_CAPATH.' },
  'client-cert': { type: 'string', section: 'http', description: 'PEM client certificate for TLS listeners that ask for one; also VAULT_CLIENT_CERT.' },
  'client-key': { type: 'string', section: 'http', description: 'PEM key of -client-cert; also VAULT_CLIENT_KEY.' },
  'tls-server-name': { type: 'string', section: 'http', description: 'Name to check the server certificate against; also VAULT_TLS_SERVER_NAME.' },
  'tls-skip-verify': {
    type: 'boolean',
    section: 'http',
    default: 'false',
    description: 'Do not verify the server certificate (insecure); also VAULT_SKIP_VERIFY.',
  },
  format: { type: 'string', section: 'output', default: 'table', description: 'Output format: table, json or yaml; also VAULT_FORMAT.' },
  field: { type: 'string', section: 'output', description: 'Print only this field of the response, with no trailing newline when piped.' },
} as const satisfies FlagSpec;

/**
 * Rewrites Go-style flags into the shape node:util parseArgs understands.
 *
 * Why this exists: Vault's CLI uses Go's `flag` package, where every flag is long and may be written
 * with one dash (`-format=json`), with `=` or a separate value (`-policy a`), booleans may carry a value
 * (`-renewable=false`), and parsing stops at the first positional argument (so `kv put secret/x a=-b`
 * keeps `a=-b` as data). parseArgs instead reads `-abc` as short options a, b and c, rejects a value on a
 * boolean, and keeps parsing flags after positionals. So each flag becomes `--name=value` (booleans get
 * an explicit `true`, and are declared to parseArgs as strings), and a `--` is inserted before the first
 * positional argument.
 */
export function normaliseGoFlags(args: readonly string[], spec: FlagSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') return [...out, ...args.slice(i)];
    if (!looksLikeFlag(arg)) return [...out, '--', ...args.slice(i)];
    if (arg === '-h' || arg === '-help' || arg === '--help') throw new HelpRequested(spec);
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const value = eq === -1 ? undefined : body.slice(eq + 1);
    const option = spec[name];
    if (!option) {
      out.push(`--${body}`); // parseArgs reports it as unknown
    } else if (option.type === 'boolean') {
      out.push(`--${name}=${value ?? 'true'}`);
    } else if (value !== undefined) {
      out.push(`--${name}=${value}`);
    } else if (i + 1 < args.length) {
      out.push(`--${name}=${args[++i] as string}`);
    } else {
      throw new UsageError(`flag needs an argument: -${name}`);
    }
  }
  return out;
}

function looksLikeFlag(arg: string): boolean {
  return arg.length > 1 && arg.startsWith('-');
}

/** Parses Go-style flags that come before the positional arguments; unknown flags are usage errors. */
export function parseFlags<S extends FlagSpec>(args: readonly string[], spec: S): { flags: FlagValues<S>; positionals: string[] } {
  const options: Record<string, { type: 'string'; multiple?: boolean }> = {};
  for (const [name, option] of Object.entries(spec)) options[name] = { type: 'string', multiple: option.multiple ?? false };
  const normalised = normaliseGoFlags(args, spec);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: normalised, options, strict: true, allowPositionals: true });
  } catch (err) {
    const unknown = /Unknown option '--?([^']+)'/.exec((err as Error).message);
    throw new UsageError(unknown ? `flag provided but not defined: -${unknown[1]}` : (err as Error).message);
  }
  const flags: Record<string, string | boolean | string[]> = {};
  for (const [name, raw] of Object.entries(parsed.values)) {
    if (raw === undefined) continue;
    const option = spec[name] as FlagOption;
    flags[name] = option.type === 'boolean' ? parseGoBool(name, raw as string) : (raw as string | string[]);
  }
  for (const [name, option] of Object.entries(spec)) if (option.multiple && !(name in flags)) flags[name] = [];
  return { flags: flags as FlagValues<S>, positionals: parsed.positionals };
}

function parseGoBool(name: string, raw: string): boolean {
  const value = parseBoolText(raw);
  if (value === undefined) throw new UsageError(`invalid boolean value "${raw}" for -${name}`);
  return value;
}

/** Splits `k=v` arguments (as given to `-metadata` or `-options`) into a map. */
export function keyValuePairs(flag: string, pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid -${flag} value "${pair}": expected key=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
