import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import type { CofferClient } from '../client/index.js';
import type { FileSinkStanza } from './config.js';

/**
 * Writes `contents` to `path` so a reader sees the old file or the new one, never a part: a
 * temp file in the same directory with the final mode, then rename.
 */
export async function writeAtomically(path: string, contents: string, mode: number, createDirs = false): Promise<void> {
  if (createDirs) await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, contents, { mode, flag: 'wx' });
    // writeFile's mode is filtered by the umask: set it exactly.
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * A `sink "file"`: the token, or with `wrap_ttl` the JSON wrap_info of a single-use wrapping token
 * for it (sys/wrapping/wrap of {"token": ...}, as Vault Agent's sink-level wrapping writes).
 */
export async function writeSink(client: CofferClient, sink: FileSinkStanza, token: string): Promise<void> {
  if (!sink.wrapTtl) return writeAtomically(sink.path, token, sink.mode);
  const info = await client.wrapping.wrapData({ token }, sink.wrapTtl);
  return writeAtomically(sink.path, JSON.stringify(info), sink.mode);
}
