import type { Secret, TokenCreateRequest } from '../../client/index.js';
import { EXIT_OK, UsageError } from '../exit-codes.js';
import { keyValuePairs } from '../flags.js';
import { structured } from '../output.js';
import { expectArgs, openSession, type CliIo } from '../session.js';
import { intFlag } from './kv.js';
import { commandGroup, type Subcommands } from './subcommands.js';

async function tokenCreate(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    id: { type: 'string', default: 'random', description: 'The token value to create (root only).' },
    policy: { type: 'string', multiple: true, default: "the caller's", description: 'A policy of the token; repeat or comma-separate for more.' },
    ttl: { type: 'string', description: 'Initial TTL ("1h"); the default is the mount\'s default lease TTL.' },
    'explicit-max-ttl': { type: 'string', description: 'A hard limit on the lifetime that renewals cannot pass.' },
    'num-uses': { type: 'string', default: '0 (unlimited)', description: 'Uses before the token is revoked.' },
    renewable: { type: 'boolean', default: 'true', description: 'Whether the token may be renewed.' },
    orphan: { type: 'boolean', default: 'false', description: 'Create a token with no parent (sudo), so revoking the caller keeps it.' },
    period: { type: 'string', description: 'Make a periodic token, renewable by this much forever.' },
    'display-name': { type: 'string', description: 'A name shown in lookups and audit entries.' },
    metadata: { type: 'string', multiple: true, description: 'A key=value pair of metadata; repeat for more.' },
    'no-default-policy': { type: 'boolean', default: 'false', description: 'Do not attach the "default" policy.' },
    role: { type: 'string', description: 'Create the token through this token role (auth/token/create/ROLE).' },
    type: { type: 'string', default: 'service', description: 'Token type; only "service" is supported.' },
    'entity-alias': { type: 'string', description: 'Tie the token to this entity alias (with -role).' },
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
    secret = await client.tokens.create(request, { orphan: flags.orphan, role: flags.role, wrapTTL: session.wrapTTL });
  } catch (err) {
    return session.fail('creating token', err);
  }
  return secret ? session.printSecret(secret) : EXIT_OK;
}

async function tokenLookup(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    accessor: { type: 'boolean', default: 'false', description: 'The argument is an accessor, not a token.' },
  });
  expectArgs(positionals, 0, 1);
  const subject = positionals[0];
  if (flags.accessor && !subject) throw new UsageError('Not enough arguments (expected 1, got 0)');
  const client = await session.client();
  let secret: Secret | undefined;
  try {
    if (flags.accessor) secret = await client.tokens.lookupAccessor(subject as string);
    else if (subject) secret = await client.tokens.lookup(subject);
    else secret = await client.tokens.lookupSelf();
  } catch (err) {
    return session.fail('looking up token', err);
  }
  return secret ? session.printSecret(secret) : EXIT_OK;
}

async function tokenRenew(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    increment: { type: 'string', description: 'The TTL asked for ("1h"); the default is the token\'s own.' },
    i: { type: 'string', description: 'Short for -increment.' },
  });
  expectArgs(positionals, 0, 1);
  const client = await session.client();
  let secret: Secret | undefined;
  try {
    secret = await client.tokens.renew(positionals[0], flags.increment ?? flags.i);
  } catch (err) {
    return session.fail('renewing token', err);
  }
  return secret ? session.printSecret(secret) : EXIT_OK;
}

async function tokenRevoke(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    accessor: { type: 'boolean', default: 'false', description: 'The argument is an accessor, not a token.' },
    self: { type: 'boolean', default: 'false', description: "Revoke the caller's own token." },
    mode: { type: 'string', description: '"orphan" keeps the children (they become orphans); "path" is not supported.' },
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
    if (flags.self) await client.tokens.revokeSelf();
    else if (flags.accessor) await client.tokens.revokeAccessor(subject);
    else if (mode === 'orphan') await client.tokens.revokeOrphan(subject);
    else await client.tokens.revoke(subject);
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
    capabilities = (await client.tokens.capabilities([path], token))[path] ?? [];
  } catch (err) {
    return session.fail('listing capabilities', err);
  }
  const sorted = [...capabilities].sort();
  session.out(session.format === 'table' ? sorted.join(', ') : structured(sorted, session.format));
  return EXIT_OK;
}

const tokenSubcommands: Subcommands = {
  create: {
    usage: 'token create [options]',
    summary: 'Create a token (a child of the caller, unless -orphan)',
    examples: ['coffer token create -policy=app-read -ttl=1h', 'coffer token create -wrap-ttl=5m -policy=app-read'],
    run: tokenCreate,
  },
  lookup: {
    usage: 'token lookup [options] [TOKEN | ACCESSOR]',
    summary: 'Show a token (the caller\'s own without an argument)',
    examples: ['coffer token lookup', 'coffer token lookup -accessor 8609694a-cdbc-db9b-d345-e782dbb562ed'],
    run: tokenLookup,
  },
  renew: {
    usage: 'token renew [options] [TOKEN]',
    summary: 'Renew a token (the caller\'s own without an argument)',
    examples: ['coffer token renew -increment=1h'],
    run: tokenRenew,
  },
  revoke: {
    usage: 'token revoke [options] [TOKEN | ACCESSOR]',
    summary: 'Revoke a token and, unless -mode=orphan, its children',
    examples: ['coffer token revoke -self', 'coffer token revoke -accessor 8609694a-cdbc-db9b-d345-e782dbb562ed'],
    run: tokenRevoke,
  },
  capabilities: {
    usage: 'token capabilities [TOKEN] PATH',
    summary: 'Print what a token (the caller\'s own without TOKEN) may do on a path',
    examples: ['coffer token capabilities secret/data/creds'],
    run: tokenCapabilities,
  },
};

/** `token <subcommand>`: create, look up, renew, revoke tokens and ask their capabilities. */
export const tokenCommand = commandGroup('token', 'Create, look up, renew and revoke tokens', tokenSubcommands);
