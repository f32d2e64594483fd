import { EXIT_OK, HelpRequested, UsageError } from '../exit-codes.js';
import type { FlagSpec } from '../flags.js';
import { renderCommandList, renderHelp, type CommandHelp } from '../help.js';
import type { CliIo } from '../session.js';

/** A command: runs with the arguments after its name and returns an exit status. */
export type Command = (io: CliIo, args: readonly string[]) => Promise<number>;

/** A command with its help; its flags' help comes from the flag table its parser is given. */
export interface CommandEntry extends CommandHelp {
  run: Command;
  /** A group's own commands (what `coffer <group> -help` lists). */
  subcommands?: Subcommands;
}

/** The subcommands of a command group (kv, token, policy, secrets...), by name. */
export type Subcommands = Record<string, CommandEntry>;

/** Runs a command; `-h` / `-help` among its flags prints its help, generated from its flag table. */
export async function runCommand(entry: CommandEntry, io: CliIo, args: readonly string[]): Promise<number> {
  try {
    return await entry.run(io, args);
  } catch (err) {
    if (!(err instanceof HelpRequested)) throw err;
    io.stdout(renderHelp(entry, err.flags as FlagSpec | undefined));
    return EXIT_OK;
  }
}

/** A command group: `coffer <name> <subcommand> ...`. */
export function commandGroup(name: string, summary: string, table: Subcommands): CommandEntry {
  return {
    usage: `${name} <subcommand> [options] [args]`,
    summary,
    examples: [],
    subcommands: table,
    run: (io, args) => runSubcommand(name, summary, table, io, args),
  };
}

/** Runs `<group> <name> ...`; no name, `-h` or `help` prints the group's subcommands. */
async function runSubcommand(group: string, summary: string, table: Subcommands, io: CliIo, args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  const usage = `Usage: coffer ${group} <subcommand> [options] [args]\n\n  ${summary}\n\n${renderCommandList('Subcommands:', table)}\n\nRun "coffer ${group} <subcommand> -help" for a subcommand's flags.`;
  if (name === '-h' || name === '-help' || name === '--help' || name === 'help') {
    io.stdout(`${usage}\n`);
    return EXIT_OK;
  }
  const entry = name === undefined ? undefined : table[name];
  if (!entry) throw new UsageError(name === undefined ? usage : `Unknown subcommand "${group} ${name}"\n\n${usage}`);
  return runCommand(entry, io, rest);
}
