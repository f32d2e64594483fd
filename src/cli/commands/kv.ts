import { CofferApiError, kvApiPath, type KvLocation, type KvResult, type Secret } from '../../client/index.js';
import { parseDataArgs } from '../data-args.js';
import { EXIT_OK, UsageError } from '../exit-codes.js';
import { keyValuePairs, type FlagSpec } from '../flags.js';
import { headerForMap, mapTable, pathSection, secretField } from '../output.js';
import { expectArgs, isPlainNotFound, openSession, type CliIo } from '../session.js';
import { noValue } from './logical.js';
import { commandGroup, type Subcommands } from './subcommands.js';

const mountFlag = {
  mount: { type: 'string', description: 'The KV mount; then KEY is the path inside it (instead of MOUNT/KEY).' },
} as const satisfies FlagSpec;
const versionsFlag = {
  versions: { type: 'string', multiple: true, description: 'Versions to act on, comma-separated or repeated (KV v2).' },
} as const satisfies FlagSpec;

/** Parses an integer flag value; undefined when the flag was not given. */
export function intFlag(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`invalid value "${raw}" for flag -${name}: must be an integer`);
  return Number(raw);
}

/** `-versions=1,2 -versions=3` → [1, 2, 3]. */
function versionList(raw: readonly string[]): number[] {
  return raw
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map((v) => intFlag('versions', v) as number);
}

async function writeData(io: CliIo, args: readonly string[], mode: 'put' | 'patch'): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    ...mountFlag,
    cas: { type: 'string', description: 'Check-and-set: write only if the current version is this one (0: only if absent).' },
  });
  expectArgs(positionals, 1, Infinity);
  const [path, ...pairs] = positionals as [string, ...string[]];
  if (pairs.length === 0) throw new UsageError('Must supply data');
  const data = await parseDataArgs(pairs, io);
  const cas = intFlag('cas', flags.cas);
  // Vault's -cas defaults to -1, meaning "no check-and-set".
  const options = { mount: flags.mount, wrapTTL: session.wrapTTL, cas: cas !== undefined && cas >= 0 ? cas : undefined };
  const client = await session.client();
  let result: KvResult;
  try {
    result = mode === 'put' ? await client.kv.put(path, data, options) : await client.kv.patch(path, data, options);
  } catch (err) {
    return session.fail(`writing data to ${path}`, err);
  }
  const { secret, apiPath } = result;
  if (!secret) {
    if (session.format === 'table') session.out(`Success! Data written to: ${apiPath}`);
    return EXIT_OK;
  }
  if (session.field !== undefined || session.format !== 'table' || secret.wrap_info) return session.printSecret(secret);
  session.out(pathSection('Secret Path', apiPath));
  const metadata = secret.data ?? {};
  session.out(headerForMap('Metadata', metadata));
  return session.printData(metadata);
}

async function kvGet(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    ...mountFlag,
    version: { type: 'string', default: 'the latest', description: 'The version to read (KV v2).' },
  });
  expectArgs(positionals, 1);
  const path = positionals[0] as string;
  const version = intFlag('version', flags.version);
  const client = await session.client();
  let location: KvLocation;
  let apiPath: string;
  let secret: Secret | undefined;
  try {
    location = await client.kv.locate(path, flags.mount);
    apiPath = kvApiPath(location, 'data');
    const query = location.version === 2 && version ? { version } : undefined;
    secret = await readAllowingDeleted(() => client.read(apiPath, { query, wrapTTL: session.wrapTTL }));
  } catch (err) {
    return session.fail(`reading ${path}`, err);
  }
  if (!secret) return noValue(session.err.bind(session), apiPath);
  const v2 = location.version === 2;

  if (session.field !== undefined && !secret.wrap_info) {
    if (!v2) return session.printField(secretField(secret, session.field));
    const data = secret.data?.data as Record<string, unknown> | null | undefined;
    if (!data) return noValue(session.err.bind(session), apiPath);
    // `-field=data` means the data block itself unless the secret has a key named "data".
    if (session.field === 'data' && !('data' in data)) return session.printField(data);
    return session.printField(data[session.field]);
  }
  if (secret.wrap_info || session.format !== 'table' || session.field !== undefined) return session.printSecret(secret);

  session.printWarnings(secret);
  if (v2) session.out(pathSection('Secret Path', apiPath));
  const metadata = v2 ? (secret.data?.metadata as Record<string, unknown> | null | undefined) : undefined;
  if (metadata) {
    session.out(headerForMap('Metadata', metadata));
    const text = mapTable(metadata);
    if (text) session.out(text);
    session.out('');
  }
  const data = v2 ? (secret.data?.data as Record<string, unknown> | null | undefined) : secret.data;
  if (data) {
    session.out(headerForMap('Data', data));
    const text = mapTable(data);
    if (text) session.out(text);
  }
  return EXIT_OK;
}

/**
 * A KV v2 read of a deleted or destroyed version answers 404 yet still carries its metadata;
 * Vault's CLI shows that metadata instead of an error. A bare 404 means nothing is there.
 */
async function readAllowingDeleted(read: () => Promise<Secret | undefined>): Promise<Secret | undefined> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof CofferApiError) || err.status !== 404) throw err;
    const body = err.body as Partial<Secret> | undefined;
    if (body && (body.data || body.warnings?.length)) return body as Secret;
    if (err.errors.length === 0) return undefined;
    throw err;
  }
}

async function kvDelete(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, { ...mountFlag, ...versionsFlag });
  expectArgs(positionals, 1);
  const path = positionals[0] as string;
  const client = await session.client();
  try {
    const { apiPath } = await client.kv.delete(path, { mount: flags.mount, versions: versionList(flags.versions ?? []) });
    session.out(`Success! Data deleted (if it existed) at: ${apiPath}`);
    return EXIT_OK;
  } catch (err) {
    return session.fail(`deleting ${path}`, err);
  }
}

async function versionsCommand(io: CliIo, args: readonly string[], operation: 'undelete' | 'destroy'): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, { ...mountFlag, ...versionsFlag });
  expectArgs(positionals, 1);
  const path = positionals[0] as string;
  const versions = versionList(flags.versions ?? []);
  if (versions.length === 0) throw new UsageError(`No versions provided, use the "-versions" flag to specify the version to ${operation}.`);
  const client = await session.client();
  try {
    const { apiPath } = await client.kv[operation](path, versions, { mount: flags.mount });
    session.out(`Success! Data written to: ${apiPath}`);
    return EXIT_OK;
  } catch (err) {
    return session.fail(`writing data to ${path}`, err);
  }
}

async function kvList(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, mountFlag);
  expectArgs(positionals, 1);
  const path = positionals[0] as string;
  const client = await session.client();
  let result: KvResult;
  try {
    result = await client.kv.list(path, { mount: flags.mount, wrapTTL: session.wrapTTL });
  } catch (err) {
    if (isPlainNotFound(err)) return noValue(session.err.bind(session), path);
    return session.fail(`listing ${path}`, err);
  }
  if (result.secret?.wrap_info) return session.printSecret(result.secret);
  const keys = result.secret?.data?.keys as string[] | undefined;
  if (!keys || keys.length === 0) return noValue(session.err.bind(session), result.apiPath);
  return session.printList(keys);
}

async function metadataGet(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, mountFlag);
  expectArgs(positionals, 1);
  const path = positionals[0] as string;
  const client = await session.client();
  let result: KvResult;
  try {
    result = await client.kv.metadataGet(path, { mount: flags.mount, wrapTTL: session.wrapTTL });
  } catch (err) {
    if (isPlainNotFound(err)) return noValue(session.err.bind(session), path);
    return session.fail(`reading ${path}`, err);
  }
  const { secret, apiPath } = result;
  if (!secret) return noValue(session.err.bind(session), apiPath);
  if (session.field !== undefined || session.format !== 'table' || secret.wrap_info) return session.printSecret(secret);
  const { versions, ...metadata } = secret.data ?? {};
  session.out(pathSection('Metadata Path', apiPath));
  session.out(headerForMap('Metadata', metadata));
  session.printSecret({ ...secret, data: metadata });
  const byVersion = (versions ?? {}) as Record<string, Record<string, unknown>>;
  for (const key of Object.keys(byVersion).sort((a, b) => Number(a) - Number(b))) {
    const entry = byVersion[key] ?? {};
    session.out(`\n${headerForMap(`Version ${key}`, entry)}`);
    session.printData(entry);
  }
  return EXIT_OK;
}

async function metadataPut(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    ...mountFlag,
    'max-versions': { type: 'string', default: "the mount's", description: 'Versions to keep; older ones are removed (0: the mount setting).' },
    'cas-required': { type: 'boolean', default: 'false', description: 'Refuse writes to this key without -cas.' },
    'delete-version-after': { type: 'string', description: 'Delete each version this long after it is written ("720h"; "0s": never).' },
    'custom-metadata': { type: 'string', multiple: true, description: 'A key=value pair of custom metadata; repeat for more.' },
  });
  expectArgs(positionals, 1);
  const path = positionals[0] as string;
  const settings: Record<string, unknown> = {};
  const maxVersions = intFlag('max-versions', flags['max-versions']);
  if (maxVersions !== undefined) settings.max_versions = maxVersions;
  if (flags['cas-required'] !== undefined) settings.cas_required = flags['cas-required'];
  if (flags['delete-version-after'] !== undefined) settings.delete_version_after = flags['delete-version-after'];
  if (flags['custom-metadata']?.length) settings.custom_metadata = keyValuePairs('custom-metadata', flags['custom-metadata']);
  const client = await session.client();
  try {
    const { apiPath } = await client.kv.metadataPut(path, settings, { mount: flags.mount });
    session.out(`Success! Data written to: ${apiPath}`);
    return EXIT_OK;
  } catch (err) {
    return session.fail(`writing ${path}`, err);
  }
}

async function metadataDelete(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, mountFlag);
  expectArgs(positionals, 1);
  const path = positionals[0] as string;
  const client = await session.client();
  try {
    const { apiPath } = await client.kv.metadataDelete(path, { mount: flags.mount });
    session.out(`Success! Data deleted (if it existed) at: ${apiPath}`);
    return EXIT_OK;
  } catch (err) {
    return session.fail(`deleting ${path}`, err);
  }
}

const metadataSubcommands: Subcommands = {
  get: {
    usage: 'kv metadata get [options] KEY',
    summary: "Print a KV v2 key's metadata and versions",
    examples: ['coffer kv metadata get -mount=secret creds'],
    run: metadataGet,
  },
  put: {
    usage: 'kv metadata put [options] KEY',
    summary: "Set a KV v2 key's max versions, CAS requirement, deletion time or custom metadata",
    examples: ['coffer kv metadata put -mount=secret -max-versions=5 -custom-metadata=owner=ops creds'],
    run: metadataPut,
  },
  delete: {
    usage: 'kv metadata delete [options] KEY',
    summary: 'Delete a KV v2 key with every version and its metadata',
    examples: ['coffer kv metadata delete -mount=secret creds'],
    run: metadataDelete,
  },
};

const kvSubcommands: Subcommands = {
  put: {
    usage: 'kv put [options] KEY [K=V | K=@FILE | K=- | -]...',
    summary: 'Write a secret (a new version on KV v2)',
    description: 'Writes the data to KEY, replacing what was there. K=@FILE reads a value from a file, K=- from stdin, and "-" alone a JSON object from stdin.',
    examples: ['coffer kv put -mount=secret creds user=app password=s3cr3t', 'coffer kv put secret/creds @data.json'],
    run: (io, args) => writeData(io, args, 'put'),
  },
  patch: {
    usage: 'kv patch [options] KEY K=V...',
    summary: 'Change some fields of a KV v2 secret, keeping the others',
    examples: ['coffer kv patch -mount=secret creds password=n3w'],
    run: (io, args) => writeData(io, args, 'patch'),
  },
  get: {
    usage: 'kv get [options] KEY',
    summary: 'Read a secret',
    examples: ['coffer kv get -mount=secret creds', 'coffer kv get -field=password secret/creds'],
    run: kvGet,
  },
  delete: {
    usage: 'kv delete [options] KEY',
    summary: 'Delete a secret (KV v2: soft-delete the latest version, or -versions)',
    examples: ['coffer kv delete -mount=secret creds', 'coffer kv delete -versions=1,2 secret/creds'],
    run: kvDelete,
  },
  undelete: {
    usage: 'kv undelete -versions=N [options] KEY',
    summary: 'Restore soft-deleted KV v2 versions',
    examples: ['coffer kv undelete -versions=3 secret/creds'],
    run: (io, args) => versionsCommand(io, args, 'undelete'),
  },
  destroy: {
    usage: 'kv destroy -versions=N [options] KEY',
    summary: 'Destroy KV v2 versions for good',
    examples: ['coffer kv destroy -versions=1 secret/creds'],
    run: (io, args) => versionsCommand(io, args, 'destroy'),
  },
  list: { usage: 'kv list [options] PATH', summary: 'List the keys under a path', examples: ['coffer kv list secret/'], run: kvList },
  metadata: commandGroup('kv metadata', 'Read, write and delete KV v2 metadata', metadataSubcommands),
};

/** `kv <subcommand>`: KV v1/v2 secrets, with the mount's version found by asking the server. */
export const kvCommand = commandGroup('kv', 'Read and write KV v1 and v2 secrets', kvSubcommands);
