import { EXIT_OK, UsageError } from '../exit-codes.js';
import type { CliIo } from '../session.js';

/** A command: runs with the arguments after its name and returns an exit status. */
export type Command = (io: CliIo, args: readonly string[]) => Promise<number>;

/** The subcommands of a command group (kv, token, policy, secrets), by name. */
export type Subcommands = Record<string, Command>;

/** Runs `<group> <name> ...`; no name, `-h` or `help` prints the group's subcommands. */
export async function runSubcommand(group: string, table: Subcommands, io: CliIo, args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  const usage = `Usage: coffer ${group} <subcommand> [options] [args]\n\nSubcommands:\n${Object.keys(table)
    .map((n) => `    ${n}`)
    .join('\n')}`;
  if (name === '-h' || name === '-help' || name === '--help' || name === 'help') {
    io.stdout(`${usage}\n`);
    return EXIT_OK;
  }
  const command = name === undefined ? undefined : table[name];
  if (!command) throw new UsageError(name === undefined ? usage : `Unknown subcommand "${group} ${name}"\n\n${usage}`);
  return command(io, rest);
}
