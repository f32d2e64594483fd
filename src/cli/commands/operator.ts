import type { CofferClient, InitResponse, RekeyTarget } from '../../client/index.js';
import { EXIT_OK, UsageError } from '../exit-codes.js';
import { keyValueTable, structured } from '../output.js';
import { expectArgs, openSession, type CliIo, type Session } from '../session.js';
import { unsealKeyFrom } from '../key-entry.js';
import { generateRoot } from './generate-root.js';
import { printSealStatus } from './status.js';
import { snapshotCommand } from './snapshot.js';
import { commandGroup, type Subcommands } from './subcommands.js';


/** Vault's exit status for `operator init -status` against an uninitialized server. */
const EXIT_NOT_INITIALIZED = 2;

/** Vault's defaults for `operator init`. */
const DEFAULT_KEY_SHARES = 5;
const DEFAULT_KEY_THRESHOLD = 3;
/** Vault's wrapAtLength width for prose the CLI prints. */
const LINE_WIDTH = 78;






/** `operator init`: PUT sys/init, then the shares and root token as Vault prints them. */
async function operatorInit(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    'key-shares': { type: 'string', default: String(DEFAULT_KEY_SHARES), description: 'Number of unseal key shares (Shamir seal).' },
    'key-threshold': { type: 'string', default: String(DEFAULT_KEY_THRESHOLD), description: 'Shares needed to unseal (Shamir seal).' },
    status: { type: 'boolean', default: 'false', description: 'Only report whether the server is initialized: exit 0 if it is, 2 if not.' },
    'pgp-keys': { type: 'string', description: 'Not supported yet: refused.' },
    'root-token-pgp-key': { type: 'string', description: 'Not supported yet: refused.' },
    'recovery-shares': { type: 'string', default: String(DEFAULT_KEY_SHARES), description: 'KMS seals: number of recovery key shares.' },
    'recovery-threshold': { type: 'string', default: String(DEFAULT_KEY_THRESHOLD), description: 'KMS seals: recovery shares needed.' },
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
      initialized = await client.operator.initStatus();
    } catch (err) {
      return session.fail('checking init status', err);
    }
    session.out(initialized ? 'Vault is initialized' : 'Vault is not initialized');
    return initialized ? EXIT_OK : EXIT_NOT_INITIALIZED;
  }

  let answer: InitResponse;
  try {
    answer = await client.operator.init({
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
  const { session, flags, positionals } = openSession(io, args, {
    reset: { type: 'boolean', default: 'false', description: 'Forget the shares submitted so far and start again.' },
    migrate: {
      type: 'boolean',
      default: 'false',
      description: 'During a seal migration: submit the unseal key share (Shamir to KMS) or recovery key share (KMS to Shamir).',
    },
  });
  expectArgs(positionals, 0, flags.reset ? 0 : 1);
  const client = await session.client();
  if (flags.reset) {
    let status: Record<string, unknown>;
    try {
      status = await client.operator.unsealReset();
    } catch (err) {
      return session.fail('resetting unseal process', err);
    }
    return printSealStatus(session, client, status);
  }
  const key = await unsealKeyFrom(io, positionals[0]);
  let status: Record<string, unknown>;
  try {
    status = await client.operator.unseal(key, { migrate: flags.migrate === true });
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
    await client.operator.seal();
  } catch (err) {
    return session.fail('sealing', err);
  }
  session.out('Success! Vault is sealed.');
  return EXIT_OK;
}

/** `operator rekey`: -init / -status / -cancel, or one share of the current key to sys/rekey/update. */
async function operatorRekey(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    init: { type: 'boolean', default: 'false', description: 'Start a rekey to -key-shares shares and -key-threshold.' },
    status: { type: 'boolean', default: 'false', description: "Print the running rekey's progress." },
    cancel: { type: 'boolean', default: 'false', description: 'Forget the running rekey and the shares given so far.' },
    nonce: { type: 'string', description: "The rekey's nonce; read from the server's status when not given." },
    target: { type: 'string', default: 'barrier', description: '"barrier" rekeys the unseal key; "recovery" a KMS seal\'s recovery key.' },
    'key-shares': { type: 'string', default: String(DEFAULT_KEY_SHARES), description: 'Number of shares of the new key (with -init).' },
    'key-threshold': { type: 'string', default: String(DEFAULT_KEY_THRESHOLD), description: 'Shares of the new key needed (with -init).' },
    'pgp-keys': { type: 'string', description: 'Not supported yet: refused.' },
    backup: { type: 'boolean', default: 'false', description: 'Not supported yet: refused.' },
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
      await client.operator.rekeyCancel(target);
      session.out('Success! Canceled rekeying (if it was started)');
      return EXIT_OK;
    }
    if (flags.status) return printRekeyStatus(session, await client.operator.rekeyStatus(target));
    if (flags.init) {
      const shares = intFlag('key-shares', flags['key-shares'], DEFAULT_KEY_SHARES);
      const threshold = intFlag('key-threshold', flags['key-threshold'], DEFAULT_KEY_THRESHOLD);
      return printRekeyStatus(session, await client.operator.rekeyInit(target, shares, threshold));
    }
  } catch (err) {
    return session.fail('rekeying', err);
  }
  const key = await unsealKeyFrom(io, positionals[0], 'Rekey Key (will be hidden): ');
  let answer: Record<string, unknown>;
  try {
    answer = await client.operator.rekeyUpdate(target, key, flags.nonce ?? (await currentRekeyNonce(client, target)));
  } catch (err) {
    return session.fail('posting unseal key', err);
  }
  if (answer.complete !== true) return printRekeyStatus(session, answer);
  return printRekeyResult(session, answer, target);
}

/** The running rekey's nonce, as Vault's CLI fetches it when -nonce is not given. */
async function currentRekeyNonce(client: CofferClient, target: RekeyTarget): Promise<string> {
  const status = await client.operator.rekeyStatus(target);
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

const operatorSubcommands: Subcommands = {
  init: {
    usage: 'operator init [options]',
    summary: "Initialize a server's store and print its unseal (or recovery) key shares and root token",
    description:
      'Initializes the store. With a Shamir seal (the default) a random unseal key is split into -key-shares shares,\n' +
      'any -key-threshold of which unseal the server; with a KMS seal (local, awskms, transit, pkcs11) the KMS\n' +
      'unseals and a recovery key is split instead. The shares and the root token are printed once, never again.',
    examples: ['coffer operator init', 'coffer operator init -key-shares=3 -key-threshold=2 -format=json'],
    run: operatorInit,
  },
  unseal: {
    usage: 'operator unseal [options] [KEY | -]',
    summary: 'Submit one unseal key share',
    description:
      'Submits one unseal key share (hex or base64) and prints the seal status. With no KEY the share is asked for\n' +
      'on the terminal without echo (an argument is visible in the process list); "-" reads it from stdin.',
    examples: ['coffer operator unseal', 'coffer operator unseal -reset'],
    run: operatorUnseal,
  },
  seal: {
    usage: 'operator seal',
    summary: 'Seal the server (needs sudo on sys/seal)',
    examples: ['coffer operator seal'],
    run: operatorSeal,
  },
  rekey: {
    usage: 'operator rekey [options] [KEY | -]',
    summary: 'Replace the unseal (or recovery) key by a new one split into new shares',
    description:
      'Shares of the current key authorize it: start with -init, then each holder submits one share. Once enough were\n' +
      'given the new shares are printed, once. The root key and the data do not change; only its wrapping does.',
    examples: ['coffer operator rekey -init -key-shares=5 -key-threshold=3', 'coffer operator rekey -target=recovery -status'],
    run: operatorRekey,
  },
  'generate-root': generateRoot,
  snapshot: snapshotCommand('operator snapshot'),
  raft: commandGroup('operator raft', 'Vault integrated-storage commands Coffer maps to its own (snapshot)', {
    snapshot: snapshotCommand('operator raft snapshot'),
  }),
};

/** `operator <subcommand>`: initialize, unseal, seal and rekey a server, generate a root token, snapshots. */
export const operatorCommand = commandGroup('operator', 'Initialize, unseal, seal and rekey a server; generate a root token; snapshots', operatorSubcommands);
