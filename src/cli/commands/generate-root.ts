import { decodeRootToken, generateRootTokenOtp, type CofferClient } from '../../client/index.js';
import { EXIT_OK, UsageError } from '../exit-codes.js';
import type { FlagSpec } from '../flags.js';
import { unsealKeyFrom } from '../key-entry.js';
import { keyValueTable, structured } from '../output.js';
import { expectArgs, openSession, type CliIo, type Session } from '../session.js';
import type { CommandEntry } from './subcommands.js';


const GENERATE_ROOT_FLAGS = {
  init: { type: 'boolean', description: 'Start a root token generation (with -otp, or the server makes the OTP).' },
  'generate-otp': { type: 'boolean', description: "Print a fresh OTP of the server's otp_length and exit." },
  otp: { type: 'string', description: 'The OTP that encodes the new token (with -init), or decodes it (with -decode).' },
  status: { type: 'boolean', description: "Print the running generation's progress." },
  cancel: { type: 'boolean', description: 'Cancel the running generation, forgetting the shares given.' },
  decode: { type: 'string', description: 'Decode this encoded token with -otp and print the root token; "-" reads it from stdin.' },
  nonce: { type: 'string', description: "The generation's nonce; read from the server's status when not given." },
  'pgp-key': { type: 'string', description: 'Not supported yet: refused.' },
} as const satisfies FlagSpec;

/** `operator generate-root`: Vault's root token generation over sys/generate-root/{attempt,update}. */
async function generateRootCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, GENERATE_ROOT_FLAGS);
  if (flags['pgp-key'] !== undefined) throw new UsageError('-pgp-key is not supported yet: Coffer cannot encrypt the root token with a PGP key; use -otp or -generate-otp');
  const modes = [flags.init, flags['generate-otp'], flags.status, flags.cancel, flags.decode !== undefined].filter(Boolean).length;
  if (modes > 1) throw new UsageError('Only one of -init, -generate-otp, -status, -cancel and -decode may be given');
  expectArgs(positionals, 0, modes > 0 ? 0 : 1);

  if (flags.decode !== undefined) {
    if (!flags.otp) throw new UsageError('-decode needs the OTP the generation was started with: -otp=OTP');
    const encoded = flags.decode === '-' ? await io.readStdin() : flags.decode;
    let token: string;
    try {
      token = decodeRootToken(encoded, flags.otp);
    } catch (err) {
      throw new UsageError(`Error decoding root token: ${(err as Error).message}`);
    }
    session.out(session.format === 'table' ? token : structured({ token }, session.format));
    return EXIT_OK;
  }

  const client = await session.client();
  try {
    if (flags['generate-otp']) {
      const length = Number((await client.operator.generateRootStatus()).otp_length ?? 0);
      if (!Number.isSafeInteger(length) || length <= 0) throw new UsageError('the server reports no otp_length: cannot make an OTP for it');
      session.out(generateRootTokenOtp(length));
      return EXIT_OK;
    }
    if (flags.cancel) {
      await client.operator.generateRootCancel();
      session.out('Success! Root token generation canceled (if it was started)');
      return EXIT_OK;
    }
    if (flags.status) return printStatus(session, await client.operator.generateRootStatus());
    if (flags.init) return printStatus(session, await client.operator.generateRootInit(flags.otp));
  } catch (err) {
    return session.fail('generating root', err);
  }
  const key = await unsealKeyFrom(io, positionals[0]);
  let answer: Record<string, unknown>;
  try {
    answer = await client.operator.generateRootUpdate(key, flags.nonce ?? (await currentNonce(client)));
  } catch (err) {
    return session.fail('posting unseal key', err);
  }
  return printStatus(session, answer);
}

/** The running generation's nonce, as Vault's CLI fetches it when -nonce is not given. */
async function currentNonce(client: CofferClient): Promise<string> {
  const status = await client.operator.generateRootStatus();
  if (status.started !== true) throw new UsageError('No root generation is in progress: start one with -init');
  return String(status.nonce);
}

/** Vault's generate-root status table: nonce, progress, then the encoded token or the OTP when there is one. */
function printStatus(session: Session, status: Record<string, unknown>): number {
  if (session.format !== 'table') {
    session.out(structured(status, session.format));
    return EXIT_OK;
  }
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  const rows: [string, string][] = [
    ['Nonce', text(status.nonce)],
    ['Started', text(status.started ?? false)],
    ['Progress', `${text(status.progress ?? 0)}/${text(status.required ?? 0)}`],
    ['Complete', text(status.complete ?? false)],
  ];
  if (status.pgp_fingerprint) rows.push(['PGP Fingerprint', text(status.pgp_fingerprint)]);
  if (status.encoded_token) rows.push(['Encoded Token', text(status.encoded_token)]);
  else if (status.encoded_root_token) rows.push(['Encoded Root Token', text(status.encoded_root_token)]);
  if (status.otp) {
    session.err('A One-Time-Password has been generated for you and is shown in the OTP field. You will need it to decode the resulting root token, so keep it safe.');
    rows.push(['OTP', text(status.otp)]);
  }
  if (status.otp_length) rows.push(['OTP Length', text(status.otp_length)]);
  session.out(keyValueTable(rows));
  return EXIT_OK;
}

/** `operator generate-root`. */
export const generateRoot: CommandEntry = {
  usage: 'operator generate-root [options] [KEY | -]',
  summary: 'Generate a new root token from a quorum of unseal (or recovery) key shares',
  description:
    'Start with -init (with -otp, or with neither to have the server make the OTP), then each holder submits one\n' +
    'share (KEY, "-" for stdin, or none to be asked on the terminal). After the last share the new token is printed\n' +
    'XORed with the OTP, as Vault does; -decode turns it back into the token.',
  examples: [
    'coffer operator generate-root -init',
    'coffer operator generate-root',
    'coffer operator generate-root -decode=ENCODED_TOKEN -otp=OTP',
  ],
  run: generateRootCommand,
};
