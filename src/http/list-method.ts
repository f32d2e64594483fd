import { Readable } from 'node:stream';
import type { Socket } from 'node:net';

/**
 * Vault's API has a LIST method (hvac and node-vault send it), but Node's HTTP parser refuses any
 * method it does not know, before our code sees the request. So the bytes every connection
 * receives are rewritten on their way to the parser: a request line "LIST <target> HTTP/x" becomes
 * the equivalent Vault also accepts, "GET <target>?list=true HTTP/x"; every other byte passes
 * through untouched.
 *
 * Rewriting only at request boundaries needs the request framing: after the head, a
 * Content-Length body or a chunked body is skipped without inspection. Anything this tracker
 * cannot follow switches it to pass-through, and Node's own parser stays the authority that
 * accepts or refuses the bytes.
 */
export function rewriteListRequests(socket: Socket): void {
  // Node's HTTP server feeds a fresh socket's bytes to its parser natively, unseen by JavaScript,
  // unless the socket's handle is marked consumed already; then it reads them from 'data' events,
  // which carry what push() was given. Only the read side is hooked: the server writes to the
  // socket itself, with no stream in between.
  const handle = (socket as Socket & { _handle?: { _consumed?: boolean } | null })._handle;
  if (handle) handle._consumed = true;
  const rewriter = new RequestLineRewriter();
  socket.push = (chunk: unknown, encoding?: BufferEncoding) => Readable.prototype.push.call(socket, Buffer.isBuffer(chunk) ? rewriter.translate(chunk) : chunk, encoding);
}

/** The LIST rewriting of one connection's bytes (see rewriteListRequests). */
export class RequestLineRewriter {
  private state: 'line' | 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailers' | 'opaque' = 'line';
  private pending: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private head = '';
  /** Whether the chunk being translated had a request line rewritten. */
  private rewrote = false;

  /**
   * Returns the bytes to hand to the HTTP parser for this chunk: the chunk itself unless a request
   * line in it was rewritten or a partial request line is held back for the next one.
   */
  translate(chunk: Buffer): Buffer {
    if (this.state === 'opaque') return chunk;
    const carried = this.pending.length > 0;
    const input = carried ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = EMPTY;
    this.rewrote = false;
    const out = this.pieces(input);
    if (!carried && !this.rewrote && this.pending.length === 0) return chunk;
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  private pieces(input: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let i = 0;
    while (i < input.length) {
      switch (this.state as Exclude<typeof this.state, 'opaque'>) {
        case 'line': {
          const end = input.indexOf('\r\n', i);
          if (end === -1) {
            if (input.length - i > MAX_LINE) return this.giveUp(out, input, i);
            this.pending = input.subarray(i);
            return out;
          }
          if (isListLine(input, i)) {
            out.push(Buffer.from(rewriteRequestLine(input.toString('latin1', i, end)), 'latin1'), CRLF);
            this.rewrote = true;
          } else out.push(input.subarray(i, end + 2));
          // The line's own CRLF starts the head, so "line CRLF CRLF" (no headers) ends it.
          this.head = '\r\n';
          this.state = 'head';
          i = end + 2;
          break;
        }
        case 'head': {
          // The blank line ending the head may straddle chunks: look across with the head's last bytes.
          const carry = this.head.slice(-3);
          const straddle = (carry + input.toString('latin1', i, Math.min(i + 3, input.length))).indexOf('\r\n\r\n');
          const blank = straddle === -1 ? input.indexOf('\r\n\r\n', i) : -1;
          const end = straddle !== -1 ? i + straddle + 4 - carry.length : blank === -1 ? -1 : blank + 4;
          if (end === -1) {
            this.head += input.toString('latin1', i);
            if (this.head.length > MAX_HEAD) return this.giveUp(out, input, i);
            out.push(input.subarray(i));
            return out;
          }
          this.head += input.toString('latin1', i, end);
          out.push(input.subarray(i, end));
          i = end;
          this.afterHead();
          break;
        }
        case 'body': {
          const take = Math.min(this.remaining, input.length - i);
          out.push(input.subarray(i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'line';
          break;
        }
        case 'chunk-size': {
          const end = input.indexOf('\r\n', i);
          if (end === -1) {
            if (input.length - i > MAX_LINE) return this.giveUp(out, input, i);
            this.pending = input.subarray(i);
            return out;
          }
          const size = Number.parseInt(input.toString('latin1', i, end).split(';')[0]!.trim(), 16);
          out.push(input.subarray(i, end + 2));
          i = end + 2;
          if (!Number.isSafeInteger(size) || size < 0) return this.giveUp(out, input, i);
          if (size === 0) {
            this.head = '\r\n';
            this.state = 'trailers';
          } else {
            this.remaining = size + 2; // data and its CRLF
            this.state = 'chunk-data';
          }
          break;
        }
        case 'chunk-data': {
          const take = Math.min(this.remaining, input.length - i);
          out.push(input.subarray(i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'chunk-size';
          break;
        }
        case 'trailers': {
          // Trailers end with an empty line; with none, the CRLF right after "0\r\n" ends the body.
          const end = input.indexOf('\r\n', i);
          if (end === -1) {
            this.pending = input.subarray(i);
            return out;
          }
          out.push(input.subarray(i, end + 2));
          const empty = end === i;
          i = end + 2;
          if (empty) this.state = 'line';
          break;
        }
      }
    }
    if (i < input.length) out.push(input.subarray(i));
    return out;
  }

  private afterHead(): void {
    const chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(this.head);
    const length = /\r\ncontent-length:\s*(\d+)\s*\r\n/i.exec(this.head)?.[1];
    if (chunked) this.state = 'chunk-size';
    else if (length && Number(length) > 0) {
      this.remaining = Number(length);
      this.state = 'body';
    } else this.state = 'line';
    this.head = '';
  }

  private giveUp(out: Buffer[], input: Buffer, from: number): Buffer[] {
    this.state = 'opaque';
    out.push(input.subarray(from));
    return out;
  }
}

const CRLF = Buffer.from('\r\n');
const EMPTY = Buffer.alloc(0);
const LIST = Buffer.from('LIST ', 'latin1');

/** Whether the request line at `at` starts with "LIST " (checked on bytes: most lines are not converted to text). */
function isListLine(input: Buffer, at: number): boolean {
  return input.length - at >= LIST.length && input.compare(LIST, 0, LIST.length, at, at + LIST.length) === 0;
}
const MAX_LINE = 64 * 1024;
const MAX_HEAD = 256 * 1024;

/** "LIST /v1/secret/metadata/ HTTP/1.1" → "GET /v1/secret/metadata/?list=true HTTP/1.1"; others unchanged. */
export function rewriteRequestLine(line: string): string {
  const m = /^LIST (\S+) (HTTP\/\d\.\d)$/.exec(line);
  if (!m) return line;
  const [, target, version] = m as unknown as [string, string, string];
  return `GET ${target}${target.includes('?') ? '&' : '?'}list=true ${version}`;
}
