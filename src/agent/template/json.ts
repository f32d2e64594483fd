// Go's encoding/json Marshal, which consul-template's toJSON and toJSONPretty use: map keys
// sorted, <, > and & escaped unless asked not to, []byte as base64, NaN and functions refused.

import { formatGoTime } from './time-layout.js';
import { isPlainObject } from './values.js';

export interface JsonOptions {
  /** The indent per level (MarshalIndent's); none for compact output. */
  indent?: string;
  /** Escape <, > and & as \u003c, \u003e and \u0026, as json.Marshal does. */
  escapeHTML: boolean;
}

/** The value as Go's json.Marshal (or MarshalIndent) writes it. Throws Go's errors for what JSON cannot hold. */
export function marshalJSON(value: unknown, options: JsonOptions): string {
  return encode(value, options, 0, new Set());
}

function encode(value: unknown, options: JsonOptions, level: number, seen: Set<object>): string {
  switch (typeof value) {
    case 'undefined':
      return 'null';
    case 'boolean':
      return String(value);
    case 'bigint':
      return value.toString();
    case 'number':
      // Go writes floats in the shortest form, with an exponent below 1e-6 and from 1e21: as JavaScript does.
      if (!Number.isFinite(value)) throw new Error(`json: unsupported value: ${Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf'}`);
      return String(value);
    case 'string':
      return encodeString(value, options.escapeHTML);
    case 'function':
      return fail('json: unsupported type: func()');
    case 'symbol':
      return fail('json: unsupported type: symbol');
  }
  if (value === null || typeof value !== 'object') return 'null';
  if (value instanceof Uint8Array) return encodeString(Buffer.from(value).toString('base64'), false);
  if (value instanceof Date) return encodeString(formatGoTime(value, '2006-01-02T15:04:05.999999999Z07:00'), false);
  if (seen.has(value)) fail(`json: unsupported value: encountered a cycle via ${describeType(value)}`);
  seen.add(value);
  try {
    if (Array.isArray(value)) return wrap('[', ']', value.map((element) => encode(element, options, level + 1, seen)), options, level);
    let entries: [string, unknown][];
    if (value instanceof Map) {
      entries = [...value.entries()].map(([k, v]) => [String(k), v]);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    } else if (isPlainObject(value)) {
      entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    } else {
      // A struct: its own toJSON if it has one, else its fields in their order.
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return encode(toJSON.call(value), options, level, seen);
      entries = Object.entries(value);
    }
    const colon = options.indent === undefined ? ':' : ': ';
    const members = entries.map(([k, v]) => `${encodeString(k, options.escapeHTML)}${colon}${encode(v, options, level + 1, seen)}`);
    return wrap('{', '}', members, options, level);
  } finally {
    seen.delete(value);
  }
}

function fail(message: string): never {
  throw new Error(message);
}

function describeType(value: object): string {
  return Array.isArray(value) ? '[]interface {}' : 'map[string]interface {}';
}

function wrap(open: string, close: string, members: string[], options: JsonOptions, level: number): string {
  if (members.length === 0) return open + close;
  if (options.indent === undefined) return open + members.join(',') + close;
  const inner = options.indent.repeat(level + 1);
  return `${open}\n${members.map((m) => inner + m).join(',\n')}\n${options.indent.repeat(level)}${close}`;
}

const NAMED: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

function encodeString(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (const c of s) {
    const code = c.codePointAt(0) ?? 0;
    const named = NAMED[c];
    if (named) out += named;
    else if (code < 0x20 || (escapeHTML && (c === '<' || c === '>' || c === '&')) || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else if (code >= 0xd800 && code < 0xe000) {
      // A lone surrogate is not UTF-8; Go writes the replacement character.
      out += '\\ufffd';
    } else out += c;
  }
  return `${out}"`;
}
