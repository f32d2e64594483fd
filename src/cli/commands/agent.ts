import { EXIT_OK, UsageError } from '../exit-codes.js';
import { parseFlags } from '../flags.js';
import type { CliIo } from '../session.js';

const AGENT_FLAGS = {
  config: { type: 'string', description: 'The agent configuration file (Vault Agent HCL, or JSON).' },
  'config-env': { type: 'string', description: 'An environment variable holding the configuration instead of a file (what coffer injector sets).' },
} as const;

/**
 * `agent -config=FILE` (or `-config-env=NAME`): runs until SIGTERM or SIGINT, or (exit_after_auth) until the first login
 * has been written to the sinks. Exit 1 for a bad config or a credential that cannot be used.
 */
export async function agentCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { flags, positionals } = parseFlags(args, AGENT_FLAGS);
  if (positionals.length > 0) throw new UsageError(`agent takes no arguments, got: ${positionals.join(' ')}`);
  const variable = flags['config-env'];
  if (Boolean(flags.config) === Boolean(variable)) throw new UsageError('agent needs one of -config=FILE and -config-env=NAME');
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    // Loaded when asked for, so other commands stay light (as `server` is).
    const { runAgent } = await import('../../agent/index.js');
    const source = flags.config ? { file: flags.config } : { variable: variable!, env: io.env };
    const code = await runAgent(source, { env: { ...io.env }, stderr: (line) => io.stderr(`${line}\n`), stopped });
    return code === 0 ? EXIT_OK : code;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}
