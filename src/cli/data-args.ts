import { readFile } from 'node:fs/promises';
import { UsageError } from './exit-codes.js';

/** Reads stdin at most once: Vault allows `-` (or `k=-`) a single time per command. */
export interface StdinSource {
  readStdin(): Promise<string>;
}

/**
 * Builds a request body from `key=value` arguments, as Vault's kvbuilder does:
 * `k=v`, `k=@file` (file contents), `k=-` (all of stdin), `-` (a JSON object on stdin),
 * `@file.json` (a JSON object in a file). A key given twice becomes a list.
 */
export async function parseDataArgs(args: readonly string[], io: StdinSource): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  let stdinUsed = false;
  const stdin = async (): Promise<string> => {
    if (stdinUsed) throw new UsageError('stdin (-) may be used only once');
    stdinUsed = true;
    return io.readStdin();
  };
  const add = (key: string, value: unknown) => {
    if (!(key in result)) result[key] = value;
    else if (Array.isArray(result[key])) (result[key] as unknown[]).push(value);
    else result[key] = [result[key], value];
  };
  for (const arg of args) {
    if (arg === '-') {
      Object.assign(result, jsonObject(await stdin(), 'stdin'));
      continue;
    }
    if (arg.startsWith('@')) {
      Object.assign(result, jsonObject(await readDataFile(arg.slice(1)), arg.slice(1)));
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`Failed to parse K=V data: invalid key/value pair "${arg}": format must be key=value`);
    const key = arg.slice(0, eq);
    const raw = arg.slice(eq + 1);
    const value = raw === '-' ? await stdin() : raw.startsWith('@') ? await readDataFile(raw.slice(1)) : raw;
    add(key, value);
  }
  return result;
}

async function readDataFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`Failed to read ${path}: ${(err as Error).message}`);
  }
}

function jsonObject(text: string, source: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`Failed to parse JSON from ${source}: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`JSON from ${source} must be an object`);
  return parsed as Record<string, unknown>;
}
