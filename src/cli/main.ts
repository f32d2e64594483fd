import { homedir } from 'node:os';
import { CofferApiError, CofferConnectionError } from '../client/index.js';
import { agentCommand } from './commands/agent.js';
import { injectorCommand } from './commands/injector.js';
import { auditCommand } from './commands/audit.js';
import { authCommand } from './commands/auth.js';
import { deleteCommand, listCommand, readCommand, writeCommand } from './commands/logical.js';
import { kvCommand } from './commands/kv.js';
import { loginCommand } from './commands/login.js';
import { operatorCommand } from './commands/operator.js';
import { policyCommand } from './commands/policy.js';
import { namespaceCommand } from './commands/namespace.js';
import { leaseCommand } from './commands/lease.js';
import { secretsCommand } from './commands/secrets.js';
import { statusCommand } from './commands/status.js';
import { runCommand, type Command, type CommandEntry } from './commands/subcommands.js';
import { tokenCommand } from './commands/token.js';
import { unwrapCommand } from './commands/unwrap.js';
import { pathHelpCommand } from './commands/path-help.js';
import { versionCommand } from './commands/version.js';
import { EXIT_API_ERROR, EXIT_LOCAL_ERROR, EXIT_OK, EXIT_USAGE, UsageError } from './exit-codes.js';
import { renderCommandList } from './help.js';
import { readHiddenLine } from './prompt.js';
import type { CliIo } from './session.js';

/** `server` lives in the server layer; imported only when asked for, so other commands stay light. */
const serverCommand: Command = async (_io, args) => {
  const { serverCommand: run } = await import('../server/command.js');
  return run([...args]);
};

/** Every command, with its help; groups list their own subcommands. */
export const commands: Record<string, CommandEntry> = {
  server: {
    usage: 'server [-dev] [-config=FILE] [options]',
    summary: 'Start a Coffer server (its own -help lists its flags)',
    examples: ['coffer server -dev', 'coffer server -config=/etc/coffer/coffer.hcl'],
    run: serverCommand,
  },
  agent: {
    usage: 'agent (-config=FILE | -config-env=NAME)',
    summary: 'Run an agent: auto-auth, token sinks, templates (Vault Agent configuration)',
    description:
      'Logs in with the auto_auth method of FILE (approle, kubernetes, jwt, token_file or wrapped_token), keeps the\n' +
      'token renewed, writes it to each sink on every login, and runs until stopped; with exit_after_auth it exits 0\n' +
      'once the token is written (an init container). A wrapping token that cannot be used exits 1 naming why.',
    examples: ['coffer agent -config=/etc/coffer/agent.hcl'],
    run: agentCommand,
  },
  injector: {
    usage: 'injector (-tls-auto | -tls-cert-file=F -tls-key-file=F) [options]',
    summary: 'Run the Kubernetes admission webhook that injects coffer agent, or a wrapped token, into pods',
    description:
      'Serves POST /mutate (AdmissionReview v1 and v1beta1, answered with a JSON Patch), GET /health/ready and\n' +
      'GET /metrics over HTTPS. Pods annotated vault.hashicorp.com/agent-inject (or coffer.io/agent-inject) get\n' +
      'an agent init container and sidecar (kubernetes-auth mode), or a single-use wrapping token minted for them\n' +
      '(coffer.io/inject-mode: wrapped-token). Every other pod is admitted unchanged.',
    examples: ['coffer injector -tls-auto -tls-hosts=coffer-injector.coffer.svc -webhook-config=coffer-injector -auth-role=coffer-injector'],
    run: injectorCommand,
  },
  status: {
    usage: 'status [options]',
    summary: 'Print seal and HA status (exit 2 when sealed)',
    examples: ['coffer status', 'coffer status -format=json'],
    run: statusCommand,
  },
  operator: operatorCommand,
  login: {
    usage: 'login [options] [TOKEN | - | K=V...]',
    summary: 'Authenticate and save the token to ~/.coffer-token',
    description:
      'Authenticates through an auth method (-method=token, userpass, approle, jwt or kubernetes) with the\n' +
      "method's K=V parameters, saves the token to ~/.coffer-token unless -no-store, and prints it.",
    examples: ['coffer login s.XXXXXXXX', 'coffer login -method=userpass username=alice', 'coffer login -method=approle role_id=ID secret_id=SECRET'],
    run: loginCommand,
  },
  auth: authCommand,
  audit: auditCommand,
  read: {
    usage: 'read [options] PATH [K=V...]',
    summary: 'Read data at a path (K=V pairs are sent as query parameters)',
    examples: ['coffer read sys/mounts', 'coffer read -field=value kv1/app/db'],
    run: readCommand,
  },
  write: {
    usage: 'write [options] PATH [K=V | K=@FILE | K=- | -]...',
    summary: 'Write data to a path',
    examples: ['coffer write sys/policy/reader policy=@reader.hcl', 'coffer write -f sys/rotate'],
    run: writeCommand,
  },
  list: { usage: 'list [options] PATH', summary: 'List the keys under a path', examples: ['coffer list secret/metadata/'], run: listCommand },
  delete: { usage: 'delete [options] PATH', summary: 'Delete data at a path', examples: ['coffer delete kv1/app/db'], run: deleteCommand },
  kv: kvCommand,
  token: tokenCommand,
  policy: policyCommand,
  namespace: namespaceCommand,
  lease: leaseCommand,
  secrets: secretsCommand,
  unwrap: {
    usage: 'unwrap [options] [TOKEN]',
    summary: "Unwrap a wrapped response (the client's own token without TOKEN)",
    examples: ['coffer unwrap hvs.CAESI...', 'VAULT_TOKEN=$WRAPPING_TOKEN coffer unwrap'],
    run: unwrapCommand,
  },
  'path-help': {
    usage: 'path-help [options] PATH',
    summary: 'Print the help the server has for a path (?help=1)',
    examples: ['coffer path-help secret/', 'coffer path-help sys/mounts'],
    run: pathHelpCommand,
  },
  version: { usage: 'version', summary: "Print Coffer's version", examples: ['coffer version'], run: versionCommand },
};

const globalUsage = [
  'Usage: coffer <command> [options] [args]',
  '',
  renderCommandList('Commands:', commands),
  '',
  'Run "coffer <command> -help" for a command\'s flags and examples. Flags are Go style (-name=value) and come',
  'before the arguments. The server address comes from -address, COFFER_ADDR or VAULT_ADDR (default',
  'http://127.0.0.1:8200); the token from COFFER_TOKEN or VAULT_TOKEN, else ~/.coffer-token (written by',
  '`coffer login`), else ~/.vault-token.',
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
    if (command) return run([topic as string, '-help'], io);
    io.stdout(`${globalUsage}\n`);
    return EXIT_OK;
  }
  if (name === '-version' || name === '--version' || name === '-v') return run(['version'], io);
  const command = commands[name];
  if (!command) {
    io.stderr(`Unknown command "${name}"\n\n${globalUsage}\n`);
    return EXIT_USAGE;
  }
  try {
    return await runCommand(command, io, rest);
  } catch (err) {
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
