import type { Secret, TokenCreateRequest } from '../../client/index.js';
import { EXIT_OK, UsageError } from '../exit-codes.js';
import { keyValuePairs } from '../flags.js';
import { structured } from '../output.js';
import { expectArgs, openSession, type CliIo } from '../session.js';
import { intFlag } from './kv.js';
import { runSubcommand, type Subcommands } from './subcommands.js';

/** `token <subcommand>`: create, look up, renew, revoke tokens and ask their capabilities. */
export function tokenCommand(io: CliIo, args: readonly string[]): Promise<number> {
  return runSubcommand('token', tokenSubcommands, io, args);
}

const tokenSubcommands: Subcommands = {
  create: tokenCreate,
  lookup: tokenLookup,
  renew: tokenRenew,
  revoke: tokenRevoke,
  capabilities: tokenCapabilities,
};

async function tokenCreate(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    id: { type: 'string' },
    policy: { type: 'string', multiple: true },
    ttl: { type: 'string' },
    'explicit-max-ttl': { type: 'string' },
    'num-uses': { type: 'string' },
    renewable: { type: 'boolean' },
    orphan: { type: 'boolean' },
    period: { type: 'string' },
    'display-name': { type: 'string' },
    metadata: { type: 'string', multiple: true },
    'no-default-policy': { type: 'boolean' },
    role: { type: 'string' },
    type: { type: 'string' },
    'entity-alias': { type: 'string' },
  });
  expectArgs(positionals, 0);
  const request: TokenCreateRequest = {};
  if (flags.id) request.id = flags.id;
  // `-policy=a,b` works as well as repeating the flag, as in Vault.
  const policies = (flags.policy ?? []).flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '');
  if (policies.length > 0) request.policies = policies;
  if (flags.metadata?.length) request.meta = keyValuePairs('metadata', flags.metadata);
  if (flags.ttl) request.ttl = flags.ttl;
  if (flags['explicit-max-ttl']) request.explicit_max_ttl = flags['explicit-max-ttl'];
  const numUses = intFlag('num-uses', flags['num-uses']);
  if (numUses) request.num_uses = numUses;
  if (flags.renewable !== undefined) request.renewable = flags.renewable;
  if (flags.period) request.period = flags.period;
  if (flags['display-name']) request.display_name = flags['display-name'];
  if (flags['no-default-policy']) request.no_default_policy = true;
  if (flags.type) request.type = flags.type;
  if (flags['entity-alias']) request.entity_alias = flags['entity-alias'];
  const client = await session.client();
  let secret: Secret | undefined;
  try {
    secret = await client.tokenCreate(request, { orphan: flags.orphan, role: flags.role, wrapTTL: session.wrapTTL });
  } catch (err) {
    return session.fail('creating token', err);
  }
  return secret ? session.printSecret(secret) : EXIT_OK;
}

async function tokenLookup(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, { accessor: { type: 'boolean' } });
  expectArgs(positionals, 0, 1);
  const subject = positionals[0];
  if (flags.accessor && !subject) throw new UsageError('Not enough arguments (expected 1, got 0)');
  const client = await session.client();
  let secret: Secret | undefined;
  try {
    if (flags.accessor) secret = await client.tokenLookupAccessor(subject as string);
    else if (subject) secret = await client.tokenLookup(subject);
    else secret = await client.tokenLookupSelf();
  } catch (err) {
    return session.fail('looking up token', err);
  }
  return secret ? session.printSecret(secret) : EXIT_OK;
}

async function tokenRenew(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, { increment: { type: 'string' }, i: { type: 'string' } });
  expectArgs(positionals, 0, 1);
  const client = await session.client();
  let secret: Secret | undefined;
  try {
    secret = await client.tokenRenew(positionals[0], flags.increment ?? flags.i);
  } catch (err) {
    return session.fail('renewing token', err);
  }
  return secret ? session.printSecret(secret) : EXIT_OK;
}

async function tokenRevoke(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    accessor: { type: 'boolean' },
    self: { type: 'boolean' },
    mode: { type: 'string' },
  });
  const mode = flags.mode ?? '';
  if (mode !== '' && mode !== 'orphan' && mode !== 'path') throw new UsageError(`Invalid -mode "${mode}": must be "orphan" or "path"`);
  if (flags.self) {
    expectArgs(positionals, 0);
    if (flags.accessor) throw new UsageError('Cannot use -self with -accessor');
    if (mode) throw new UsageError('Cannot use -self with -mode');
  } else {
    expectArgs(positionals, 1);
  }
  if (flags.accessor && mode === 'orphan') throw new UsageError('Cannot use -accessor with -mode=orphan');
  if (mode === 'path') throw new UsageError('-mode=path (revoke by prefix) is not supported');
  const subject = positionals[0] as string;
  const client = await session.client();
  try {
    if (flags.self) await client.tokenRevokeSelf();
    else if (flags.accessor) await client.tokenRevokeAccessor(subject);
    else if (mode === 'orphan') await client.tokenRevokeOrphan(subject);
    else await client.tokenRevoke(subject);
  } catch (err) {
    return session.fail('revoking token', err);
  }
  session.out('Success! Revoked token (if it existed)');
  return EXIT_OK;
}

async function tokenCapabilities(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 1, 2);
  const [token, path] = positionals.length === 2 ? [positionals[0], positionals[1] as string] : [undefined, positionals[0] as string];
  const client = await session.client();
  let capabilities: string[];
  try {
    capabilities = (await client.capabilities([path], token))[path] ?? [];
  } catch (err) {
    return session.fail('listing capabilities', err);
  }
  const sorted = [...capabilities].sort();
  session.out(session.format === 'table' ? sorted.join(', ') : structured(sorted, session.format));
  return EXIT_OK;
}
