// consul-template's pure functions (template/funcs.go), the ones Vault Agent templates use with
// secrets. Their arguments come in consul-template's order, which puts the value being worked on
// last so it can be piped: `{{ .list | join "," }}`, `{{ 5 | subtract 1 }}` (4).

import { createHash } from 'node:crypto';
import YAML from 'yaml';
import { ArgumentError } from './errors.js';
import { formatValue, goQuote } from './format.js';
import { marshalJSON } from './json.js';
import { compileGoRegexp, regexpMatches, regexpReplaceAll } from './regexp.js';
import type { TemplateFunctions } from './template.js';
import { formatGoTime, RFC3339 } from './time-layout.js';
import { goTypeName, kindOf } from './values.js';

export interface StandardFunctionsOptions {
  /** What `env` reads. The engine never reads process.env itself; pass it here to expose it. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The clock `timestamp` reads. Defaults to the current time. */
  now?: () => Date;
}

type Fn = (...args: unknown[]) => unknown;

function arity(name: string, args: readonly unknown[], min: number, max = min): void {
  if (args.length >= min && args.length <= max) return;
  const want = max === Infinity ? `at least ${min}` : min === max ? String(min) : `${min} or ${max}`;
  throw new ArgumentError(`wrong number of args for ${name}: want ${want} got ${args.length}`);
}

function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) throw new ArgumentError('invalid value; expected string');
  throw new ArgumentError(`wrong type for value; expected string; got ${goTypeName(value)}`);
}

/** A function of string arguments only, as most of consul-template's are. */
function strings(name: string, count: number, fn: (...args: string[]) => unknown): Fn {
  return (...args) => {
    arity(name, args, count);
    return fn(...args.map(str));
  };
}

function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  throw new ArgumentError(`wrong type for value; expected []string; got ${goTypeName(value)}`);
}

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_BASE64 = /^(?:[A-Za-z0-9\-_]{4})*(?:[A-Za-z0-9\-_]{2}==|[A-Za-z0-9\-_]{3}=)?$/;

// Go's StdEncoding and URLEncoding want padding and refuse stray characters; Node's decoder forgives both.
function base64Decode(name: string, s: string, url: boolean): string {
  const clean = s.replace(/[\r\n]/g, '');
  if (!(url ? URL_BASE64 : STD_BASE64).test(clean)) {
    // Go names the first byte it could not use: a stray character, else the unfinished last group.
    const stray = url ? /[^A-Za-z0-9\-_=]/ : /[^A-Za-z0-9+/=]/;
    const at = clean.search(stray);
    throw new Error(`${name}: illegal base64 data at input byte ${at >= 0 ? at : clean.length - (clean.length % 4 || 4)}`);
  }
  return Buffer.from(clean, url ? 'base64url' : 'base64').toString('utf8');
}

// Go's strconv messages, as consul-template wraps them: parseInt: strconv.ParseInt: parsing "x": invalid syntax.
function syntaxError(fn: string, goFn: string, s: string, why = 'invalid syntax'): Error {
  return new Error(`${fn}: strconv.${goFn}: parsing ${goQuote(s)}: ${why}`);
}

function parseInteger(name: string, goFn: string, s: string, unsigned: boolean): number {
  if (s === '') return 0;
  if (!(unsigned ? /^\+?[0-9]+$/ : /^[+-]?[0-9]+$/).test(s)) throw syntaxError(name, goFn, s);
  const value = BigInt(s);
  const fits = unsigned ? value <= 2n ** 64n - 1n : value >= -(2n ** 63n) && value < 2n ** 63n;
  if (!fits) throw syntaxError(name, goFn, s, 'value out of range');
  return Number(value);
}

function parseFloatGo(s: string): number {
  if (s === '') return 0;
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?$/.test(s)) throw syntaxError('parseFloat', 'ParseFloat', s);
  return Number(s.replaceAll('_', ''));
}

const BOOLS: Readonly<Record<string, boolean>> = { '1': true, t: true, T: true, TRUE: true, true: true, True: true, '0': false, f: false, F: false, FALSE: false, false: false, False: false };

// consul-template's `in`: a slice holding an equal int, float or string, or a string holding a substring.
function contains(l: unknown, v: unknown): boolean {
  if (Array.isArray(l)) {
    return l.some((item) => {
      const ki = kindOf(item);
      const kv = kindOf(v);
      if ((ki === 'int' || ki === 'float') && (kv === 'int' || kv === 'float')) return Number(item) === Number(v);
      return ki === 'string' && kv === 'string' && item === v;
    });
  }
  return typeof l === 'string' && typeof v === 'string' && l.includes(v);
}

function containsSome(name: string, retTrue: boolean, invert: boolean): Fn {
  return (...args) => {
    arity(name, args, 2);
    const [values, l] = args;
    for (const v of list(values)) if (contains(l, v) !== invert) return !retTrue;
    return retTrue;
  };
}

type Numeric = { kind: 'int'; value: bigint } | { kind: 'float'; value: number };

function numeric(name: string, value: unknown): Numeric {
  const kind = kindOf(value);
  if (kind === 'int') return { kind, value: BigInt(value as number | bigint) };
  if (kind === 'float') return { kind, value: value as number };
  const shown = typeof value === 'string' ? goQuote(value) : formatValue(value);
  throw new Error(`${name}: unknown type for ${shown} (${goTypeName(value)})`);
}

const toNumber = (n: bigint): number | bigint => (n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n);

/** consul-template's arithmetic: `add b a` is a + b, so `{{ .x | add 1 }}` adds one. Ints stay ints. */
function arithmetic(name: string, ints: (a: bigint, b: bigint) => bigint, floats: ((a: number, b: number) => number) | undefined): Fn {
  return (...args) => {
    arity(name, args, 2);
    const b = numeric(name, args[0]);
    const a = numeric(name, args[1]);
    if (a.kind === 'int' && b.kind === 'int') return toNumber(ints(a.value, b.value));
    if (!floats) throw new Error(`${name}: unknown type for ${formatValue(a.kind === 'float' ? a.value : b.value)} (float64)`);
    return floats(Number(a.value), Number(b.value));
  };
}

function intDivision(op: (a: bigint, b: bigint) => bigint): (a: bigint, b: bigint) => bigint {
  return (a, b) => {
    if (b === 0n) throw new Error('runtime error: integer divide by zero');
    return op(a, b);
  };
}

function compare(name: string, pickFirst: (a: number, b: number) => boolean): Fn {
  return (...args) => {
    arity(name, args, 2);
    const b = numeric(name, args[0]);
    const a = numeric(name, args[1]);
    const pick = pickFirst(Number(a.value), Number(b.value)) ? a : b;
    return pick.kind === 'int' ? toNumber(pick.value) : pick.value;
  };
}

// golang.org/x/text/cases Title with NoLower: the first letter of each word upper-cased, the rest kept.
function toTitle(s: string): string {
  let out = '';
  let inWord = false;
  const chars = [...s];
  chars.forEach((c, i) => {
    if (/[\p{L}\p{N}\p{M}_]/u.test(c)) {
      out += !inWord && /\p{L}/u.test(c) ? c.toUpperCase() : c;
      inWord = true;
    } else {
      // An apostrophe between letters (don't) stays inside the word.
      inWord = inWord && (c === "'" || c === '\u2019') && /\p{L}/u.test(chars[i + 1] ?? '');
      out += c;
    }
  });
  return out;
}

// Go's strings.Trim: strip from both ends every character found in the cutset.
function trimCutset(s: string, cutset: string): string {
  const cut = new Set(cutset);
  const chars = [...s];
  let start = 0;
  let end = chars.length;
  while (start < end && cut.has(chars[start] as string)) start++;
  while (end > start && cut.has(chars[end - 1] as string)) end--;
  return chars.slice(start, end).join('');
}

function split(sep: string, s: string): string[] {
  const trimmed = s.trim();
  if (trimmed === '') return [];
  return sep === '' ? [...trimmed] : trimmed.split(sep);
}

function loop(...args: unknown[]): number[] {
  if (args.length < 1 || args.length > 2) throw new Error(`loop: wrong number of arguments, expected 1 or 2, but got ${args.length}`);
  const toInt = (value: unknown): number => {
    if (kindOf(value) === 'int') return Number(value);
    if (typeof value === 'string') return parseInteger('parseInt', 'ParseInt', value, false);
    throw new Error(`loop: bad argument type: ${goTypeName(value)}`);
  };
  const [start, stop] = args.length === 1 ? [0, toInt(args[0])] : [toInt(args[0]), toInt(args[1])];
  const out: number[] = [];
  for (let i = start; i < stop; i++) out.push(i);
  return out;
}

function indent(spaces: unknown, s: unknown): string {
  if (kindOf(spaces) !== 'int') throw new ArgumentError(`wrong type for value; expected int; got ${goTypeName(spaces)}`);
  const n = Number(spaces);
  if (n < 0) throw new Error('indent value must be a positive integer');
  const prefix = ' '.repeat(n);
  return str(s).replace(/^(?=[^\n])/gm, prefix);
}

/**
 * The pure functions of consul-template that Vault Agent templates use. The caller adds the
 * ones that reach a server (secret, secrets, pkiCert) next to them.
 */
export function standardFunctions(options: StandardFunctionsOptions = {}): TemplateFunctions {
  const env = options.env ?? {};
  const now = options.now ?? (() => new Date());
  const lookupEnv = (key: string): string | undefined => (Object.hasOwn(env, key) ? env[key] : undefined);

  const functions: Record<string, Fn> = {
    base64Decode: strings('base64Decode', 1, (s) => base64Decode('base64Decode', s, false)),
    base64Encode: strings('base64Encode', 1, (s) => Buffer.from(s, 'utf8').toString('base64')),
    base64URLDecode: strings('base64URLDecode', 1, (s) => base64Decode('base64URLDecode', s, true)),
    base64URLEncode: strings('base64URLEncode', 1, (s) => Buffer.from(s, 'utf8').toString('base64').replaceAll('+', '-').replaceAll('/', '_')),
    contains: (...args) => (arity('contains', args, 2), contains(args[1], args[0])),
    containsAll: containsSome('containsAll', true, true),
    containsAny: containsSome('containsAny', false, false),
    containsNone: containsSome('containsNone', true, false),
    containsNotAll: containsSome('containsNotAll', false, true),
    env: strings('env', 1, (key) => lookupEnv(key) ?? ''),
    envOrDefault: strings('envOrDefault', 2, (key, fallback) => lookupEnv(key) ?? fallback),
    mustEnv: strings('mustEnv', 1, (key) => {
      const value = lookupEnv(key);
      if (!value) throw new Error(`required environment variable ${key} is empty`);
      return value;
    }),
    in: (...args) => (arity('in', args, 2), contains(args[0], args[1])),
    indent: (...args) => (arity('indent', args, 2), indent(args[0], args[1])),
    join: (...args) => {
      arity('join', args, 2);
      return list(args[1])
        .map((item) => (typeof item === 'string' ? item : formatValue(item)))
        .join(str(args[0]));
    },
    loop,
    md5sum: strings('md5sum', 1, (s) => createHash('md5').update(s, 'utf8').digest('hex')),
    parseBool: strings('parseBool', 1, (s) => {
      if (s === '') return false;
      const value = BOOLS[s];
      if (value === undefined) throw syntaxError('parseBool', 'ParseBool', s);
      return value;
    }),
    parseFloat: strings('parseFloat', 1, parseFloatGo),
    parseInt: strings('parseInt', 1, (s) => parseInteger('parseInt', 'ParseInt', s, false)),
    parseJSON: strings('parseJSON', 1, (s) => (s === '' ? {} : (JSON.parse(s) as unknown))),
    parseUint: strings('parseUint', 1, (s) => parseInteger('parseUint', 'ParseUint', s, true)),
    parseYAML: strings('parseYAML', 1, (s) => (s === '' ? {} : (YAML.parse(s) as unknown))),
    regexMatch: strings('regexMatch', 2, (re, s) => regexpMatches(compileGoRegexp(re), s)),
    regexReplaceAll: strings('regexReplaceAll', 3, (re, replacement, s) => regexpReplaceAll(compileGoRegexp(re), s, replacement)),
    // An empty `from` matches before each character and at the end, as in Go.
    replaceAll: strings('replaceAll', 3, (from, to, s) => (from === '' ? to + [...s].map((c) => c + to).join('') : s.split(from).join(to))),
    sha256Hex: strings('sha256Hex', 1, (s) => createHash('sha256').update(s, 'utf8').digest('hex')),
    split: strings('split', 2, split),
    splitToMap: strings('splitToMap', 3, (sep1, sep2, s) => {
      const map: Record<string, string> = {};
      if (s.trim() === '') return map;
      for (const part of s.trim().split(sep1)) {
        const at = part.indexOf(sep2);
        if (at >= 0) map[part.slice(0, at)] = part.slice(at + sep2.length);
      }
      return map;
    }),
    timestamp: (...args) => {
      if (args.length > 1) throw new Error(`timestamp: wrong number of arguments, expected 0 or 1, but got ${args.length}`);
      const date = now();
      if (args.length === 0) return formatGoTime(date, RFC3339);
      const layout = str(args[0]);
      return layout === 'unix' ? String(Math.floor(date.getTime() / 1000)) : formatGoTime(date, layout);
    },
    toJSON: (...args) => (arity('toJSON', args, 1), jsonOrFail('toJSON', args[0], { escapeHTML: true })),
    toJSONPretty: (...args) => (arity('toJSONPretty', args, 1), jsonOrFail('toJSONPretty', args[0], { escapeHTML: true, indent: '  ' })),
    toUnescapedJSON: (...args) => (arity('toUnescapedJSON', args, 1), jsonOrFail('toUnescapedJSON', args[0], { escapeHTML: false })),
    toUnescapedJSONPretty: (...args) => (arity('toUnescapedJSONPretty', args, 1), jsonOrFail('toUnescapedJSONPretty', args[0], { escapeHTML: false, indent: '  ' })),
    toLower: strings('toLower', 1, (s) => s.toLowerCase()),
    toUpper: strings('toUpper', 1, (s) => s.toUpperCase()),
    toTitle: strings('toTitle', 1, toTitle),
    toYAML: (...args) => {
      arity('toYAML', args, 1);
      // Sorted keys and unindented sequences, as gopkg.in/yaml.v2 writes them.
      return YAML.stringify(args[0] ?? null, { sortMapEntries: true, indentSeq: false, lineWidth: 0 }).trim();
    },
    trim: strings('trim', 2, (cutset, s) => trimCutset(s, cutset)),
    trimPrefix: strings('trimPrefix', 2, (prefix, s) => (prefix && s.startsWith(prefix) ? s.slice(prefix.length) : s)),
    trimSuffix: strings('trimSuffix', 2, (suffix, s) => (suffix && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s)),
    trimSpace: strings('trimSpace', 1, (s) => s.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '')),
    add: arithmetic('add', (a, b) => a + b, (a, b) => a + b),
    subtract: arithmetic('subtract', (a, b) => a - b, (a, b) => a - b),
    multiply: arithmetic('multiply', (a, b) => a * b, (a, b) => a * b),
    divide: arithmetic('divide', intDivision((a, b) => a / b), (a, b) => a / b),
    modulo: arithmetic('modulo', intDivision((a, b) => a % b), undefined),
    minimum: compare('minimum', (a, b) => a < b),
    maximum: compare('maximum', (a, b) => a > b),
  };
  return functions;
}

function jsonOrFail(name: string, value: unknown, options: { escapeHTML: boolean; indent?: string }): string {
  try {
    return marshalJSON(value, options);
  } catch (err) {
    throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
