import pino, { type DestinationStream, type Logger } from 'pino';
import type { LoggerLevels } from '../core/backends/sys/loggers.js';

/** Vault's levels, most detailed first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'standard';

/** A level as an operator writes it (any case; Vault's "warning" and "err" too), or undefined. */
export function parseLogLevel(value: string): LogLevel | undefined {
  const level = value.trim().toLowerCase();
  if (level === 'warning') return 'warn';
  if (level === 'err') return 'error';
  return (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : undefined;
}

/** "json" (default) or "standard", or undefined when it is neither. */
export function parseLogFormat(value: string): LogFormat | undefined {
  const format = value.trim().toLowerCase();
  return format === 'json' || format === 'standard' ? format : undefined;
}

/** The named loggers every server has: the core (and its audit broker), and the HTTP layer. */
const NAMES = ['core', 'http'] as const;

/**
 * The server's loggers: a root logger and named children (`@module` in each line, as Vault's
 * hclog names its sub-loggers). Each name's level can be changed at runtime (sys/loggers) and
 * reverted to the configured one.
 */
export class ServerLoggers implements LoggerLevels {
  readonly root: Logger;
  private readonly configured: LogLevel;
  private readonly named = new Map<string, Logger[]>();

  /** Around a root logger (its level at this point is the configured one, that DELETE reverts to). */
  constructor(root: Logger) {
    this.root = root;
    this.configured = (parseLogLevel(root.level) ?? 'info');
    for (const name of NAMES) this.named.set(name, [this.root.child({ '@module': name })]);
  }

  /** The named logger (core, http). */
  logger(name: (typeof NAMES)[number]): Logger {
    return this.named.get(name)![0]!;
  }

  /**
   * Puts another logger under a name, so level changes reach it too (Fastify logs through a child
   * it makes of the logger it is given, and pino children keep the level they were created with).
   */
  attach(name: (typeof NAMES)[number], logger: Logger): void {
    this.named.get(name)!.push(logger);
  }

  levels(): Record<string, string> {
    return Object.fromEntries([...this.named].map(([name, loggers]) => [name, loggers[0]!.level]));
  }

  has(name: string): boolean {
    return this.named.has(name);
  }

  setAll(level: LogLevel): void {
    this.root.level = level;
    for (const name of this.named.keys()) this.set(name, level);
  }

  set(name: string, level: LogLevel): void {
    for (const logger of this.named.get(name) ?? []) logger.level = level;
  }

  revertAll(): void {
    this.setAll(this.configured);
  }

  revert(name: string): void {
    this.set(name, this.configured);
  }
}

/** The server's loggers writing to stderr, as JSON lines or in the standard one-line format. */
export function createLoggers(level: LogLevel, format: LogFormat, output: DestinationStream = pino.destination(2)): ServerLoggers {
  const destination = format === 'standard' ? standardFormat(output) : output;
  return new ServerLoggers(pino({ level, serializers: { err: serializeError } }, destination));
}

/**
 * Errors in log lines keep only their type, code, message and stack. pino's default serializer
 * copies every enumerable property, and some errors carry request bytes: Node's HTTP parser
 * errors hold the raw packet (headers, X-Vault-Token included) in `rawPacket`.
 */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  return { type: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}), stack: err.stack };
}

const LEVEL_LABELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Keys a line carries that the standard format shows in its own place (or not at all). */
const PLACED = new Set(['time', 'level', 'msg', '@module', 'pid', 'hostname']);

/**
 * Vault's standard (hclog) line: `2024-01-02T03:04:05.678Z [INFO]  core: message: key=value ...`.
 * A stream in front of the real one that rewrites each JSON line pino writes; no transport, no
 * worker thread.
 */
export function standardFormat(output: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      output.write(formatStandard(line));
    },
  };
}

/** One JSON log line in the standard format (a line that is not JSON passes unchanged). */
export function formatStandard(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString() : new Date().toISOString();
  const level = `[${LEVEL_LABELS[record.level as number] ?? 'INFO'}]`.padEnd(7);
  const module = typeof record['@module'] === 'string' ? `${record['@module']}: ` : '';
  const pairs = Object.entries(record)
    .filter(([key]) => !PLACED.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const message = String(record.msg ?? '');
  return `${time} ${level} ${module}${message}${pairs.length > 0 ? `: ${pairs.join(' ')}` : ''}\n`;
}

function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}
