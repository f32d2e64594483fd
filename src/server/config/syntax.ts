import { parse as parseHcl } from '@cdktf/hcl2json';
import { parseDocument } from 'yaml';
import { ConfigError } from './problem.js';

/** A block of the parsed configuration: its keys, values not yet checked. */
export type Json = Record<string, unknown>;

/** The configuration text as an object: JSON when the name ends in .json or the text starts with "{", else HCL. */
export async function parseSyntax(file: string, text: string): Promise<Json> {
  const isJson = file.endsWith('.json') || text.trimStart().startsWith('{');
  try {
    const raw: unknown = isJson ? JSON.parse(text) : await parseHcl(file, text);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('top level must be an object');
    return raw as Json;
  } catch (err) {
    const message = (err as Error).message.replace(/^parse config: \[(.*)\]$/s, '$1');
    if (isJson) throw new ConfigError(`${file}${jsonLine(text, message)}: invalid JSON: ${message}`);
    throw new ConfigError(message.startsWith(file) ? message : `${file}: ${message}`);
  }
}

/**
 * The line of a JSON syntax error. Node 20's JSON.parse names a position only for some errors, so
 * otherwise the (JSON-superset) YAML parser locates the first error.
 */
function jsonLine(text: string, message: string): string {
  const position = /position (\d+)/.exec(message)?.[1];
  if (position) return `:${text.slice(0, Number(position)).split('\n').length}`;
  const line = parseDocument(text).errors[0]?.linePos?.[0]?.line;
  return line ? `:${line}` : '';
}
