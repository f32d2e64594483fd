import type { MountRequest } from '../../client/index.js';
import { EXIT_OK } from '../exit-codes.js';
import { keyValuePairs } from '../flags.js';
import { mountConfigFlags, mountConfigFrom, tuneRequest, withSlash } from '../mount-flags.js';
import { moveMount } from '../mount-move.js';
import { goValue, humanDuration, structured, table } from '../output.js';
import { expectArgs, openSession, type CliIo } from '../session.js';
import { commandGroup, type Subcommands } from './subcommands.js';

const authSubcommands: Subcommands = {
  enable: {
    usage: 'auth enable [options] TYPE',
    summary: 'Enable an auth method (sys/auth)',
    description: "Enables an auth method of TYPE (userpass, approle, jwt, kubernetes) at -path, or at its type's name.",
    examples: ['coffer auth enable userpass', 'coffer auth enable -path=ci approle'],
    run: authEnable,
  },
  disable: {
    usage: 'auth disable PATH',
    summary: 'Disable an auth method; the server revokes the tokens it issued',
    examples: ['coffer auth disable userpass/'],
    run: authDisable,
  },
  list: { usage: 'auth list [options]', summary: 'List the enabled auth methods', examples: ['coffer auth list -detailed'], run: authList },
  tune: {
    usage: 'auth tune [options] PATH',
    summary: "Change an auth method's TTLs, description or options",
    examples: ['coffer auth tune -default-lease-ttl=1h userpass/'],
    run: authTune,
  },
  move: {
    usage: 'auth move SOURCE DESTINATION',
    summary: 'Move an auth method to another path (sys/remount); name both with their auth/ prefix',
    examples: ['coffer auth move auth/userpass/ auth/people/'],
    run: (io, args) => moveMount(io, args, 'auth method'),
  },
};

/** `auth enable [-path=P] [-description=D] [-default-lease-ttl=T] [-max-lease-ttl=T] TYPE`. */
async function authEnable(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    ...mountConfigFlags,
    path: { type: 'string', default: 'the type', description: 'Where to mount the method (under auth/).' },
    local: { type: 'boolean', default: 'false', description: 'Accepted for compatibility (Coffer does not replicate).' },
    'seal-wrap': { type: 'boolean', default: 'false', description: 'Accepted for compatibility; the barrier already encrypts everything.' },
  });
  expectArgs(positionals, 1);
  const type = positionals[0] as string;
  // Like Vault, the method is enabled at its type's name unless -path says otherwise.
  const path = withSlash(flags.path || type);
  const mount: MountRequest = { type, description: flags.description ?? '', config: mountConfigFrom(flags) };
  const options = keyValuePairs('options', flags.options ?? []);
  if (Object.keys(options).length > 0) mount.options = options;
  if (flags.local) mount.local = true;
  if (flags['seal-wrap']) mount.seal_wrap = true;
  const client = await session.client();
  try {
    await client.auth.enable(path, mount);
  } catch (err) {
    return session.fail(`enabling ${type} auth`, err);
  }
  session.out(`Success! Enabled ${type} auth method at: ${path}`);
  return EXIT_OK;
}

/** `auth disable PATH`: tokens issued through the method are revoked by the server. */
async function authDisable(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 1);
  const path = withSlash(positionals[0] as string);
  const client = await session.client();
  try {
    await client.auth.disable(path);
  } catch (err) {
    return session.fail(`disabling auth method at ${path}`, err);
  }
  session.out(`Success! Disabled the auth method (if it existed) at: ${path}`);
  return EXIT_OK;
}

/** `auth list [-detailed]`: a Path/Type/Accessor/Description table, or the sys/auth map in JSON/YAML. */
async function authList(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    detailed: { type: 'boolean', default: 'false', description: 'Show TTLs, options, UUIDs and more columns.' },
  });
  expectArgs(positionals, 0);
  const client = await session.client();
  let methods: Record<string, Record<string, unknown>>;
  try {
    methods = await client.auth.list();
  } catch (err) {
    return session.fail('listing enabled authentications', err);
  }
  if (session.format !== 'table') {
    session.out(structured(methods, session.format));
    return EXIT_OK;
  }
  const paths = Object.keys(methods).sort();
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  if (!flags.detailed) {
    const rows = paths.map((p) => {
      const m = methods[p] ?? {};
      return [p, text(m.type), text(m.accessor), text(m.description)];
    });
    session.out(table(['Path', 'Type', 'Accessor', 'Description'], rows));
    return EXIT_OK;
  }
  // A TTL of 0 means the mount follows the system default, which Vault shows as "system".
  const ttl = (v: unknown) => (typeof v === 'number' && v > 0 ? humanDuration(v) : 'system');
  const rows = paths.map((p) => {
    const m = methods[p] ?? {};
    const config = (m.config ?? {}) as Record<string, unknown>;
    return [
      p, text(m.type), text(m.accessor), ttl(config.default_lease_ttl), ttl(config.max_lease_ttl),
      m.local ? 'local' : 'replicated', text(m.seal_wrap ?? false), text(m.external_entropy_access ?? false),
      goValue(m.options ?? null), text(m.description), text(m.uuid), text(m.running_plugin_version),
    ];
  });
  const header = [
    'Path', 'Plugin', 'Accessor', 'Default TTL', 'Max TTL', 'Replication', 'Seal Wrap', 'External Entropy Access',
    'Options', 'Description', 'UUID', 'Running Version',
  ];
  session.out(table(header, rows));
  return EXIT_OK;
}

/** `auth tune [-default-lease-ttl=T] [-max-lease-ttl=T] [-description=D] PATH` (sys/auth/<path>/tune). */
async function authTune(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, mountConfigFlags);
  expectArgs(positionals, 1);
  const path = withSlash(positionals[0] as string);
  const client = await session.client();
  try {
    await client.auth.tune(path, tuneRequest(flags));
  } catch (err) {
    return session.fail(`tuning auth method ${path}`, err);
  }
  session.out(`Success! Tuned the auth method at: ${path}`);
  return EXIT_OK;
}

/** `auth <subcommand>`: enable, disable, list, tune and move auth methods (sys/auth). */
export const authCommand = commandGroup('auth', 'Enable, disable, list, tune and move auth methods', authSubcommands);
