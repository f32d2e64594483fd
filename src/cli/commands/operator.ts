import type { InitResponse } from '../../client/index.js';
import { EXIT_OK, EXIT_USAGE, HelpRequested, UsageError } from '../exit-codes.js';
import { structured } from '../output.js';
import { expectArgs, openSession, type CliIo } from '../session.js';
import { printSealStatus } from './status.js';
import { runSubcommand, type Command, type Subcommands } from './subcommands.js';

/** `operator <subcommand>`: initialize, unseal and seal a server (sys/init, sys/unseal, sys/seal). */
export function operatorCommand(io: CliIo, args: readonly string[]): Promise<number> {
  return runSubcommand('operator', operatorSubcommands, io, args);
}

/** Vault's defaults for `operator init`. */
const DEFAULT_KEY_SHARES = 5;
const DEFAULT_KEY_THRESHOLD = 3;
/** Vault's wrapAtLength width for prose the CLI prints. */
const LINE_WIDTH = 78;

const INIT_HELP = `Usage: coffer operator init [-key-shares=5] [-key-threshold=3] [-status] [-format=table|json|yaml]

  Initializes a server's store. With a Shamir seal (seal "shamir" {} in the server's config) a
  random unseal key is split into -key-shares shares, any -key-threshold of which unseal the
  server; the shares and the initial root token are printed once and never again. With a KMS
  seal (local, awskms, transit, pkcs11) there are no shares: only the root token is printed.

  -key-shares=N      Number of unseal key shares (default 5).
  -key-threshold=N   Shares needed to unseal (default 3).
  -status            Only report whether the server is initialized: exit 0 if it is, 2 if not.
  -format=json       Print unseal_keys_b64, unseal_keys_hex, unseal_shares, unseal_threshold,
                     recovery_keys_*, root_token, as Vault's CLI does.

  -pgp-keys and -root-token-pgp-key are not supported yet and are refused.`;

const UNSEAL_HELP = `Usage: coffer operator unseal [-reset] [-format=table|json|yaml] [KEY | -]

  Submits one unseal key share (hex or base64) to a server sealed by a Shamir seal and prints
  the seal status: the progress towards the threshold, or Sealed false once enough shares were
  given. Run it once per share; each share holder can run it from their own terminal.

  With no KEY the share is asked for on the terminal, without echo (safer than an argument,
  which other users of the machine can see in the process list). "-" reads it from stdin.

  -reset   Forget the shares submitted so far and start again.`;

const SEAL_HELP = `Usage: coffer operator seal

  Seals the server: it forgets its root key and answers 503 to everything but the status
  endpoints until it is unsealed again. Needs a token with sudo on sys/seal.`;

const REKEY_HELP = `Usage: coffer operator rekey

  Not supported yet: Coffer cannot generate new unseal key shares for an initialized store.
  The command always fails, with exit status 2.`;

const operatorSubcommands: Subcommands = {
  init: withHelp(INIT_HELP, operatorInit),
  unseal: withHelp(UNSEAL_HELP, operatorUnseal),
  seal: withHelp(SEAL_HELP, operatorSeal),
  rekey: withHelp(REKEY_HELP, operatorRekey),
};

/** Runs a subcommand, printing its own help (not the group's) for -h / -help. */
function withHelp(help: string, command: Command): Command {
  return async (io, args) => {
    try {
      return await command(io, args);
    } catch (err) {
      if (!(err instanceof HelpRequested)) throw err;
      io.stdout(`${help}\n`);
      return EXIT_OK;
    }
  };
}

/** `operator init`: PUT sys/init, then the shares and root token as Vault prints them. */
async function operatorInit(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    'key-shares': { type: 'string' },
    'key-threshold': { type: 'string' },
    status: { type: 'boolean' },
    'pgp-keys': { type: 'string' },
    'root-token-pgp-key': { type: 'string' },
  });
  expectArgs(positionals, 0);
  if (flags['pgp-keys'] !== undefined) {
    throw new UsageError('-pgp-keys is not supported yet: Coffer cannot encrypt unseal key shares with PGP keys; run operator init without it');
  }
  if (flags['root-token-pgp-key'] !== undefined) {
    throw new UsageError('-root-token-pgp-key is not supported yet: Coffer cannot encrypt the root token with a PGP key; run operator init without it');
  }
  const shares = intFlag('key-shares', flags['key-shares'], DEFAULT_KEY_SHARES);
  const threshold = intFlag('key-threshold', flags['key-threshold'], DEFAULT_KEY_THRESHOLD);
  const client = await session.client();

  if (flags.status) {
    let initialized: boolean;
    try {
      initialized = await client.initStatus();
    } catch (err) {
      return session.fail('checking init status', err);
    }
    session.out(initialized ? 'Vault is initialized' : 'Vault is not initialized');
    return initialized ? EXIT_OK : EXIT_USAGE;
  }

  let answer: InitResponse;
  try {
    answer = await client.init({ secret_shares: shares, secret_threshold: threshold });
  } catch (err) {
    return session.fail('initializing', err);
  }
  // A KMS seal answers no shares: nothing was split, whatever the flags asked for.
  const split = answer.keys_base64.length > 0;
  if (session.format !== 'table') {
    session.out(
      structured(
        {
          unseal_keys_b64: answer.keys_base64,
          unseal_keys_hex: answer.keys,
          unseal_shares: split ? shares : 0,
          unseal_threshold: split ? threshold : 0,
          recovery_keys_b64: answer.recovery_keys_base64,
          recovery_keys_hex: answer.recovery_keys,
          recovery_keys_shares: 0,
          recovery_keys_threshold: 0,
          root_token: answer.root_token,
        },
        session.format,
      ),
    );
    return EXIT_OK;
  }
  if (!split) {
    session.out(`Initial Root Token: ${answer.root_token}\n\nSuccess! Vault is initialized\n`);
    session.out(wrap("The store's root key is wrapped by the server's KMS seal, which unseals it on every start: there are no unseal keys."));
    return EXIT_OK;
  }
  answer.keys_base64.forEach((key, i) => session.out(`Unseal Key ${i + 1}: ${key}`));
  session.out(`\nInitial Root Token: ${answer.root_token}\n`);
  const keys = threshold === 1 ? 'key' : 'keys';
  session.out(
    wrap(
      `Vault initialized with ${shares} key share${shares === 1 ? '' : 's'} and a key threshold of ${threshold}. ` +
        'Hand the key shares printed above to their holders by a secure channel. Whenever the server is ' +
        `sealed, restarted or stopped, at least ${threshold} of these ${keys} must be supplied again before ` +
        'it serves requests.',
    ),
  );
  session.out('');
  session.out(
    wrap(
      `Coffer does not store the unseal key the shares make up. Without at least ${threshold} of these ` +
        `${keys} the root key cannot be recovered, and the store stays sealed for good!`,
    ),
  );
  session.out('');
  session.out(wrap('New unseal keys cannot be generated yet ("coffer operator rekey" is not supported): these shares are the only ones.'));
  return EXIT_OK;
}

/** `operator unseal [KEY|-]` / `operator unseal -reset`: one share to sys/unseal, then the seal status. */
async function operatorUnseal(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, { reset: { type: 'boolean' } });
  expectArgs(positionals, 0, flags.reset ? 0 : 1);
  const client = await session.client();
  if (flags.reset) {
    let status: Record<string, unknown>;
    try {
      status = await client.unsealReset();
    } catch (err) {
      return session.fail('resetting unseal process', err);
    }
    return printSealStatus(session, client, status);
  }
  const key = await unsealKeyFrom(io, positionals[0]);
  let status: Record<string, unknown>;
  try {
    status = await client.unseal(key);
  } catch (err) {
    return session.fail('unsealing', err);
  }
  return printSealStatus(session, client, status);
}

/** The share from the argument, from stdin ("-"), or asked for on the terminal without echo. */
async function unsealKeyFrom(io: CliIo, arg: string | undefined): Promise<string> {
  let key: string;
  if (arg === '-') key = await io.readStdin();
  else if (arg !== undefined) key = arg;
  else if (io.promptSecret) key = await io.promptSecret('Unseal Key (will be hidden): ');
  else throw new UsageError('No unseal key given: pass it as an argument, or - to read it from stdin; there is no terminal to ask on');
  key = key.trim();
  if (!key) throw new UsageError('No unseal key given');
  return key;
}

/** `operator seal`: PUT sys/seal. */
async function operatorSeal(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 0);
  const client = await session.client();
  try {
    await client.seal();
  } catch (err) {
    return session.fail('sealing', err);
  }
  session.out('Success! Vault is sealed.');
  return EXIT_OK;
}

/** `operator rekey`: refused until Coffer can generate new shares; parses its arguments only for -h. */
async function operatorRekey(io: CliIo, args: readonly string[]): Promise<number> {
  if (args.some((a) => a === '-h' || a === '-help' || a === '--help')) throw new HelpRequested();
  io.stderr('Error: operator rekey is not supported yet: Coffer cannot generate new unseal key shares for an initialized store\n');
  return EXIT_USAGE;
}

/** A Go-style int flag: decimal digits only, else a usage error as Go's flag package gives. */
function intFlag(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`invalid value "${raw}" for flag -${name}: parse error`);
  return Number(raw.trim());
}

/** Wraps prose at LINE_WIDTH on spaces, as Vault's wrapAtLength does. */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > LINE_WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
