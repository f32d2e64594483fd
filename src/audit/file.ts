import { open, type FileHandle } from 'node:fs/promises';
import type { AuditSink } from '../core/audit/sink.js';
import { invalidRequest } from '../core/errors.js';

/** The last line is looked for in at most this many bytes from the end of the file. */
const TAIL_BYTES = 1 << 20;

/**
 * The `file` audit device: JSON lines appended to `file_path` (created with `mode`, default 0600),
 * or written to standard output with `file_path=stdout`. One batch is one write(2) of whole lines,
 * so concurrent batches never interleave. SIGHUP reopens the path (logrotate moved the file).
 */
export async function openFileSink(options: Record<string, string>): Promise<AuditSink> {
  const filePath = options.file_path ?? options.path ?? '';
  if (filePath === '') throw invalidRequest('file_path is required');
  if (filePath === 'stdout') return stdoutSink();
  const mode = parseMode(options.mode ?? '0600');
  const unknown = Object.keys(options).filter((k) => !['file_path', 'path', 'mode'].includes(k));
  if (unknown.length > 0) throw invalidRequest(`unknown options for the file audit device: ${unknown.join(', ')}`);

  let handle = await openForAppend(filePath, mode);
  return {
    async write(lines) {
      await handle.write(`${lines.join('\n')}\n`);
    },
    async lastLine() {
      return lastLineOf(handle);
    },
    async reopen() {
      const next = await openForAppend(filePath, mode);
      const previous = handle;
      handle = next;
      await previous.close();
    },
    async close() {
      await handle.close();
    },
  };
}

async function openForAppend(filePath: string, mode: number): Promise<FileHandle> {
  try {
    // 'a+': appends, and can read the tail back to continue the hash chain.
    return await open(filePath, 'a+', mode);
  } catch (err) {
    throw invalidRequest(`cannot open audit file "${filePath}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function lastLineOf(handle: FileHandle): Promise<string | undefined> {
  const { size } = await handle.stat();
  if (size === 0) return undefined;
  const length = Math.min(size, TAIL_BYTES);
  const buffer = Buffer.alloc(length);
  await handle.read(buffer, 0, length, size - length);
  const lines = buffer.toString('utf8').split('\n').filter((line) => line !== '');
  return lines.at(-1);
}

function stdoutSink(): AuditSink {
  return {
    write: (lines) =>
      new Promise((resolve, reject) => process.stdout.write(`${lines.join('\n')}\n`, (err) => (err ? reject(err) : resolve()))),
    async close() {},
  };
}

function parseMode(written: string): number {
  if (!/^0?[0-7]{3}$/.test(written)) throw invalidRequest(`invalid mode "${written}": an octal file mode such as 0600`);
  return parseInt(written, 8);
}
