import { readFile } from 'node:fs/promises';
import { EXIT_API_ERROR, EXIT_OK, UsageError } from '../exit-codes.js';
import { structured } from '../output.js';
import { expectArgs, openSession, type CliIo } from '../session.js';
import { commandGroup, type Subcommands } from './subcommands.js';

const policySubcommands: Subcommands = {
  write: {
    usage: 'policy write NAME FILE|-',
    summary: 'Write an ACL policy from an HCL file ("-" reads stdin)',
    examples: ['coffer policy write app-read app-read.hcl', 'echo \'path "secret/*" { capabilities = ["read"] }\' | coffer policy write reader -'],
    run: policyWrite,
  },
  read: { usage: 'policy read NAME', summary: "Print a policy's text", examples: ['coffer policy read default'], run: policyRead },
  list: { usage: 'policy list', summary: 'List the policies', examples: ['coffer policy list'], run: policyList },
  delete: { usage: 'policy delete NAME', summary: 'Delete a policy', examples: ['coffer policy delete app-read'], run: policyDelete },
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
    await client.policy.write(name, text);
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
    text = await client.policy.read(name);
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
    names = await client.policy.list();
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
    await client.policy.delete(name);
  } catch (err) {
    return session.fail(`deleting ${name}`, err);
  }
  session.out(`Success! Deleted policy: ${name}`);
  return EXIT_OK;
}

/** `policy <subcommand>`: manage ACL policies. */
export const policyCommand = commandGroup('policy', 'Write, read, list and delete ACL policies', policySubcommands);
