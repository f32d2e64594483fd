import { CofferApiError, CofferClient, CofferConnectionError, KvVersionError, type Secret } from '../client/index.js';
import { resolveAddress, resolveNamespace, resolveRetries, resolveTls, resolveToken, resolveWrapTtl } from './config.js';
import { EXIT_API_ERROR, EXIT_LOCAL_ERROR, EXIT_OK, UsageError } from './exit-codes.js';
import { globalFlags, parseFlags, type FlagSpec, type FlagValues } from './flags.js';
import {
  fieldText,
  listTable,
  mapTable,
  parseFormat,
  secretField,
  secretTable,
  structured,
  type OutputFormat,
} from './output.js';

/** Everything a command touches outside itself, so tests can run commands in-process. */
export interface CliIo {
  /** Writes text exactly as given. */
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  stdoutIsTTY: boolean;
  /**
   * Asks for a secret on the terminal without echoing it; absent when stdin is not a terminal, so a
   * command that would need to ask fails with a usage error instead of hanging on a pipe.
   */
  promptSecret?: (prompt: string) => Promise<string>;
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
}

/** One invocation of an API command: its parsed flags, output settings and (lazily) a client. */
export class Session {
  private clientPromise: Promise<CofferClient> | undefined;

  constructor(
    readonly io: CliIo,
    readonly format: OutputFormat,
    readonly field: string | undefined,
    readonly wrapTTL: string | undefined,
    private readonly http: FlagValues<typeof globalFlags>,
  ) {}

  /** The client, configured from flags, environment and the token file. */
  client(): Promise<CofferClient> {
    this.clientPromise ??= this.openClient();
    return this.clientPromise;
  }

  private async openClient(): Promise<CofferClient> {
    const { env, homeDir } = this.io;
    const tls = await resolveTls(env, {
      caCert: this.http['ca-cert'],
      caPath: this.http['ca-path'],
      clientCert: this.http['client-cert'],
      clientKey: this.http['client-key'],
      skipVerify: this.http['tls-skip-verify'],
      serverName: this.http['tls-server-name'],
    });
    return new CofferClient({
      address: resolveAddress(env, this.http.address),
      token: await resolveToken(env, homeDir),
      namespace: resolveNamespace(env, this.http.namespace),
      tls,
      // Commands ask for wrapping themselves (-wrap-ttl, VAULT_WRAP_TTL): not every request.
      wrapTTL: null,
      // Vault's CLI retries only when VAULT_MAX_RETRIES says so here: a command fails fast by default.
      maxRetries: resolveRetries(env),
      env,
    });
  }

  /** Prints a line on stdout. */
  out(text: string): void {
    this.io.stdout(`${text}\n`);
  }

  /** Prints a line on stderr. */
  err(text: string): void {
    this.io.stderr(`${text}\n`);
  }

  /** Prints a whole response (honouring -field and -format), as Vault's OutputSecret does. */
  printSecret(secret: Secret): number {
    if (this.field !== undefined) return this.printField(secretField(secret, this.field));
    this.printWarnings(secret);
    if (this.format !== 'table') {
      this.out(structured(secret, this.format));
      return EXIT_OK;
    }
    const text = secretTable(secret);
    if (text) this.out(text);
    return EXIT_OK;
  }

  /** Prints a plain map (Vault's OutputData) in the chosen format. */
  printData(data: Record<string, unknown>): number {
    if (this.format !== 'table') {
      this.out(structured(data, this.format));
      return EXIT_OK;
    }
    const text = mapTable(data);
    if (text) this.out(text);
    return EXIT_OK;
  }

  /** Prints a list of keys: a Keys table, or in a structured format just the array. */
  printList(keys: readonly string[]): number {
    if (this.format !== 'table') {
      this.out(structured(keys, this.format));
      return EXIT_OK;
    }
    this.out(listTable(keys));
    return EXIT_OK;
  }

  /**
   * Prints one field's value. Like Vault, the raw value gets no trailing newline when stdout is not a
   * terminal, so `$(coffer kv get -field=password ...)` holds exactly the secret.
   */
  printField(value: unknown, name = this.field): number {
    if (value === undefined || value === null) {
      this.err(`Field "${name}" not present in secret`);
      return EXIT_LOCAL_ERROR;
    }
    const text = fieldText(value, this.format);
    this.io.stdout(this.io.stdoutIsTTY ? `${text}\n` : text);
    return EXIT_OK;
  }

  /** Prints the warnings a response carried, on stderr, as Vault does for tables. */
  printWarnings(secret: Secret): void {
    if (this.format !== 'table' || !secret.warnings?.length) return;
    this.err('WARNING! The following warnings were returned from Vault:\n');
    for (const warning of secret.warnings) this.err(`  * ${warning}\n`);
  }

  /** Reports a failed call as "Error <doing> <what>: <reason>" and returns the exit status for it. */
  fail(doing: string, err: unknown): number {
    if (err instanceof UsageError) throw err;
    if (err instanceof CofferApiError || err instanceof CofferConnectionError || err instanceof KvVersionError) {
      this.err(`Error ${doing}: ${err.message}`);
      return EXIT_API_ERROR;
    }
    throw err;
  }
}

/** Parses an API command's flags (its own plus the global ones) and opens a session for it. */
export function openSession<S extends FlagSpec>(
  io: CliIo,
  args: readonly string[],
  spec: S,
): { session: Session; flags: FlagValues<S & typeof globalFlags>; positionals: string[] } {
  const { flags, positionals } = parseFlags(args, { ...globalFlags, ...spec });
  const values = flags as FlagValues<typeof globalFlags>;
  const format = parseFormat(values.format ?? io.env.COFFER_FORMAT ?? io.env.VAULT_FORMAT);
  if (!format) throw new UsageError(`Invalid output format: ${values.format}`);
  const session = new Session(io, format, values.field, resolveWrapTtl(io.env, values['wrap-ttl']), values);
  return { session, flags: flags as FlagValues<S & typeof globalFlags>, positionals };
}

/** Throws a usage error unless the number of positional arguments is within [min, max]. */
export function expectArgs(positionals: readonly string[], min: number, max = min): void {
  if (positionals.length < min) throw new UsageError(`Not enough arguments (expected ${min}, got ${positionals.length})`);
  if (positionals.length > max) throw new UsageError(`Too many arguments (expected ${max === min ? min : `at most ${max}`}, got ${positionals.length})`);
}

/** Whether an API error is a plain "nothing here" 404 (no errors listed), which Vault reports as "No value found". */
export function isPlainNotFound(err: unknown): boolean {
  return err instanceof CofferApiError && err.status === 404 && err.errors.length === 0;
}
