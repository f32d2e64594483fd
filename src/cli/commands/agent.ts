import { EXIT_OK, UsageError } from '../exit-codes.js';
import { parseFlags } from '../flags.js';
import type { CliIo } from '../session.js';

const AGENT_FLAGS = {
  config: { type: 'string', description: 'The agent configuration file (Vault Agent HCL, or JSON).' },
} as const;

/**
 * `agent -config=FILE`: runs until SIGTERM or SIGINT, or (exit_after_auth) until the first login
 * has been written to the sinks. Exit 1 for a bad config or a credential that cannot be used.
 */
export async function agentCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { flags, positionals } = parseFlags(args, AGENT_FLAGS);
  if (positionals.length > 0) throw new UsageError(`agent takes no arguments, got: ${positionals.join(' ')}`);
  if (!flags.config) throw new UsageError('agent needs -config=FILE');
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    // Loaded when asked for, so other commands stay light (as `server` is).
    const { runAgent } = await import('../../agent/index.js');
    const code = await runAgent(flags.config, { env: { ...io.env }, stderr: (line) => io.stderr(`${line}\n`), stopped });
    return code === 0 ? EXIT_OK : code;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}
