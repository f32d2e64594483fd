import { blockLine, entryLine, keyLine, type BlockStep } from '../config-lines.js';

/** A configuration problem, with the file and line when known. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The file being loaded: its name for messages, its text for finding lines. */
export interface ConfigSource {
  file: string;
  text: string;
}

/**
 * A block of the file, as the stanza parsers report a problem in it: `file:line: message`, the
 * line found by config-lines.ts (the parsers give values without positions).
 */
export interface BlockAt {
  /** Stops the load at `key`'s line inside this block; this block's own line when `key` is not written. */
  fail(key: string, message: string): never;
  /** Stops the load at the line of `entry` in the list `key` holds. */
  failEntry(key: string, entry: string, message: string): never;
  /** Stops the load at this block's own line (none for the top level). */
  failHere(message: string): never;
  /** The block `step` inside this one. */
  inner(step: BlockStep): BlockAt;
}

/** The block at `path` in `source`; `[]` is the top level. */
export function blockAt(source: ConfigSource, path: readonly BlockStep[] = []): BlockAt {
  const stop = (line: number | undefined, message: string): never => {
    throw new ConfigError(`${line === undefined ? source.file : `${source.file}:${line}`}: ${message}`);
  };
  return {
    fail: (key, message) => stop(keyLine(source.text, path, key), message),
    failEntry: (key, entry, message) => stop(entryLine(source.text, path, key, entry), message),
    failHere: (message) => stop(blockLine(source.text, path), message),
    inner: (step) => blockAt(source, [...path, step]),
  };
}

/** Stops the load with the first of `problems` (already `file:line: message`), if any. */
export function refuseFirst(problems: string[]): void {
  if (problems[0] !== undefined) throw new ConfigError(problems[0]);
}
