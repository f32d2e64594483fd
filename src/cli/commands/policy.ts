import { readFile } from 'node:fs/promises';
import { EXIT_API_ERROR, EXIT_OK, UsageError } from '../exit-codes.js';
import { structured } from '../output.js';
import { expectArgs, openSession, type CliIo } from '../session.js';
import { runSubcommand, type Subcommands } from './subcommands.js';

/** `policy <subcommand>`: manage ACL policies. */
export function policyCommand(io: CliIo, args: readonly string[]): Promise<number> {
  return runSubcommand('policy', policySubcommands, io, args);
}

const policySubcommands: Subcommands = {
  write: policyWrite,
  read: policyRead,
  list: policyList,
  delete: policyDelete,
};

async function policyWrite(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 2);
  const [name, source] = positionals as [string, string];
  let text: string;
  try {
    text = source === '-' ? await io.readStdin() : await readFile(source, 'utf8');
  } catch (err) {
    throw new UsageError(`Error opening policy file: ${(err as Error).message}`);
  }
  const client = await session.client();
  try {
    await client.writePolicy(name, text);
  } catch (err) {
    return session.fail('uploading policy', err);
  }
  session.out(`Success! Uploaded policy: ${name}`);
  return EXIT_OK;
}

async function policyRead(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 1);
  const name = (positionals[0] as string).toLowerCase();
  const client = await session.client();
  let text: string | undefined;
  try {
    text = await client.readPolicy(name);
  } catch (err) {
    return session.fail(`reading policy named ${name}`, err);
  }
  if (text === undefined) {
    session.err(`No policy named: ${name}`);
    return EXIT_API_ERROR;
  }
  session.out(session.format === 'table' ? text.trim() : structured({ name, policy: text }, session.format));
  return EXIT_OK;
}

async function policyList(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 0);
  const client = await session.client();
  let names: string[];
  try {
    names = await client.policies();
  } catch (err) {
    return session.fail('listing policies', err);
  }
  session.out(session.format === 'table' ? names.join('\n') : structured(names, session.format));
  return EXIT_OK;
}

async function policyDelete(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 1);
  const name = positionals[0] as string;
  const client = await session.client();
  try {
    await client.deletePolicy(name);
  } catch (err) {
    return session.fail(`deleting ${name}`, err);
  }
  session.out(`Success! Deleted policy: ${name}`);
  return EXIT_OK;
}
