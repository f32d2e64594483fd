// The functions every Go template has (text/template/funcs.go). They take their arguments as the
// evaluator has them, `undefined` (no value) included, as Go's take reflect.Values.

import { ArgumentError } from './errors.js';
import { formatValue, isPrint, sprint, sprintf, sprintln } from './format.js';
import { goTypeName, isTrue, kindOf, lengthOf, mapGet, toNil } from './values.js';

export type Builtin = (...args: unknown[]) => unknown;

// `and` and `or` short-circuit, so the evaluator runs them itself, evaluating arguments one by one;
// these give the same answer for arguments already evaluated.
function and(...args: unknown[]): unknown {
  const i = args.findIndex((arg) => !isTrue(arg));
  return args[i < 0 ? args.length - 1 : i];
}

function or(...args: unknown[]): unknown {
  const i = args.findIndex((arg) => isTrue(arg));
  return args[i < 0 ? args.length - 1 : i];
}

function arity(name: string, args: readonly unknown[], min: number, max = min): void {
  if (args.length >= min && args.length <= max) return;
  const want = max === Infinity ? `at least ${min}` : String(min);
  throw new ArgumentError(`wrong number of args for ${name}: want ${want} got ${args.length}`);
}

const isNil = (value: unknown): boolean => value === undefined || value === null;

// Go compares basic kinds only, and ints with ints, floats with floats; here every number is one kind.
type BasicKind = 'bool' | 'number' | 'string';

function basicKind(value: unknown): BasicKind | undefined {
  switch (kindOf(value)) {
    case 'bool':
      return 'bool';
    case 'int':
    case 'float':
      return 'number';
    case 'string':
      return 'string';
    default:
      return undefined;
  }
}

function equal(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka !== kb) {
    if (isNil(a) || isNil(b)) return false;
    throw new Error(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  }
  if (ka === undefined) {
    if (isNil(a) || isNil(b)) return isNil(a) === isNil(b);
    if (kindOf(a) !== kindOf(b)) throw new Error(`non-comparable types ${formatValue(a)}: ${goTypeName(a)}, ${goTypeName(b)}: ${formatValue(b)}`);
    if (['slice', 'map', 'bytes', 'func'].includes(kindOf(a))) throw new Error(`non-comparable type ${formatValue(b)}: ${goTypeName(b)}`);
    return a === b;
  }
  // Loose equality so that a bigint equals the number with its value.
  return ka === 'number' ? a == b : a === b;
}

function less(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === undefined || kb === undefined) throw new Error('invalid type for comparison');
  if (ka !== kb) throw new Error(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  if (ka === 'bool') throw new Error('invalid type for comparison');
  return (a as string | number | bigint) < (b as string | number | bigint);
}

function eq(...args: unknown[]): boolean {
  if (args.length < 2) {
    if (args.length === 0) arity('eq', args, 1, Infinity);
    throw new Error('missing argument for comparison');
  }
  const [first, ...rest] = args;
  return rest.some((arg) => equal(first, arg));
}

function indexArg(index: unknown, cap: number): number {
  const kind = kindOf(index);
  if (kind === 'invalid' || kind === 'nil') throw new Error('cannot index slice/array with nil');
  if (kind !== 'int') throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
  const x = Number(index);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) throw new Error('index of untyped nil');
  let current = item;
  for (const key of indexes) {
    if (current === null) throw new Error('index of nil pointer');
    switch (kindOf(current)) {
      case 'slice':
      case 'bytes': {
        const list = current as ArrayLike<unknown>;
        const x = indexArg(key, list.length);
        if (x === list.length) throw new Error(`index out of range: ${x}`);
        current = list[x];
        break;
      }
      case 'string': {
        const bytes = Buffer.from(current as string, 'utf8');
        const x = indexArg(key, bytes.length);
        if (x === bytes.length) throw new Error(`index out of range: ${x}`);
        current = bytes[x];
        break;
      }
      case 'map':
        if (!(current instanceof Map) && typeof key !== 'string') {
          throw new Error(isNil(key) ? 'value is nil; should be of type string' : `value has type ${goTypeName(key)}; should be string`);
        }
        current = mapGet(current as Map<unknown, unknown> | Record<string, unknown>, key);
        break;
      default:
        throw new Error(`can't index item of type ${goTypeName(current)}`);
    }
  }
  return current;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const kind = kindOf(item);
  let length: number;
  if (kind === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    length = Buffer.byteLength(item as string, 'utf8');
  } else if (kind === 'slice' || kind === 'bytes') {
    length = (item as ArrayLike<unknown>).length;
  } else {
    throw new Error(`can't slice item of type ${goTypeName(item)}`);
  }
  const idx = [0, length, length];
  indexes.forEach((arg, i) => {
    idx[i] = indexArg(arg, length);
  });
  const [low = 0, high = length, max = length] = idx;
  if (low > high) throw new Error(`invalid slice index: ${low} > ${high}`);
  if (indexes.length === 3 && high > max) throw new Error(`invalid slice index: ${high} > ${max}`);
  if (kind === 'string') return Buffer.from(item as string, 'utf8').subarray(low, high).toString('utf8');
  return (item as unknown[]).slice(low, high);
}

// html, js and urlquery print their arguments as fmt.Sprint would, but print nil as "<no value>".
function textOf(args: readonly unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((arg) => (isNil(arg) ? '<no value>' : arg)));
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '\0': '\ufffd', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' };

function html(...args: unknown[]): string {
  return textOf(args).replace(/[\0"'&<>]/g, (c) => HTML_ESCAPES[c] ?? c);
}

const JS_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '<': '\\u003C',
  '>': '\\u003E',
  '&': '\\u0026',
  '=': '\\u003D',
};

function js(...args: unknown[]): string {
  let out = '';
  for (const c of textOf(args)) {
    const code = c.codePointAt(0) ?? 0;
    const escaped = JS_ESCAPES[c];
    if (escaped) out += escaped;
    else if (code < 0x20) out += `\\u00${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (code >= 0x80 && !isPrint(c)) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

/** Go's url.QueryEscape: space as '+', the unreserved characters kept, every other byte as %XX. */
export function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

async function call(fn: unknown, ...args: unknown[]): Promise<unknown> {
  if (isNil(fn)) throw new Error('call of nil');
  if (typeof fn !== 'function') throw new Error(`non-function of type ${goTypeName(fn)}`);
  return (await (fn as Builtin)(...args.map(toNil))) as unknown;
}

// A builtin that checks its argument count first, with Go's message.
function checked(name: string, min: number, max: number, fn: Builtin): Builtin {
  return (...args) => {
    arity(name, args, min, max);
    return fn(...args);
  };
}

function length(value: unknown): number {
  const n = lengthOf(value);
  if (n !== undefined) return n;
  throw new Error(isNil(value) ? 'len of nil pointer' : `len of type ${goTypeName(value)}`);
}

function printf(format: unknown, ...args: unknown[]): string {
  if (typeof format !== 'string') throw new ArgumentError(`wrong type for value; expected string; got ${goTypeName(format)}`);
  return sprintf(format, args.map(toNil));
}

/** The built-in functions by name. */
export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['and', checked('and', 1, Infinity, and)],
  ['or', checked('or', 1, Infinity, or)],
  ['not', checked('not', 1, 1, (value) => !isTrue(value))],
  ['len', checked('len', 1, 1, length)],
  ['index', checked('index', 1, Infinity, index)],
  ['slice', checked('slice', 1, Infinity, slice)],
  ['print', (...args) => sprint(args.map(toNil))],
  ['println', (...args) => sprintln(args.map(toNil))],
  ['printf', checked('printf', 1, Infinity, printf)],
  ['html', html],
  ['js', js],
  ['urlquery', (...args) => queryEscape(textOf(args))],
  ['call', checked('call', 1, Infinity, call)],
  ['eq', eq],
  ['ne', checked('ne', 2, 2, (a, b) => !equal(a, b))],
  ['lt', checked('lt', 2, 2, (a, b) => less(a, b))],
  ['le', checked('le', 2, 2, (a, b) => less(a, b) || equal(a, b))],
  ['gt', checked('gt', 2, 2, (a, b) => !(less(a, b) || equal(a, b)))],
  ['ge', checked('ge', 2, 2, (a, b) => !less(a, b))],
]);
