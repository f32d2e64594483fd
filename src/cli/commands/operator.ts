import type { CofferClient, InitResponse, RekeyTarget } from '../../client/index.js';
import { EXIT_OK, UsageError } from '../exit-codes.js';

/** Vault's exit status for `operator init -status` against an uninitialized server. */
const EXIT_NOT_INITIALIZED = 2;
import { keyValueTable, structured } from '../output.js';
import { expectArgs, openSession, type CliIo, type Session } from '../session.js';
import { unsealKeyFrom } from '../key-entry.js';
import { generateRootCommand, GENERATE_ROOT_HELP } from './generate-root.js';
import { printSealStatus } from './status.js';
import { snapshotCommand } from './snapshot.js';
import { withHelp } from './subcommand-help.js';
import { runSubcommand, type Subcommands } from './subcommands.js';

/** `operator <subcommand>`: initialize, unseal, seal and rekey a server, generate a root token (sys/init, sys/unseal, sys/seal, sys/rekey, sys/generate-root). */
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
  seal (local, awskms, transit, pkcs11) the KMS unseals and a random recovery key is split
  instead: its shares authorize a rekey of the recovery key and a seal migration.

  -key-shares=N      Number of unseal key shares (default 5).
  -key-threshold=N   Shares needed to unseal (default 3).
  -recovery-shares=N     KMS seals: number of recovery key shares (default 5).
  -recovery-threshold=N  KMS seals: recovery shares needed (default 3).
  -status            Only report whether the server is initialized: exit 0 if it is, 2 if not.
  -format=json       Print unseal_keys_b64, unseal_keys_hex, unseal_shares, unseal_threshold,
                     recovery_keys_*, root_token, as Vault's CLI does.

  -pgp-keys and -root-token-pgp-key are not supported yet and are refused.`;

const UNSEAL_HELP = `Usage: coffer operator unseal [-reset] [-migrate] [-format=table|json|yaml] [KEY | -]

  Submits one unseal key share (hex or base64) to a server sealed by a Shamir seal and prints
  the seal status: the progress towards the threshold, or Sealed false once enough shares were
  given. Run it once per share; each share holder can run it from their own terminal.

  With no KEY the share is asked for on the terminal, without echo (safer than an argument,
  which other users of the machine can see in the process list). "-" reads it from stdin.

  -reset   Forget the shares submitted so far and start again.
  -migrate  During a seal migration (the old seal stanza has disabled = "true"): submit the
            unseal key share (Shamir to KMS) or recovery key share (KMS to Shamir).`;

const SEAL_HELP = `Usage: coffer operator seal

  Seals the server: it forgets its root key and answers 503 to everything but the status
  endpoints until it is unsealed again. Needs a token with sudo on sys/seal.`;

const REKEY_HELP = `Usage: coffer operator rekey [-target=barrier|recovery] [-init -key-shares=N -key-threshold=N | -status | -cancel | KEY | -]

  Replaces the unseal key of a Shamir-sealed server (or, with -target=recovery, the recovery
  key of a KMS-sealed one) by a new random key split into new shares. Shares of the current key
  authorize it: start with -init, then each holder submits one share (KEY, "-" for stdin, or
  none to be asked on the terminal). Once enough were given the new shares are printed, once.
  The root key and the data do not change; only the root key's wrapping does.

  -init              Start a rekey to -key-shares shares (default 5), -key-threshold (default 3).
  -status            Print the running rekey's progress.
  -cancel            Forget the running rekey and the shares given so far.
  -nonce=NONCE       The rekey's nonce (default: read from the server's status).
  -target=recovery   Rekey a KMS seal's recovery key instead of the unseal key.

  -pgp-keys and -backup are not supported yet and are refused.`;

const operatorSubcommands: Subcommands = {
  init: withHelp(INIT_HELP, operatorInit),
  unseal: withHelp(UNSEAL_HELP, operatorUnseal),
  seal: withHelp(SEAL_HELP, operatorSeal),
  rekey: withHelp(REKEY_HELP, operatorRekey),
  'generate-root': withHelp(GENERATE_ROOT_HELP, generateRootCommand),
  snapshot: snapshotCommand,
};

/** `operator init`: PUT sys/init, then the shares and root token as Vault prints them. */
async function operatorInit(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    'key-shares': { type: 'string' },
    'key-threshold': { type: 'string' },
    status: { type: 'boolean' },
    'pgp-keys': { type: 'string' },
    'root-token-pgp-key': { type: 'string' },
    'recovery-shares': { type: 'string' },
    'recovery-threshold': { type: 'string' },
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
    return initialized ? EXIT_OK : EXIT_NOT_INITIALIZED;
  }

  let answer: InitResponse;
  try {
    answer = await client.init({
      secret_shares: shares,
      secret_threshold: threshold,
      recovery_shares: intFlag('recovery-shares', flags['recovery-shares'], DEFAULT_KEY_SHARES),
      recovery_threshold: intFlag('recovery-threshold', flags['recovery-threshold'], DEFAULT_KEY_THRESHOLD),
    });
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
          recovery_keys_shares: answer.recovery_keys.length,
          recovery_keys_threshold: answer.recovery_keys.length > 0 ? intFlag('recovery-threshold', flags['recovery-threshold'], DEFAULT_KEY_THRESHOLD) : 0,
          root_token: answer.root_token,
        },
        session.format,
      ),
    );
    return EXIT_OK;
  }
  if (!split) {
    answer.recovery_keys_base64.forEach((key, i) => session.out(`Recovery Key ${i + 1}: ${key}`));
    session.out(`\nInitial Root Token: ${answer.root_token}\n\nSuccess! Vault is initialized\n`);
    session.out(wrap("The store's root key is wrapped by the server's KMS seal, which unseals it on every start: there are no unseal keys."));
    if (answer.recovery_keys.length > 0) {
      session.out('');
      session.out(wrap('Recovery keys cannot unseal the server; they authorize a rekey of the recovery key and a seal migration. Coffer stores none of them.'));
    }
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
  session.out(wrap('To replace these shares by new ones, "coffer operator rekey" needs enough of them.'));
  return EXIT_OK;
}

/** `operator unseal [KEY|-]` / `operator unseal -reset`: one share to sys/unseal, then the seal status. */
async function operatorUnseal(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, { reset: { type: 'boolean' }, migrate: { type: 'boolean' } });
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
    status = await client.unseal(key, { migrate: flags.migrate === true });
  } catch (err) {
    return session.fail('unsealing', err);
  }
  return printSealStatus(session, client, status);
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

/** `operator rekey`: -init / -status / -cancel, or one share of the current key to sys/rekey/update. */
async function operatorRekey(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    init: { type: 'boolean' },
    status: { type: 'boolean' },
    cancel: { type: 'boolean' },
    nonce: { type: 'string' },
    target: { type: 'string' },
    'key-shares': { type: 'string' },
    'key-threshold': { type: 'string' },
    'pgp-keys': { type: 'string' },
    backup: { type: 'boolean' },
  });
  const target = flags.target ?? 'barrier';
  if (target !== 'barrier' && target !== 'recovery') throw new UsageError(`invalid value "${target}" for flag -target: must be barrier or recovery`);
  if (flags['pgp-keys'] !== undefined || flags.backup) throw new UsageError('-pgp-keys and -backup are not supported yet: rekey without them');
  const modes = [flags.init, flags.status, flags.cancel].filter(Boolean).length;
  if (modes > 1) throw new UsageError('Only one of -init, -status and -cancel may be given');
  expectArgs(positionals, 0, modes > 0 ? 0 : 1);
  const client = await session.client();
  try {
    if (flags.cancel) {
      await client.rekeyCancel(target);
      session.out('Success! Canceled rekeying (if it was started)');
      return EXIT_OK;
    }
    if (flags.status) return printRekeyStatus(session, await client.rekeyStatus(target));
    if (flags.init) {
      const shares = intFlag('key-shares', flags['key-shares'], DEFAULT_KEY_SHARES);
      const threshold = intFlag('key-threshold', flags['key-threshold'], DEFAULT_KEY_THRESHOLD);
      return printRekeyStatus(session, await client.rekeyInit(target, shares, threshold));
    }
  } catch (err) {
    return session.fail('rekeying', err);
  }
  const key = await unsealKeyFrom(io, positionals[0], 'Rekey Key (will be hidden): ');
  let answer: Record<string, unknown>;
  try {
    answer = await client.rekeyUpdate(target, key, flags.nonce ?? (await currentRekeyNonce(client, target)));
  } catch (err) {
    return session.fail('posting unseal key', err);
  }
  if (answer.complete !== true) return printRekeyStatus(session, answer);
  return printRekeyResult(session, answer, target);
}

/** The running rekey's nonce, as Vault's CLI fetches it when -nonce is not given. */
async function currentRekeyNonce(client: CofferClient, target: RekeyTarget): Promise<string> {
  const status = await client.rekeyStatus(target);
  if (status.started !== true) throw new UsageError('No rekey is in progress: start one with -init');
  return String(status.nonce);
}

function printRekeyStatus(session: Session, status: Record<string, unknown>): number {
  if (session.format !== 'table') {
    session.out(structured(status, session.format));
    return EXIT_OK;
  }
  session.out(
    keyValueTable([
      ['Nonce', String(status.nonce ?? '')],
      ['Started', String(status.started ?? false)],
      ['Rekey Progress', `${String(status.progress ?? 0)}/${String(status.required ?? 0)}`],
      ['New Shares', String(status.n ?? 0)],
      ['New Threshold', String(status.t ?? 0)],
      ['Verification Required', String(status.verification_required ?? false)],
    ]),
  );
  return EXIT_OK;
}

function printRekeyResult(session: Session, answer: Record<string, unknown>, target: RekeyTarget): number {
  const keys = (answer.keys_base64 as string[] | undefined) ?? [];
  if (session.format !== 'table') {
    session.out(structured(answer, session.format));
    return EXIT_OK;
  }
  const label = target === 'recovery' ? 'Recovery Key' : 'Key';
  keys.forEach((key, i) => session.out(`${label} ${i + 1}: ${key}`));
  session.out(`\nOperation nonce: ${String(answer.nonce)}\n`);
  session.out(
    wrap(
      `Vault rekeyed with ${keys.length} key share${keys.length === 1 ? '' : 's'}. Hand the new shares printed above to their holders by a ` +
        `secure channel; the old ${target === 'recovery' ? 'recovery' : 'unseal'} key shares no longer work, and Coffer stores none of the new ones.`,
    ),
  );
  return EXIT_OK;
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
