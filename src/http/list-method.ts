import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { ListenerSettings } from './listener-settings.js';

/**
 * Vault's API has a LIST method (hvac and node-vault send it), but Node's HTTP parser refuses any
 * method it does not know, before our code sees the request. So every connection passes through
 * this stream, which rewrites a request line "LIST <target> HTTP/x" into the equivalent Vault also
 * accepts, "GET <target>?list=true HTTP/x", and passes every other byte through untouched.
 *
 * Rewriting only at request boundaries needs the request framing: after the head, a
 * Content-Length body or a chunked body is skipped without inspection. Anything this tracker
 * cannot follow switches it to pass-through, and Node's own parser stays the authority that
 * accepts or refuses the bytes.
 */
export class ListMethodStream extends Duplex {
  private state: 'line' | 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailers' | 'opaque' = 'line';
  private pending: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private head = '';
  /** Requests received on this connection whose response is not finished (kept by the listener). */
  inFlight = 0;
  /** The rules of the listener that accepted this connection (set by the listener). */
  settings: ListenerSettings = {};

  constructor(readonly socket: Socket) {
    super({ allowHalfOpen: true });
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(this.translate(chunk))) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
    socket.on('timeout', () => this.emit('timeout'));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, encoding, callback);
  }

  // The HTTP server writes head and body separately; one syscall for both, as on a plain socket.
  override _writev(chunks: { chunk: Buffer; encoding: BufferEncoding }[], callback: (error?: Error | null) => void): void {
    this.socket.cork();
    chunks.forEach(({ chunk, encoding }, i) => this.socket.write(chunk, encoding, i === chunks.length - 1 ? callback : undefined));
    this.socket.uncork();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy(err ?? undefined);
    callback(err);
  }

  // The HTTP server treats its connection like a net.Socket; these delegate to the real one.
  get remoteAddress() {
    return this.socket.remoteAddress;
  }
  get remotePort() {
    return this.socket.remotePort;
  }
  get remoteFamily() {
    return this.socket.remoteFamily;
  }
  get localAddress() {
    return this.socket.localAddress;
  }
  get localPort() {
    return this.socket.localPort;
  }
  get encrypted() {
    return (this.socket as Socket & { encrypted?: boolean }).encrypted;
  }
  setTimeout(ms: number, callback?: () => void): this {
    this.socket.setTimeout(ms);
    if (callback) this.once('timeout', callback);
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.socket.setKeepAlive(enable, delay);
    return this;
  }

  /** Returns the bytes to hand to the HTTP parser for this chunk. */
  private translate(chunk: Buffer): Buffer {
    if (this.state === 'opaque') return chunk;
    const input = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    const out: Buffer[] = [];
    let i = 0;
    while (i < input.length) {
      switch (this.state as Exclude<typeof this.state, 'opaque'>) {
        case 'line': {
          const end = input.indexOf('\r\n', i);
          if (end === -1) {
            if (input.length - i > MAX_LINE) return this.giveUp(out, input, i);
            this.pending = input.subarray(i);
            return Buffer.concat(out);
          }
          const line = input.toString('latin1', i, end);
          out.push(Buffer.from(rewriteRequestLine(line), 'latin1'), CRLF);
          // The line's own CRLF starts the head, so "line CRLF CRLF" (no headers) ends it.
          this.head = '\r\n';
          this.state = 'head';
          i = end + 2;
          break;
        }
        case 'head': {
          // The blank line ending the head may straddle chunks: search with the head's last bytes.
          const carry = this.head.slice(-3);
          const text = input.toString('latin1', i);
          const found = (carry + text).indexOf('\r\n\r\n');
          if (found === -1) {
            this.head += text;
            if (this.head.length > MAX_HEAD) return this.giveUp(out, input, i);
            out.push(input.subarray(i));
            return Buffer.concat(out);
          }
          const end = found + 4 - carry.length;
          this.head += text.slice(0, end);
          out.push(input.subarray(i, i + end));
          i += end;
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
            return Buffer.concat(out);
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
            return Buffer.concat(out);
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
    return out.length === 1 ? out[0]! : Buffer.concat(out);
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

  private giveUp(out: Buffer[], input: Buffer, from: number): Buffer {
    this.state = 'opaque';
    out.push(input.subarray(from));
    return Buffer.concat(out);
  }
}

const CRLF = Buffer.from('\r\n');
const MAX_LINE = 64 * 1024;
const MAX_HEAD = 256 * 1024;

/** "LIST /v1/secret/metadata/ HTTP/1.1" → "GET /v1/secret/metadata/?list=true HTTP/1.1"; others unchanged. */
export function rewriteRequestLine(line: string): string {
  const m = /^LIST (\S+) (HTTP\/\d\.\d)$/.exec(line);
  if (!m) return line;
  const [, target, version] = m as unknown as [string, string, string];
  return `GET ${target}${target.includes('?') ? '&' : '?'}list=true ${version}`;
}
