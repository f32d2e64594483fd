import { open, type FileHandle } from 'node:fs/promises';
import type { AuditSink } from '../framework/audit-sink.js';
import { CofferError, invalidRequest } from '../framework/errors.js';

/** The tail of the file is read back in windows of this many bytes when looking for the last line. */
const TAIL_WINDOW = 1 << 20;

const NEWLINE = 0x0a;

/**
 * The `file` audit device: JSON lines appended to `file_path` (created with `mode`, default 0600),
 * written to standard output with `file_path=stdout`, or thrown away with `file_path=discard`
 * (Vault's names). One batch is one write(2) of whole lines, so concurrent batches never
 * interleave. SIGHUP reopens the path (logrotate moved the file).
 */
export async function openFileSink(options: Record<string, string>): Promise<AuditSink> {
  const filePath = options.file_path ?? options.path ?? '';
  if (filePath === '') throw invalidRequest('file_path is required');
  const unknown = Object.keys(options).filter((k) => !['file_path', 'path', 'mode'].includes(k));
  if (unknown.length > 0) throw invalidRequest(`unknown options for the file audit device: ${unknown.join(', ')}`);
  const mode = parseMode(options.mode ?? '0600');
  if (filePath === 'stdout') return stdoutSink();
  if (filePath === 'discard') return discardSink();

  let handle = await openForAppend(filePath, mode);
  // Where the file ends after the last whole batch: batches are written one at a time per device.
  let end = (await handle.stat()).size;
  return {
    async write(lines) {
      const data = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
      let written = 0;
      try {
        // write(2) may take only part of the buffer (a filling disk); the rest follows or fails.
        while (written < data.length) written += (await handle.write(data, written, data.length - written)).bytesWritten;
      } catch (err) {
        // A batch that did not fit leaves no half line behind to corrupt the next one.
        if (written > 0) await handle.truncate(end).catch(() => {});
        throw err;
      }
      end += data.length;
    },
    async lastLine() {
      return lastLineOf(handle);
    },
    async reopen() {
      // If the path cannot be opened (its directory is gone), this throws and the broker stops
      // counting the device as recording: writing on into the moved or deleted file would be an
      // audit trail nobody can find.
      const next = await openForAppend(filePath, mode);
      const previous = handle;
      handle = next;
      end = (await next.stat()).size;
      await previous.close();
    },
    async close() {
      await handle.close();
    },
  };
}

async function openForAppend(filePath: string, mode: number): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    // 'a+': appends, and can read the tail back to continue the hash chain.
    handle = await open(filePath, 'a+', mode === 0 ? 0o600 : mode);
  } catch (err) {
    throw invalidRequest(`cannot open audit file "${filePath}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    // As Vault: an existing file is brought to `mode` too ("0000" leaves it alone). Only regular
    // files: a device such as /dev/null keeps its own permissions.
    const stat = await handle.stat();
    // "0000" keeps an existing file's mode: it must not be an executable one (see parseMode).
    if (mode === 0 && stat.isFile() && (stat.mode & 0o111) !== 0) {
      await handle.close();
      throw invalidRequest(`audit file "${filePath}" is executable: file audit devices cannot write to an executable file`);
    }
    if (mode !== 0 && stat.isFile()) await handle.chmod(mode);
  } catch (err) {
    if (err instanceof CofferError) throw err;
    await handle.close();
    throw invalidRequest(`cannot set the mode of audit file "${filePath}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return handle;
}

/**
 * The last non-empty line of the file, however long: windows are read back from the end until the
 * newline before that line (or the start of the file) is found.
 */
export async function lastLineOf(handle: FileHandle): Promise<string | undefined> {
  const { size } = await handle.stat();
  let end = size;
  // Trailing newlines end the last line; they are not part of it.
  while (end > 0) {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, end - 1);
    if (byte[0] !== NEWLINE) break;
    end -= 1;
  }
  if (end === 0) return undefined;
  const chunks: Buffer[] = [];
  let start = end;
  while (start > 0) {
    const length = Math.min(start, TAIL_WINDOW);
    const window = Buffer.alloc(length);
    await handle.read(window, 0, length, start - length);
    const newline = window.lastIndexOf(NEWLINE);
    if (newline >= 0) {
      chunks.unshift(window.subarray(newline + 1));
      break;
    }
    chunks.unshift(window);
    start -= length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function stdoutSink(): AuditSink {
  return {
    write: (lines) =>
      new Promise((resolve, reject) => process.stdout.write(`${lines.join('\n')}\n`, (err) => (err ? reject(err) : resolve()))),
    async close() {},
  };
}

/** Vault's `file_path=discard`: entries are formatted and chained, then dropped (benchmarks, tests). */
function discardSink(): AuditSink {
  return {
    async write() {},
    async close() {},
  };
}

function parseMode(written: string): number {
  if (!/^0?[0-7]{3}$/.test(written)) throw invalidRequest(`invalid mode "${written}": an octal file mode such as 0600`);
  const mode = parseInt(written, 8);
  // As Vault: an audit file is never executable. With `prefix` the operator chooses the first bytes
  // of every line, so an executable audit file would be a script of their making run by whoever runs it.
  if ((mode & 0o111) !== 0) throw invalidRequest(`invalid mode "${written}": file audit devices cannot use file modes with executable permissions`);
  return mode;
}
