import type { Secret } from '../../client/index.js';
import { EXIT_OK, UsageError } from '../exit-codes.js';
import { expectArgs, openSession, type CliIo } from '../session.js';
import { commandGroup, type Subcommands } from './subcommands.js';

const leaseSubcommands: Subcommands = {
  lookup: { usage: 'lease lookup ID', summary: "Show a lease's issue and expiry times and TTL", examples: ['coffer lease lookup database/creds/readonly/2f6a614c'], run: leaseLookup },
  renew: {
    usage: 'lease renew [-increment=DURATION] ID',
    summary: 'Renew a lease, for its default TTL or the increment asked for',
    examples: ['coffer lease renew -increment=1h database/creds/readonly/2f6a614c'],
    run: leaseRenew,
  },
  revoke: {
    usage: 'lease revoke [-prefix] [-force] [-sync] ID',
    summary: 'Revoke a lease, or every lease under a prefix',
    examples: ['coffer lease revoke database/creds/readonly/2f6a614c', 'coffer lease revoke -prefix database/creds/', 'coffer lease revoke -force -prefix database/creds/'],
    run: leaseRevoke,
  },
};

async function leaseLookup(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 1);
  const client = await session.client();
  try {
    const info = await client.leases.lookup(positionals[0] as string);
    return info ? session.printData({ ...info }) : EXIT_OK;
  } catch (err) {
    return session.fail('looking up lease', err);
  }
}

async function leaseRenew(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    increment: { type: 'string', description: 'The TTL asked for from now ("1h"); the default is the secret\'s own.' },
  });
  expectArgs(positionals, 1);
  const client = await session.client();
  let secret: Secret | undefined;
  try {
    secret = await client.leases.renew(positionals[0] as string, flags.increment);
  } catch (err) {
    return session.fail('renewing lease', err);
  }
  return secret ? session.printSecret(secret) : EXIT_OK;
}

async function leaseRevoke(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    prefix: { type: 'boolean', default: 'false', description: 'Treat the argument as a prefix: revoke every lease under it.' },
    force: { type: 'boolean', default: 'false', description: 'With -prefix: remove the leases even when their backend cannot revoke them (sudo).' },
    sync: { type: 'boolean', default: 'false', description: 'Wait until the revocation is done instead of queuing it.' },
  });
  expectArgs(positionals, 1);
  if (flags.force && !flags.prefix) throw new UsageError('Specifying -force requires also specifying -prefix');
  if (flags.force && flags.sync) throw new UsageError('-sync cannot be used with -force');
  const id = positionals[0] as string;
  const client = await session.client();
  try {
    if (flags.force) {
      await client.leases.revokePrefix(id, { force: true });
      session.out(`Success! Force revoked any leases with prefix: ${id}`);
    } else if (flags.prefix) {
      await client.leases.revokePrefix(id, { sync: flags.sync });
      session.out(flags.sync ? `Success! Revoked any leases with prefix: ${id}` : 'All revocation operations queued successfully!');
    } else {
      await client.leases.revoke(id, { sync: flags.sync });
      session.out(flags.sync ? `Success! Revoked lease: ${id}` : 'All revocation operations queued successfully!');
    }
  } catch (err) {
    return session.fail('revoking lease', err);
  }
  return EXIT_OK;
}

export const leaseCommand = commandGroup('lease', 'Look up, renew and revoke leases', leaseSubcommands);
