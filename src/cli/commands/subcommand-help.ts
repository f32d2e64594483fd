import { EXIT_OK, HelpRequested } from '../exit-codes.js';
import type { Command } from './subcommands.js';

/** Runs a subcommand, printing its own help (not the group's) for -h / -help. */
export function withHelp(help: string, command: Command): Command {
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
