import { EXIT_API_ERROR, EXIT_OK } from '../exit-codes.js';
import { keyValuePairs } from '../flags.js';
import type { Secret } from '../../client/index.js';
import { expectArgs, isPlainNotFound, openSession, type Session } from '../session.js';
import { commandGroup, type Subcommands } from './subcommands.js';

const METADATA_FLAGS = {
  'custom-metadata': { type: 'string', multiple: true, description: 'A key=value pair of custom metadata; repeat for more.' },
} as const;
const PATCH_FLAGS = {
  ...METADATA_FLAGS,
  'remove-custom-metadata': { type: 'string', multiple: true, description: 'A custom metadata key to remove; repeat for more.' },
} as const;

// Every subcommand works relative to the namespace the session is in (-namespace, VAULT_NAMESPACE),
// as Vault's does: `coffer namespace create -namespace=team-a prod` makes team-a/prod/.
const namespaceSubcommands: Subcommands = {
  create: {
    usage: 'namespace create [-custom-metadata=K=V...] PATH',
    summary: 'Create a namespace (nested paths allowed)',
    examples: ['coffer namespace create team-a', 'coffer namespace create -namespace=team-a -custom-metadata=owner=alice prod'],
    run: async (io, args) => {
      const { session, flags, positionals } = openSession(io, args, METADATA_FLAGS);
      expectArgs(positionals, 1);
      const path = positionals[0] as string;
      const customMetadata = keyValuePairs('custom-metadata', flags['custom-metadata'] ?? []);
      const client = await session.client();
      return printAnswer(session, 'creating namespace', client.write(`sys/namespaces/${trim(path)}`, { custom_metadata: customMetadata }));
    },
  },
  list: {
    usage: 'namespace list',
    summary: 'List the child namespaces of the current one',
    examples: ['coffer namespace list', 'coffer namespace list -namespace=team-a'],
    run: async (io, args) => {
      const { session, positionals } = openSession(io, args, {});
      expectArgs(positionals, 0);
      const client = await session.client();
      let keys: string[] | undefined;
      try {
        keys = (await client.list('sys/namespaces'))?.data?.keys;
      } catch (err) {
        if (!isPlainNotFound(err)) return session.fail('listing namespaces', err);
      }
      if (keys && keys.length > 0) return session.printList(keys);
      // Vault's answer when there are none: a message (or, formatted, an empty object) and exit 2.
      if (session.format !== 'table') session.printData({});
      else session.err('No namespaces found');
      return EXIT_API_ERROR;
    },
  },
  lookup: {
    usage: 'namespace lookup PATH',
    summary: "Show a namespace's id, path and custom metadata",
    examples: ['coffer namespace lookup team-a'],
    run: async (io, args) => {
      const { session, positionals } = openSession(io, args, {});
      expectArgs(positionals, 1);
      const client = await session.client();
      return printAnswer(session, 'looking up namespace', client.read(`sys/namespaces/${trim(positionals[0] as string)}`));
    },
  },
  patch: {
    usage: 'namespace patch [-custom-metadata=K=V...] [-remove-custom-metadata=K...] PATH',
    summary: "Change a namespace's custom metadata",
    examples: ['coffer namespace patch -custom-metadata=cost=42 -remove-custom-metadata=owner team-a'],
    run: async (io, args) => {
      const { session, flags, positionals } = openSession(io, args, PATCH_FLAGS);
      expectArgs(positionals, 1);
      const change: Record<string, string | null> = keyValuePairs('custom-metadata', flags['custom-metadata'] ?? []);
      for (const key of flags['remove-custom-metadata'] ?? []) change[key] = null;
      const client = await session.client();
      return printAnswer(session, 'patching namespace', client.patch(`sys/namespaces/${trim(positionals[0] as string)}`, { custom_metadata: change }));
    },
  },
  delete: {
    usage: 'namespace delete PATH',
    summary: 'Delete a namespace and everything in it, in the background (it must have no child namespaces)',
    examples: ['coffer namespace delete team-a/prod'],
    run: async (io, args) => {
      const { session, positionals } = openSession(io, args, {});
      expectArgs(positionals, 1);
      const path = trim(positionals[0] as string);
      const client = await session.client();
      let answer: Secret | undefined;
      try {
        answer = await client.delete(`sys/namespaces/${path}`);
      } catch (err) {
        return session.fail('deleting namespace', err);
      }
      // As Vault's: an answer (the deletion's status, "in-progress") is shown; none means it is gone.
      if (answer) return session.printSecret(answer);
      session.out(`Success! Namespace deleted at: ${path}/`);
      return EXIT_OK;
    },
  },
};

/** Prints what a namespace call answered (Vault's key/value table), or its error. */
async function printAnswer(session: Session, doing: string, answer: Promise<Secret | undefined>): Promise<number> {
  try {
    const secret = await answer;
    return secret ? session.printSecret(secret) : EXIT_OK;
  } catch (err) {
    return session.fail(doing, err);
  }
}

function trim(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

export const namespaceCommand = commandGroup('namespace', 'Create, list, look up, patch and delete namespaces', namespaceSubcommands);
