import type { Secret } from '../../client/index.js';
import { parseDataArgs } from '../data-args.js';
import { EXIT_API_ERROR, EXIT_OK, UsageError } from '../exit-codes.js';
import { expectArgs, isPlainNotFound, openSession, type CliIo } from '../session.js';

const noFlags = {};

/** `read PATH [k=v...]`: GET a path, extra pairs sent as query parameters. */
export async function readCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, noFlags);
  expectArgs(positionals, 1, Infinity);
  const [path, ...pairs] = positionals as [string, ...string[]];
  const query = Object.fromEntries(Object.entries(await parseDataArgs(pairs, io)).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
  const client = await session.client();
  let secret: Secret | undefined;
  try {
    secret = await client.read(path, { query, wrapTTL: session.wrapTTL });
  } catch (err) {
    if (isPlainNotFound(err)) return noValue(session.err.bind(session), path);
    return session.fail(`reading ${path}`, err);
  }
  if (!secret) return noValue(session.err.bind(session), path);
  return session.printSecret(secret);
}

/** `write PATH [k=v...]`: PUT data to a path. */
export async function writeCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    force: { type: 'boolean', default: 'false', description: 'Send the request even with no data (for paths that take none).' },
    f: { type: 'boolean', default: 'false', description: 'Short for -force.' },
  });
  expectArgs(positionals, 1, Infinity);
  const [path, ...pairs] = positionals as [string, ...string[]];
  const data = await parseDataArgs(pairs, io);
  if (pairs.length === 0 && !flags.force && !flags.f) throw new UsageError('Must supply data or use -force');
  const client = await session.client();
  let secret: Secret | undefined;
  try {
    secret = await client.write(path, data, { wrapTTL: session.wrapTTL });
  } catch (err) {
    return session.fail(`writing to ${path}`, err);
  }
  if (!secret) {
    if (session.format === 'table') session.out(`Success! Data written to: ${path}`);
    return EXIT_OK;
  }
  return session.printSecret(secret);
}

/** `list PATH`: the keys under a path. */
export async function listCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, noFlags);
  expectArgs(positionals, 1);
  const path = positionals[0] as string;
  const client = await session.client();
  let secret: Secret<{ keys: string[] }> | undefined;
  try {
    secret = await client.list(path, { wrapTTL: session.wrapTTL });
  } catch (err) {
    if (isPlainNotFound(err)) return noValue(session.err.bind(session), path);
    return session.fail(`listing ${path}`, err);
  }
  if (secret?.wrap_info) return session.printSecret(secret as Secret);
  const keys = secret?.data?.keys;
  if (!keys || keys.length === 0) return noValue(session.err.bind(session), path);
  return session.printList(keys);
}

/** `delete PATH`: DELETE a path. */
export async function deleteCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, noFlags);
  expectArgs(positionals, 1);
  const path = positionals[0] as string;
  const client = await session.client();
  try {
    await client.delete(path);
  } catch (err) {
    return session.fail(`deleting ${path}`, err);
  }
  session.out(`Success! Data deleted (if it existed) at: ${path}`);
  return EXIT_OK;
}

/** Vault's answer to a read of nothing. */
export function noValue(printError: (text: string) => void, path: string): number {
  printError(`No value found at ${path}`);
  return EXIT_API_ERROR;
}
