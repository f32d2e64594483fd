import { homedir } from 'node:os';
import { CofferApiError, CofferConnectionError } from '../client/index.js';
import { auditCommand } from './commands/audit.js';
import { authCommand } from './commands/auth.js';
import { deleteCommand, listCommand, readCommand, writeCommand } from './commands/logical.js';
import { kvCommand } from './commands/kv.js';
import { loginCommand } from './commands/login.js';
import { operatorCommand } from './commands/operator.js';
import { policyCommand } from './commands/policy.js';
import { secretsCommand } from './commands/secrets.js';
import { statusCommand } from './commands/status.js';
import type { Command } from './commands/subcommands.js';
import { tokenCommand } from './commands/token.js';
import { unwrapCommand } from './commands/unwrap.js';
import { EXIT_API_ERROR, EXIT_LOCAL_ERROR, EXIT_OK, EXIT_USAGE, HelpRequested, UsageError } from './exit-codes.js';
import { readHiddenLine } from './prompt.js';
import type { CliIo } from './session.js';

/** `server` lives in the server layer; imported only when asked for, so other commands stay light. */
const serverCommand: Command = async (_io, args) => {
  const { serverCommand: run } = await import('../server/command.js');
  return run([...args]);
};

const commands: Record<string, { run: Command; usage: string }> = {
  server: { run: serverCommand, usage: 'server [-dev] [options]        Start a Coffer server' },
  status: { run: statusCommand, usage: 'status                          Print seal and HA status (exit 2 when sealed)' },
  operator: {
    run: operatorCommand,
    usage:
      'operator init|unseal|seal ...   Initialize, unseal and seal a server (sys/init, sys/unseal, sys/seal)\n' +
      '    operator rekey                  Not supported yet (exits 2)\n' +
      '    operator snapshot save|restore  Save or restore a snapshot of the store (sys/storage/snapshot)',
  },
  login: {
    run: loginCommand,
    usage:
      'login [-method=token|userpass|approle|jwt|kubernetes] [-path=P] [-no-store] [-token-only] TOKEN|-|K=V...\n' +
      '                                    Authenticate and save the token to ~/.coffer-token',
  },
  auth: { run: authCommand, usage: 'auth enable|disable|list|tune|move ...  Manage auth methods (sys/auth)' },
  audit: {
    run: auditCommand,
    usage:
      'audit enable|disable|list ...     Manage audit devices (sys/audit)\n' +
      '    audit verify FILE [FILE...]     Check a file audit log\'s hash chain (rotated files oldest first)',
  },
  read: { run: readCommand, usage: 'read PATH [K=V...]              Read data at a path' },
  write: { run: writeCommand, usage: 'write [-f] PATH K=V|K=@file|K=-|-  Write data to a path' },
  list: { run: listCommand, usage: 'list PATH                       List keys under a path' },
  delete: { run: deleteCommand, usage: 'delete PATH                     Delete data at a path' },
  kv: { run: kvCommand, usage: 'kv put|get|patch|delete|undelete|destroy|list|metadata ...' },
  token: { run: tokenCommand, usage: 'token create|lookup|renew|revoke|capabilities ...' },
  policy: { run: policyCommand, usage: 'policy write NAME FILE|- | read|list|delete' },
  secrets: { run: secretsCommand, usage: 'secrets enable|disable|list|tune|move ...' },
  unwrap: { run: unwrapCommand, usage: 'unwrap [TOKEN]                  Unwrap a wrapped response' },
};

const globalUsage = [
  'Usage: coffer <command> [flags] [args]',
  '',
  'Commands:',
  ...Object.values(commands).map((c) => `    ${c.usage}`),
  '',
  'Flags (Go style, before positional arguments): -format=table|json|yaml, -field=NAME,',
  '-wrap-ttl=DURATION, -address=URL, -namespace=NS.',
  'Environment: COFFER_ADDR / VAULT_ADDR (default http://127.0.0.1:8200), COFFER_TOKEN / VAULT_TOKEN,',
  'else the token saved by `coffer login` in ~/.coffer-token.',
].join('\n');

/** The process's own stdin, stdout, stderr, environment and home directory. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    stdoutIsTTY: process.stdout.isTTY === true,
    promptSecret: process.stdin.isTTY === true ? (prompt) => readHiddenLine(prompt) : undefined,
    env: process.env,
    homeDir: homedir(),
  };
}

/** Runs one CLI invocation against the given IO and returns its exit status. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '-h' || name === '-help' || name === '--help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const command = topic === undefined ? undefined : commands[topic];
    io.stdout(`${command ? `Usage: coffer ${command.usage}` : globalUsage}\n`);
    return EXIT_OK;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`Unknown command "${name}"\n\n${globalUsage}\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(io, rest);
  } catch (err) {
    if (err instanceof HelpRequested) {
      io.stdout(`Usage: coffer ${command.usage}\n`);
      return EXIT_OK;
    }
    if (err instanceof UsageError) {
      io.stderr(`${err.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    // The server answered an error (or could not be reached): remote. Anything else (an unreadable file...) is local.
    return err instanceof CofferApiError || err instanceof CofferConnectionError ? EXIT_API_ERROR : EXIT_LOCAL_ERROR;
  }
}

/** The `coffer` program: bin/coffer.js calls this and exits with the status it returns. */
export async function main(argv: string[]): Promise<number> {
  const code = await run(argv, processIo());
  // Also set here so the status holds even with a launcher that ignores the return value.
  process.exitCode = code;
  return code;
}
