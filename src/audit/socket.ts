import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import type { AuditSink } from '../framework/audit-sink.js';
import { invalidRequest } from '../framework/errors.js';
import { requireDuration } from '../framework/duration.js';

/** Vault's default write_timeout for the socket device. */
const DEFAULT_WRITE_TIMEOUT_MS = 2_000;

export type SocketType = 'tcp' | 'udp' | 'unix';

/** A host:port (IPv6 in brackets) split for net/dgram. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * The `socket` audit device (Vault's): `address`, `socket_type` (tcp, the default; udp; unix) and
 * `write_timeout` (default 2s). TCP and unix keep one connection, opened on enable; after any
 * error it is dropped and the next batch connects again, so a receiver that comes back is used
 * again with no operator action. A batch is recorded only once the socket has taken every line
 * within the timeout: a refused or dead receiver fails the write (fail-closed when it is the only
 * device). UDP sends one datagram per line and cannot know whether anyone received it.
 */
export async function openSocketSink(options: Record<string, string>): Promise<AuditSink> {
  const unknown = Object.keys(options).filter((k) => !['address', 'socket_type', 'write_timeout'].includes(k));
  if (unknown.length > 0) throw invalidRequest(`unknown options for the socket audit device: ${unknown.join(', ')}`);
  const address = options.address ?? '';
  if (address === '') throw invalidRequest('address is required');
  const socketType = parseSocketType(options.socket_type ?? 'tcp');
  const timeoutMs = parseWriteTimeout(options.write_timeout);
  if (socketType === 'udp') return udpSink(parseHostPort(address), timeoutMs);
  const target = socketType === 'unix' ? { path: address } : parseHostPort(address);
  const sink = new StreamSink(target, timeoutMs);
  // As Vault: enabling a socket device connects, so an unreachable receiver is refused at enable.
  await sink.connected().catch((err: unknown) => {
    throw invalidRequest(`cannot connect to audit socket "${address}": ${describe(err)}`);
  });
  return sink;
}

/** A stream connection (TCP or unix) carrying newline-terminated lines; reconnects on demand. */
export class StreamSink implements AuditSink {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;

  constructor(
    private readonly target: HostPort | { path: string },
    private readonly timeoutMs: number,
    /** How a batch becomes bytes on the stream (the socket device: one line each, "\n"-terminated). */
    private readonly frame: (lines: string[]) => string = (lines) => `${lines.join('\n')}\n`,
  ) {}

  /** Resolves with an open connection, opening one when there is none. */
  connected(): Promise<Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const socket = 'path' in this.target ? connect({ path: this.target.path }) : connect({ host: this.target.host, port: this.target.port });
      const timer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        // Any later end, error or close means the receiver is gone: the next batch reconnects.
        const drop = () => {
          if (this.socket === socket) this.socket = undefined;
          socket.destroy();
        };
        socket.on('error', drop);
        socket.on('end', drop);
        socket.on('close', drop);
        // The receiver has nothing to say to us; reading keeps 'end' (its FIN) observable.
        socket.resume();
        this.socket = socket;
        resolve(socket);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    }).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  async write(lines: string[]): Promise<void> {
    const socket = await this.connected();
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`audit socket write timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
        const onClose = () => reject(new Error('audit socket closed before the write completed'));
        socket.once('close', onClose);
        socket.write(this.frame(lines), (err) => {
          clearTimeout(timer);
          socket.off('close', onClose);
          if (err) reject(err);
          else resolve();
        });
      });
    } catch (err) {
      // A half-written batch must not be followed by the next one on the same stream.
      if (this.socket === socket) this.socket = undefined;
      socket.destroy();
      throw err;
    }
  }

  /** SIGHUP: a fresh connection on the next batch. */
  async reopen(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    socket?.end();
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), this.timeoutMs).unref();
    });
  }
}

/** One datagram per line, to a fixed host and port. */
export function udpSink(target: HostPort, timeoutMs: number, frame: (line: string) => string = (line) => line): AuditSink {
  const socket: UdpSocket = createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
  // Send errors come back through each send's callback; this keeps a stray one from crashing the server.
  socket.on('error', () => {});
  const sendOne = (line: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`audit datagram send timed out after ${timeoutMs} ms`)), timeoutMs);
      socket.send(Buffer.from(frame(line), 'utf8'), target.port, target.host, (err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
    });
  return {
    async write(lines) {
      for (const line of lines) await sendOne(line);
    },
    async close() {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

export function parseSocketType(written: string): SocketType {
  if (written === 'tcp' || written === 'udp' || written === 'unix') return written;
  throw invalidRequest(`invalid socket_type "${written}": tcp, udp or unix`);
}

export function parseWriteTimeout(written: string | undefined): number {
  if (written === undefined || written === '') return DEFAULT_WRITE_TIMEOUT_MS;
  const seconds = requireDuration(written, 'write_timeout');
  if (seconds <= 0) throw invalidRequest(`invalid write_timeout "${written}": must be positive`);
  return seconds * 1000;
}

/** "host:port" or "[v6]:port". */
export function parseHostPort(address: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) throw invalidRequest(`invalid address "${address}": expected host:port`);
  return { host: match[1] ?? match[2]!, port };
}

function describe(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}
