import type { MountRequest } from '../../client/index.js';
import { EXIT_OK } from '../exit-codes.js';
import { keyValuePairs } from '../flags.js';
import { mountConfigFlags as configFlags, mountConfigFrom as configFrom, tuneRequest, withSlash } from '../mount-flags.js';
import { moveMount } from '../mount-move.js';
import { goValue, humanDuration, structured, table } from '../output.js';
import { expectArgs, openSession, type CliIo } from '../session.js';
import { commandGroup, type Subcommands } from './subcommands.js';

const secretsSubcommands: Subcommands = {
  enable: {
    usage: 'secrets enable [options] TYPE',
    summary: 'Enable a secrets engine (sys/mounts)',
    description: "Enables a secrets engine of TYPE (kv, transit, cubbyhole...) at -path, or at its type's name.",
    examples: ['coffer secrets enable -path=secret -version=2 kv', 'coffer secrets enable transit'],
    run: secretsEnable,
  },
  disable: {
    usage: 'secrets disable PATH',
    summary: 'Disable a secrets engine and delete its data',
    examples: ['coffer secrets disable kv1/'],
    run: secretsDisable,
  },
  list: { usage: 'secrets list [options]', summary: 'List the enabled secrets engines', examples: ['coffer secrets list -detailed'], run: secretsList },
  tune: {
    usage: 'secrets tune [options] PATH',
    summary: "Change a secrets engine's TTLs, description or options",
    examples: ['coffer secrets tune -max-lease-ttl=24h secret/'],
    run: secretsTune,
  },
  move: {
    usage: 'secrets move SOURCE DESTINATION',
    summary: 'Move a secrets engine to another path, keeping its data (sys/remount)',
    examples: ['coffer secrets move secret/ kv/'],
    run: (io, args) => moveMount(io, args, 'secrets engine'),
  },
};

async function secretsEnable(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    ...configFlags,
    path: { type: 'string', default: 'the type', description: 'Where to mount the engine.' },
    version: { type: 'string', description: 'KV version (1 or 2); the same as -options=version=N.' },
    local: { type: 'boolean', default: 'false', description: 'Accepted for compatibility (Coffer does not replicate).' },
    'seal-wrap': { type: 'boolean', default: 'false', description: 'Accepted for compatibility; the barrier already encrypts everything.' },
  });
  expectArgs(positionals, 1);
  const type = positionals[0] as string;
  const path = withSlash(flags.path || type);
  const options = keyValuePairs('options', flags.options ?? []);
  if (flags.version) options.version = flags.version;
  const mount: MountRequest = { type, description: flags.description ?? '', config: configFrom(flags) };
  if (Object.keys(options).length > 0) mount.options = options;
  if (flags.local) mount.local = true;
  if (flags['seal-wrap']) mount.seal_wrap = true;
  const client = await session.client();
  try {
    await client.secrets.enable(path, mount);
  } catch (err) {
    return session.fail('enabling', err);
  }
  session.out(`Success! Enabled the ${type} secrets engine at: ${path}`);
  return EXIT_OK;
}

async function secretsDisable(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 1);
  const path = withSlash(positionals[0] as string);
  const client = await session.client();
  try {
    await client.secrets.disable(path);
  } catch (err) {
    return session.fail(`disabling secrets engine at ${path}`, err);
  }
  session.out(`Success! Disabled the secrets engine (if it existed) at: ${path}`);
  return EXIT_OK;
}

async function secretsList(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    detailed: { type: 'boolean', default: 'false', description: 'Show TTLs, options, UUIDs and more columns.' },
  });
  expectArgs(positionals, 0);
  const client = await session.client();
  let mounts: Record<string, Record<string, unknown>>;
  try {
    mounts = await client.secrets.list();
  } catch (err) {
    return session.fail('listing secrets engines', err);
  }
  if (session.format !== 'table') {
    session.out(structured(mounts, session.format));
    return EXIT_OK;
  }
  const paths = Object.keys(mounts).sort();
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  if (!flags.detailed) {
    const rows = paths.map((p) => {
      const m = mounts[p] ?? {};
      return [p, text(m.type), text(m.accessor), text(m.description)];
    });
    session.out(table(['Path', 'Type', 'Accessor', 'Description'], rows));
    return EXIT_OK;
  }
  const rows = paths.map((p) => {
    const m = mounts[p] ?? {};
    const config = (m.config ?? {}) as Record<string, unknown>;
    const ttl = (v: unknown) => (typeof v === 'number' && v > 0 ? humanDuration(v) : 'system');
    return [
      p, text(m.type), text(m.accessor), ttl(config.default_lease_ttl), ttl(config.max_lease_ttl), m.local ? 'local' : 'replicated',
      text(m.seal_wrap ?? false), goValue(m.options ?? null), text(m.description), text(m.uuid),
    ];
  });
  session.out(table(['Path', 'Type', 'Accessor', 'Default TTL', 'Max TTL', 'Replication', 'Seal Wrap', 'Options', 'Description', 'UUID'], rows));
  return EXIT_OK;
}

async function secretsTune(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, configFlags);
  expectArgs(positionals, 1);
  const path = withSlash(positionals[0] as string);
  const tune = tuneRequest(flags);
  const client = await session.client();
  try {
    await client.secrets.tune(path, tune);
  } catch (err) {
    return session.fail(`tuning secrets engine ${path}`, err);
  }
  session.out(`Success! Tuned the secrets engine at: ${path}`);
  return EXIT_OK;
}

/** `secrets <subcommand>`: enable, disable, list, tune and move secrets engines. */
export const secretsCommand = commandGroup('secrets', 'Enable, disable, list, tune and move secrets engines', secretsSubcommands);
