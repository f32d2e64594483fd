import { auditLineHash } from '../wire/index.js';

/**
 * Checks the hash chain of a file audit device's log, one file or several rotated files given oldest
 * first. Every line a Coffer audit device writes is `<prefix>{...,"prev_hash":"<hex>"}` followed by a
 * newline, where prev_hash is the SHA-256 (hex) of the previous line exactly as written: prefix
 * included, newline excluded. The chain runs on across rotated files, so the first line of a newer
 * file links to the last line of the older one.
 *
 * Works on bytes, not decoded text, so the hash is taken over the line exactly as it sits on disk,
 * and takes its input in chunks so a large log never has to be held in memory at once. No I/O here:
 * the caller reads the files and feeds them in.
 *
 * What a chain cannot show: the first line checked is only an anchor (whatever it links to is not
 * given), and the newest line is linked to by nothing, so an edit of the very last line, or lines
 * cut off at a line boundary at the end, leave a sound chain behind.
 */

/** The first line checked: its prev_hash is reported, not checked. */
export interface ChainAnchor {
  file: string;
  line: number;
  /** "" when the line is the device's first entry ever; else the hash of a line not given here. */
  prevHash: string;
}

/** What is wrong, and where: the first problem found stops the check. */
export interface ChainProblem {
  file: string;
  line: number;
  kind: 'empty-line' | 'not-json' | 'no-prev-hash' | 'broken-link' | 'truncated' | 'no-newline';
  /** What is wrong and what it means, e.g. "prev_hash does not match line 6 (...)". */
  description: string;
  /** The same, led by the line number: "line 7: prev_hash does not match line 6 (...)". */
  message: string;
}

export interface ChainFileSummary {
  file: string;
  /** Lines checked in this file (up to and including a problem line). */
  lines: number;
}

export interface ChainReport {
  ok: boolean;
  /** Lines checked across all files; on a problem, up to and including the problem line. */
  lines: number;
  files: ChainFileSummary[];
  /** Absent when no line was read (every file empty). */
  anchor?: ChainAnchor;
  /** SHA-256 of the last sound line: what the device's next entry will carry as prev_hash. */
  lastHash?: string;
  problem?: ChainProblem;
}

const NEWLINE = 0x0a;
/** How many `{` a prefix may hold before the entry's own. */
const MAX_PREFIX_BRACES = 8;

interface LineRef {
  file: string;
  line: number;
  hash: string;
}

/** Incremental checker: beginFile, write chunks, endFile, for each file in order; then report(). */
export class AuditChainVerifier {
  private readonly files: ChainFileSummary[] = [];
  private current: ChainFileSummary | undefined;
  /** Bytes of the current file's line that has not seen its newline yet. */
  private partial: Buffer[] = [];
  private previous: LineRef | undefined;
  private anchor: ChainAnchor | undefined;
  private total = 0;
  private problem: ChainProblem | undefined;

  /** True once a problem was found; further input is ignored, so a caller may stop reading. */
  get broken(): boolean {
    return this.problem !== undefined;
  }

  beginFile(name: string): void {
    if (this.current) this.endFile();
    this.current = { file: name, lines: 0 };
    this.files.push(this.current);
    this.partial = [];
  }

  write(chunk: Uint8Array): void {
    const current = this.current;
    if (!current) throw new Error('AuditChainVerifier.write before beginFile');
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (!this.problem) {
      const at = data.indexOf(NEWLINE);
      if (at === -1) {
        if (data.length > 0) this.partial.push(Buffer.from(data));
        return;
      }
      const line = this.partial.length === 0 ? data.subarray(0, at) : Buffer.concat([...this.partial, data.subarray(0, at)]);
      this.partial = [];
      this.checkLine(current, line, true);
      data = data.subarray(at + 1);
    }
  }

  /** Ends the current file: bytes after its last newline are a line that was never finished. */
  endFile(): void {
    if (!this.current) return;
    const rest = Buffer.concat(this.partial);
    this.partial = [];
    if (rest.length > 0 && !this.problem) this.checkLine(this.current, rest, false);
    this.current = undefined;
  }

  report(): ChainReport {
    if (this.current) this.endFile();
    const report: ChainReport = { ok: this.problem === undefined, lines: this.total, files: this.files.map((f) => ({ ...f })) };
    if (this.anchor) report.anchor = { ...this.anchor };
    if (this.previous) report.lastHash = this.previous.hash;
    if (this.problem) report.problem = { ...this.problem };
    return report;
  }

  private checkLine(current: ChainFileSummary, bytes: Buffer, terminated: boolean): void {
    current.lines += 1;
    this.total += 1;
    const here = { file: current.file, line: current.lines };
    const fail = (kind: ChainProblem['kind'], what: string) => {
      this.problem = { file: here.file, line: here.line, kind, description: what, message: `line ${here.line}: ${what}` };
    };

    const entry = parseEntry(bytes);
    if (!terminated) {
      // A device writes whole lines, newline included, in one write: a missing newline means the
      // file was cut (or, on a live log, a write is still in progress).
      if (entry === undefined) {
        fail('truncated', 'truncated: the last line is incomplete JSON with no newline (the file was cut short)');
      } else {
        fail('no-newline', 'the last line has no newline at its end (the file was cut, or a write was in progress)');
      }
      return;
    }
    if (bytes.length === 0) return fail('empty-line', 'empty line (a device never writes one: the file was edited)');
    if (entry === undefined) return fail('not-json', 'not JSON (not an audit entry, or a damaged one)');
    if (typeof entry.prev_hash !== 'string') {
      return fail('no-prev-hash', 'no prev_hash (not an entry of a hash-chained Coffer audit device)');
    }

    const hash = auditLineHash(bytes);
    const previous = this.previous;
    if (!previous) {
      this.anchor = { file: here.file, line: here.line, prevHash: entry.prev_hash };
    } else if (entry.prev_hash !== previous.hash) {
      if (previous.file === here.file) {
        fail(
          'broken-link',
          `prev_hash does not match line ${previous.line} (a line was deleted, edited or reordered before line ${here.line})`,
        );
      } else {
        fail(
          'broken-link',
          `prev_hash does not match the last line of ${previous.file} (line ${previous.line}): lines are missing or edited ` +
            `between the files, or the files are not given oldest first`,
        );
      }
      return;
    }
    this.previous = { file: here.file, line: here.line, hash };
  }
}

/**
 * The JSON object of a line: text from the first `{` that starts a JSON object to the end (what
 * comes before is the device's prefix). Later `{` are tried too, so a prefix may itself hold braces.
 */
function parseEntry(bytes: Buffer): { prev_hash?: unknown } | undefined {
  const text = bytes.toString('utf8');
  // A bound on the tries keeps a damaged line full of braces from costing quadratic time.
  let tries = 0;
  for (let at = text.indexOf('{'); at !== -1 && tries < MAX_PREFIX_BRACES; at = text.indexOf('{', at + 1), tries++) {
    try {
      const value: unknown = JSON.parse(text.slice(at));
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as { prev_hash?: unknown };
    } catch {
      // Not here: the brace belongs to the prefix, or the line is not JSON at all.
    }
  }
  return undefined;
}

/** Checks whole files held in memory, oldest first. */
export function verifyAuditChain(files: readonly { name: string; content: Uint8Array | string }[]): ChainReport {
  const verifier = new AuditChainVerifier();
  for (const { name, content } of files) {
    verifier.beginFile(name);
    verifier.write(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    verifier.endFile();
  }
  return verifier.report();
}
