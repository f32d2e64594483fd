import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

// Scans a server's SQLite files byte by byte for values that must never reach the disk in the
// clear (DESIGN.md §4.1): the value itself and the encodings a careless store might use for it.

/** The needle itself (UTF-8 when a string) and its hex, base64 and base64url encodings. */
export function encodings(value: Buffer | string): Buffer[] {
  const raw = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const needles = [raw, Buffer.from(raw.toString('hex')), Buffer.from(raw.toString('hex').toUpperCase()), Buffer.from(raw.toString('base64url'))];
  // Base64 inside a longer text depends on where the value starts modulo 3: keep the part of each
  // alignment's encoding that does not touch a neighbouring byte.
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), raw]).toString('base64');
    needles.push(Buffer.from(encoded.slice(shift === 0 ? 0 : 4, -4)));
  }
  return needles;
}

/** The raw bytes of coffer.db and its WAL and shared-memory files, by file name. */
export async function databaseFiles(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of await readdir(dir)) {
    if (/^coffer\.db(-wal|-shm)?$/.test(name)) files.set(name, await readFile(join(dir, name)));
  }
  return files;
}

/** Every "<label> in <file>" where some encoding of a needle occurs. */
export function occurrences(files: Map<string, Buffer>, needles: Map<string, Buffer | string>): string[] {
  const found: string[] = [];
  for (const [label, value] of needles) {
    for (const [name, bytes] of files) {
      if (encodings(value).some((needle) => bytes.includes(needle))) found.push(`${label} in ${name}`);
    }
  }
  return found;
}
