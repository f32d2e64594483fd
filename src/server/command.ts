import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { parseLogFormat, parseLogLevel } from './logging.js';
import { devStorage, startServer } from './start.js';

const USAGE = `Usage: coffer server [options]

  Starts a Coffer server.

  -config=FILE               HCL or JSON configuration file.
  -dev                       Development mode: in a temp dir, unsealed, root token printed.
  -dev-root-token-id=ID      Root token to create in dev mode (default: random).
  -dev-listen-address=ADDR   Address to listen on in dev mode (default: 127.0.0.1:8200).
  -log-level=LEVEL           trace, debug, info, warn, error (default: info).
  -log-format=FORMAT         json (default) or standard (one human-readable line per entry).
`;

/** `coffer server`: returns the exit code when it cannot start; otherwise runs until signalled. */
export async function serverCommand(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      // Vault's flags are Go-style (-dev-root-token-id=x); parseArgs wants "--" for long names.
      args: args.map((a) => (/^-[^-]/.test(a) && a.length > 2 ? `-${a}` : a)),
      options: {
        config: { type: 'string' },
        dev: { type: 'boolean' },
        'dev-root-token-id': { type: 'string' },
        'dev-listen-address': { type: 'string' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 1;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  for (const [flag, valid] of [['log-level', parseLogLevel], ['log-format', parseLogFormat]] as const) {
    const value = flags[flag];
    if (value !== undefined && !valid(value)) {
      process.stderr.write(`Error: unknown ${flag} "${value}"\n\n${USAGE}`);
      return 1;
    }
  }
  if (!flags.dev && !flags.config) {
    process.stderr.write(`Error: a configuration file is required (-config=FILE), or use -dev\n\n${USAGE}`);
    return 1;
  }

  // Dev mode keeps nothing: its temp directory goes when the server stops (or fails to start).
  let devDir: string | undefined;
  const removeDevDir = async () => {
    if (devDir) await rm(devDir, { recursive: true, force: true });
  };
  try {
    const storage = flags.config ? undefined : await devStorage();
    if (storage?.type === 'sqlite') devDir = dirname(storage.path);
    const config = !storage
      ? await loadConfig(flags.config!)
      : {
          storage,
          listeners: [{ address: flags['dev-listen-address'] ?? '127.0.0.1:8200', tlsDisable: true }],
          seal: { type: 'local' as const },
          ui: true,
        };
    if (flags['log-level']) config.logLevel = flags['log-level'];
    if (flags['log-format']) config.logFormat = flags['log-format'];
    const server = await startServer({ config, dev: flags.dev ? { rootTokenId: flags['dev-root-token-id'] } : undefined });
    printBanner(server.addresses, config.storage.type, server.rootToken);
    const stop = async () => {
      try {
        await server.close();
      } finally {
        await removeDevDir();
        process.exit(0);
      }
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // logrotate: audit devices reopen their files (the hash chains go on across them).
    process.on('SIGHUP', () => {
      if (server.core.sealed) return;
      void server.core.audit.reopen().catch((err: unknown) => process.stderr.write(`audit reopen failed: ${(err as Error).message}\n`));
    });
    // New TLS connections get the certificate files as they are now (renewed certificates).
    process.on('SIGHUP', () => void server.reloadTls());
    return await new Promise<number>(() => undefined);
  } catch (err) {
    await removeDevDir();
    if (err instanceof ConfigError) {
      process.stderr.write(`Error parsing config: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`Error starting server: ${(err as Error).message}\n`);
    return 1;
  }
}

function printBanner(addresses: string[], storage: string, rootToken: string | undefined) {
  const lines = ['==> Coffer server configuration:', '', `         Api Address: ${addresses[0]}`, `             Storage: ${storage}`, ''];
  if (rootToken) {
    lines.push(
      'WARNING! dev mode is enabled! In this mode, Coffer runs entirely from a temporary',
      'directory, sealed by an ephemeral key that dies with the process: every secret',
      'written is lost on exit. Do not run dev mode in production.',
      '',
      'You may need to set the following environment variables:',
      '',
      `    $ export VAULT_ADDR='${addresses[0]}'`,
      '',
      'The root token is displayed below. It is not stored anywhere in the clear.',
      '',
      `Root Token: ${rootToken}`,
      '',
      '==> Coffer server started! Log data will stream in below:',
      '',
    );
  } else {
    lines.push('==> Coffer server started! Log data will stream in below:', '');
  }
  process.stdout.write(lines.join('\n') + '\n');
}
