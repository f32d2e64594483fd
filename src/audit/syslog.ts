import { hostname } from 'node:os';
import type { AuditSink } from '../framework/audit-sink.js';
import { invalidRequest } from '../framework/errors.js';
import { parseHostPort, parseSocketType, parseWriteTimeout, StreamSink, udpSink } from './socket.js';

/** Syslog facility codes (RFC 5424 §6.2.1), by the names Vault accepts. */
const FACILITIES: Record<string, number> = {
  KERN: 0, USER: 1, MAIL: 2, DAEMON: 3, AUTH: 4, SYSLOG: 5, LPR: 6, NEWS: 7, UUCP: 8, CRON: 9, AUTHPRIV: 10, FTP: 11,
  LOCAL0: 16, LOCAL1: 17, LOCAL2: 18, LOCAL3: 19, LOCAL4: 20, LOCAL5: 21, LOCAL6: 22, LOCAL7: 23,
};

/** Vault writes audit entries at severity "informational". */
const SEVERITY_INFO = 6;

const DEFAULT_ADDRESS = '127.0.0.1:514';

/**
 * The `syslog` audit device: `facility` (default AUTH) and `tag` (default "vault", kept as Vault's
 * so existing syslog filters go on matching), each entry one RFC 5424 message at severity info.
 *
 * Vault writes to the local daemon over /dev/log, a unix *datagram* socket. Node cannot open unix
 * datagram sockets without a native addon, and none (unix-dgram or similar) is installed here, so
 * Coffer speaks to a syslog daemon over the network instead: `address` (default 127.0.0.1:514)
 * with `socket_type` udp (the default), tcp (RFC 6587 octet-counted frames), or unix with
 * `address` naming a unix *stream* socket (one message per line, as rsyslog/syslog-ng read them).
 * Over udp nothing tells whether the daemon received the message; over tcp and unix a write that
 * fails makes the device fail, as any device does.
 */
export async function openSyslogSink(options: Record<string, string>): Promise<AuditSink> {
  const unknown = Object.keys(options).filter((k) => !['facility', 'tag', 'address', 'socket_type', 'write_timeout'].includes(k));
  if (unknown.length > 0) throw invalidRequest(`unknown options for the syslog audit device: ${unknown.join(', ')}`);
  const facilityName = (options.facility || 'AUTH').toUpperCase();
  const facility = FACILITIES[facilityName];
  if (facility === undefined) throw invalidRequest(`invalid facility "${options.facility}": one of ${Object.keys(FACILITIES).join(', ')}`);
  const tag = options.tag || 'vault';
  if (!/^[\x21-\x7e]{1,48}$/.test(tag)) throw invalidRequest(`invalid tag "${tag}": 1 to 48 printable ASCII characters without spaces (RFC 5424 APP-NAME)`);
  const socketType = parseSocketType(options.socket_type || 'udp');
  const address = options.address || DEFAULT_ADDRESS;
  const timeoutMs = parseWriteTimeout(options.write_timeout);
  const message = (line: string) => syslogMessage(facility, tag, line);

  if (socketType === 'udp') return udpSink(parseHostPort(address), timeoutMs, message);
  const frame =
    socketType === 'tcp'
      ? (lines: string[]) => lines.map((line) => { const m = message(line); return `${Buffer.byteLength(m)} ${m}`; }).join('')
      : (lines: string[]) => lines.map((line) => `${message(line)}\n`).join('');
  const sink = new StreamSink(socketType === 'unix' ? { path: address } : parseHostPort(address), timeoutMs, frame);
  await sink.connected().catch((err: unknown) => {
    throw invalidRequest(`cannot connect to syslog at "${address}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  });
  return sink;
}

/** `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG` (RFC 5424 §6), no structured data. */
export function syslogMessage(facility: number, tag: string, text: string): string {
  const host = hostname().replace(/[^\x21-\x7e]/g, '').slice(0, 255) || '-';
  return `<${facility * 8 + SEVERITY_INFO}>1 ${new Date().toISOString()} ${host} ${tag} ${process.pid} - - ${text}`;
}
