import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { EXIT_API_ERROR, EXIT_OK } from '../exit-codes.js';
import { expectArgs, openSession, type CliIo } from '../session.js';
import { commandGroup, type Subcommands } from './subcommands.js';


/**
 * Streams the snapshot into FILE.partial while hashing everything but its last 32 bytes (the
 * checksum), and renames it into place only when they match: a cut connection never leaves a
 * FILE that looks complete.
 */
async function snapshotSave(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 1);
  const file = positionals[0]!;
  const partial = `${file}.partial`;
  const client = await session.client();
  try {
    const body = await client.operator.snapshotSave();
    const out = createWriteStream(partial, { mode: 0o600 });
    const hash = createHash('sha256');
    let tail = Buffer.alloc(0);
    try {
      for await (const chunk of body) {
        const joined = Buffer.concat([tail, Buffer.from(chunk)]);
        const keep = Math.max(0, joined.length - 32);
        hash.update(joined.subarray(0, keep));
        tail = joined.subarray(keep);
        if (!out.write(chunk)) await once(out, 'drain');
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
    if (tail.length !== 32 || !hash.digest().equals(tail)) {
      await rm(partial, { force: true });
      session.err('Error saving snapshot: the download is incomplete or corrupt (checksum mismatch); nothing was written');
      return EXIT_API_ERROR;
    }
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    return session.fail('saving snapshot', err);
  }
  session.out(`Success! Snapshot saved to ${file}`);
  return EXIT_OK;
}

async function snapshotRestore(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    force: {
      type: 'boolean',
      default: 'false',
      description: "Restore even a snapshot sealed under other keys (sys/storage/snapshot-force); the server is then sealed until unsealed with that store's keys.",
    },
  });
  expectArgs(positionals, 1);
  const file = positionals[0]!;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return session.fail(`reading ${file}`, err);
  }
  const client = await session.client();
  let warnings: string[];
  try {
    warnings = await client.operator.snapshotRestore(bytes, { force: flags.force === true });
  } catch (err) {
    return session.fail('restoring snapshot', err);
  }
  for (const warning of warnings) session.err(`WARNING! ${warning}`);
  session.out('Success! Snapshot restored.');
  return EXIT_OK;
}

/** `operator snapshot save|restore` (also `operator raft snapshot ...`, as scripts for Vault's integrated storage call it). */
export function snapshotCommand(group: string): ReturnType<typeof commandGroup> {
  const subcommands: Subcommands = {
    save: {
      usage: `${group} save FILE`,
      summary: 'Save a snapshot of the whole store to FILE',
      description:
        'Saves a point-in-time snapshot of the whole store (sys/storage/snapshot, sudo) to FILE. The snapshot holds every\n' +
        'entry as stored, encrypted by the barrier, and ends with a SHA-256 checksum, which is checked before FILE is\n' +
        'written in place.',
      examples: [`coffer ${group} save backup.snap`],
      run: snapshotSave,
    },
    restore: {
      usage: `${group} restore [-force] FILE`,
      summary: 'Replace the whole store with a snapshot',
      description: 'Replaces the whole store with the snapshot in FILE (sys/storage/snapshot, sudo). A corrupt or truncated file is\nrefused and nothing changes.',
      examples: [`coffer ${group} restore backup.snap`],
      run: snapshotRestore,
    },
  };
  return commandGroup(group, 'Save or restore a snapshot of the store', subcommands);
}
