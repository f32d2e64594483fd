/**
 * Where one audit device's lines go (a file, a socket, syslog). Devices live in src/audit/; the
 * core only knows this interface. `write` resolves once every line is handed over (written to the
 * file descriptor, accepted by the socket) and rejects if any was not: audit is fail-closed.
 */
export interface AuditSink {
  write(lines: string[]): Promise<void>;
  /** The last line already recorded, so a restart continues the hash chain (files only). */
  lastLine?(): Promise<string | undefined>;
  /** Reopen the destination (SIGHUP after logrotate moved the file). */
  reopen?(): Promise<void>;
  close(): Promise<void>;
}

/** Opens a sink for a device type from its options; throws a 400 CofferError on bad options. */
export type AuditSinkFactory = (options: Record<string, string>) => Promise<AuditSink>;
