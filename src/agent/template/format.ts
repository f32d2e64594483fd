// Go's fmt package as templates use it: %v for printing, Sprint/Sprintln/Sprintf for print,
// println and printf, and strconv's quoting and float formatting.

import { formatGoTime, GO_TIME_STRING } from './time-layout.js';
import { goTypeName, kindOf, sortedEntries } from './values.js';

interface Flags {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  precision?: number;
}

const NO_FLAGS: Flags = { minus: false, plus: false, sharp: false, space: false, zero: false };

/** The value as Go's fmt prints it with %v: `[a b]`, `map[k:v]`, `<nil>`, floats as %g. */
export function formatValue(value: unknown): string {
  return printArg(value, 'v', NO_FLAGS);
}

/** fmt.Sprint: spaces between operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  let previousString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === 'string';
    if (i > 0 && !isString && !previousString) out += ' ';
    out += formatValue(arg);
    previousString = isString;
  });
  return out;
}

/** fmt.Sprintln: spaces between all operands, and a newline. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map(formatValue).join(' ')}\n`;
}

/** fmt.Sprintf, with Go's flags, widths, precisions, argument indexes and %!verb(...) complaints. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let goodArgNum = true;
  let i = 0;
  const end = format.length;

  // An explicit argument index, [n], before a verb, a width or a precision. Returns whether one was read.
  const argNumber = (): boolean => {
    if (format[i] !== '[') return false;
    reordered = true;
    const close = format.indexOf(']', i);
    if (format.length - i < 3 || close < 0) {
      i += 1;
      goodArgNum = false;
      return false;
    }
    const digits = format.slice(i + 1, close);
    i = close + 1;
    const ok = /^[0-9]+$/.test(digits);
    const index = Number(digits) - 1;
    if (ok && index >= 0 && index < args.length) {
      argNum = index;
      return true;
    }
    goodArgNum = false;
    return ok;
  };
  const number = (): number | undefined => {
    const match = /^[0-9]+/.exec(format.slice(i, i + 7));
    if (!match) return undefined;
    i += match[0].length;
    return Number(match[0]);
  };
  const intArg = (): number | undefined => {
    if (argNum >= args.length) return undefined;
    const arg = args[argNum++];
    return kindOf(arg) === 'int' ? Number(arg) : undefined;
  };

  while (i < end) {
    goodArgNum = true;
    const percent = format.indexOf('%', i);
    if (percent < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;

    const flags: Flags = { ...NO_FLAGS };
    for (; i < end; i++) {
      const c = format[i];
      if (c === '#') flags.sharp = true;
      else if (c === '0') flags.zero = !flags.minus;
      else if (c === '+') flags.plus = true;
      else if (c === '-') {
        flags.minus = true;
        flags.zero = false;
      } else if (c === ' ') flags.space = true;
      else break;
    }

    let afterIndex = argNumber();
    if (format[i] === '*') {
      i++;
      const width = intArg();
      if (width === undefined) out += '%!(BADWIDTH)';
      else if (width < 0) {
        flags.width = -width;
        flags.minus = true;
        flags.zero = false;
      } else flags.width = width;
      afterIndex = false;
    } else {
      flags.width = number();
      if (afterIndex && flags.width !== undefined) goodArgNum = false;
    }

    if (i < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      afterIndex = argNumber();
      if (format[i] === '*') {
        i++;
        const precision = intArg();
        if (precision === undefined) out += '%!(BADPREC)';
        else flags.precision = precision < 0 ? undefined : precision;
        afterIndex = false;
      } else {
        flags.precision = number() ?? 0;
      }
    }
    if (!afterIndex) argNumber();
    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    i += verb.length;
    if (verb === '%') out += '%';
    else if (!goodArgNum) out += `%!${verb}(BADINDEX)`;
    else if (argNum >= args.length) out += `%!${verb}(MISSING)`;
    else {
      out += printArg(args[argNum], verb, flags);
      argNum++;
    }
  }
  if (!reordered && argNum < args.length) {
    const extra = args.slice(argNum).map((arg) => (arg === null || arg === undefined ? '<nil>' : `${goTypeName(arg)}=${formatValue(arg)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

function badVerb(value: unknown, verb: string): string {
  if (value === null || value === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(value)}=${formatValue(value)})`;
}

// The containers being printed, innermost last: a value that holds itself prints as <cycle>.
const printing = new Set<object>();

function printArg(value: unknown, verb: string, flags: Flags): string {
  if (verb === 'T') return pad(goTypeName(value), flags);
  const kind = kindOf(value);
  if (kind === 'slice' || kind === 'map' || kind === 'struct') {
    const container = value as object;
    if (printing.has(container)) return '<cycle>';
    printing.add(container);
    try {
      return printContainer(container, kind, verb, flags);
    } finally {
      printing.delete(container);
    }
  }
  switch (kind) {
    case 'invalid':
    case 'nil':
      return verb === 'v' ? pad('<nil>', flags) : badVerb(value, verb);
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(String(value), flags) : badVerb(value, verb);
    case 'int':
      return formatInteger(value as number | bigint, verb, flags);
    case 'float':
      return formatFloatVerb(value as number, verb, flags);
    case 'string':
      return formatString(value as string, verb, flags);
    case 'bytes': {
      const bytes = value as Uint8Array;
      if ('sxXq'.includes(verb)) return formatString(Buffer.from(bytes).toString('utf8'), verb, flags, bytes);
      return `[${Array.from(bytes, (b) => printArg(b, verb, flags)).join(' ')}]`;
    }
    case 'func':
      return verb === 'v' ? pad('func', flags) : badVerb(value, verb);
    default:
      return badVerb(value, verb);
  }
}

function printContainer(value: object, kind: 'slice' | 'map' | 'struct', verb: string, flags: Flags): string {
  if (kind === 'slice') return `[${(value as unknown[]).map((element) => printArg(element, verb, flags)).join(' ')}]`;
  if (kind === 'struct') return formatStruct(value, verb, flags);
  const entries = sortedEntries(value as Map<unknown, unknown> | Record<string, unknown>);
  return `map[${entries.map(([k, v]) => `${printArg(k, verb, flags)}:${printArg(v, verb, flags)}`).join(' ')}]`;
}

// Go calls Error() or String() for %v %s %q %x %X when a value has one; a Date is a time.Time.
function formatStruct(value: object, verb: string, flags: Flags): string {
  const stringer = 'vsqxX'.includes(verb);
  if (value instanceof Date && stringer) return formatString(formatGoTime(value, GO_TIME_STRING), verb, flags);
  if (value instanceof Error && stringer) return formatString(value.message, verb, flags);
  const toString = (value as { toString?: unknown }).toString;
  if (stringer && typeof toString === 'function' && toString !== Object.prototype.toString) return formatString(String(value), verb, flags);
  if (verb !== 'v') return badVerb(value, verb);
  return `{${Object.values(value).map((field) => printArg(field, verb, flags)).join(' ')}}`;
}

function pad(text: string, flags: Flags): string {
  const width = flags.width ?? 0;
  const missing = width - [...text].length;
  if (missing <= 0) return text;
  if (flags.minus) return text + ' '.repeat(missing);
  return (flags.zero ? '0' : ' ').repeat(missing) + text;
}

function formatString(s: string, verb: string, flags: Flags, bytes?: Uint8Array): string {
  const truncated = flags.precision === undefined ? s : [...s].slice(0, flags.precision).join('');
  switch (verb) {
    case 'v':
    case 's':
      return pad(truncated, flags);
    case 'q':
      if (flags.sharp && canBackquote(truncated)) return pad(`\`${truncated}\``, flags);
      return pad(goQuote(truncated, flags.plus), flags);
    case 'x':
    case 'X': {
      const raw = bytes && flags.precision === undefined ? bytes : Buffer.from(truncated, 'utf8');
      let hex = Array.from(raw, (b) => b.toString(16).padStart(2, '0'));
      if (verb === 'X') hex = hex.map((h) => h.toUpperCase());
      const prefix = flags.sharp ? (verb === 'x' ? '0x' : '0X') : '';
      const text = flags.space ? hex.map((h) => prefix + h).join(' ') : prefix + hex.join('');
      return pad(text, flags);
    }
    default:
      return badVerb(s, verb);
  }
}

function formatInteger(value: number | bigint, verb: string, flags: Flags): string {
  const n = BigInt(value);
  let base: number;
  switch (verb) {
    case 'v':
    case 'd':
      base = 10;
      break;
    case 'b':
      base = 2;
      break;
    case 'o':
    case 'O':
      base = 8;
      break;
    case 'x':
    case 'X':
      base = 16;
      break;
    case 'c':
      return pad(runeString(n), flags);
    case 'q':
      return pad(quoteRune(runeString(n)), flags);
    case 'U': {
      const hex = (n < 0n ? -n : n).toString(16).toUpperCase().padStart(4, '0');
      const text = `U+${hex}${flags.sharp ? ` '${runeString(n)}'` : ''}`;
      return pad(text, flags);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      // Go refuses %f for an int; JavaScript cannot tell 2.0 from 2, so a whole number is formatted as the float it may be.
      return formatFloatVerb(Number(value), verb, flags);
    default:
      return badVerb(value, verb);
  }
  const negative = n < 0n;
  let digits = (negative ? -n : n).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  if (flags.precision !== undefined) {
    if (flags.precision === 0 && n === 0n) return pad('', { ...flags, zero: false });
    digits = digits.padStart(flags.precision, '0');
  } else if (flags.zero && !flags.minus && flags.width !== undefined) {
    const room = flags.width - (negative || flags.plus || flags.space ? 1 : 0);
    digits = digits.padStart(room, '0');
  }
  let prefix = '';
  if (flags.sharp) {
    if (verb === 'b') prefix = '0b';
    else if (verb === 'o' && !digits.startsWith('0')) prefix = '0';
    else if (verb === 'x') prefix = '0x';
    else if (verb === 'X') prefix = '0X';
  }
  if (verb === 'O') prefix = '0o';
  const sign = negative ? '-' : flags.plus ? '+' : flags.space ? ' ' : '';
  return pad(sign + prefix + digits, { ...flags, zero: false });
}

function runeString(n: bigint): string {
  return n >= 0n && n <= 0x10ffffn && !(n >= 0xd800n && n < 0xe000n) ? String.fromCodePoint(Number(n)) : '\ufffd';
}

function formatFloatVerb(x: number, verb: string, flags: Flags): string {
  let fmt: 'e' | 'E' | 'f' | 'g' | 'G';
  let precision: number;
  switch (verb) {
    case 'v':
      fmt = 'g';
      precision = -1;
      break;
    case 'g':
    case 'G':
      fmt = verb;
      precision = -1;
      break;
    case 'e':
    case 'E':
      fmt = verb;
      precision = 6;
      break;
    case 'f':
    case 'F':
      fmt = 'f';
      precision = 6;
      break;
    default:
      return badVerb(x, verb);
  }
  if (flags.precision !== undefined) precision = flags.precision;
  const negative = x < 0 || Object.is(x, -0);
  if (!Number.isFinite(x)) {
    // Go prints +Inf with its sign, and NaN without one unless asked.
    let text = Number.isNaN(x) ? 'NaN' : negative ? '-Inf' : '+Inf';
    if (Number.isNaN(x) && (flags.plus || flags.space)) text = (flags.plus ? '+' : ' ') + text;
    else if (text === '+Inf' && flags.space && !flags.plus) text = ' Inf';
    return pad(text, { ...flags, zero: false });
  }
  const body = formatFloat(Math.abs(x), fmt, precision);
  const sign = negative ? '-' : flags.plus ? '+' : flags.space ? ' ' : '';
  if (flags.zero && !flags.minus && flags.width !== undefined && flags.width > sign.length + body.length) {
    return sign + '0'.repeat(flags.width - sign.length - body.length) + body;
  }
  return pad(sign + body, { ...flags, zero: false });
}

interface Decimal {
  /** Significant digits, without leading or trailing zeros ('' for zero). */
  digits: string;
  /** Position of the decimal point: the value is 0.digits × 10^dp. */
  dp: number;
}

/** strconv.FormatFloat for a finite x ≥ 0; a negative precision asks for the shortest exact digits. */
export function formatFloat(x: number, fmt: 'e' | 'E' | 'f' | 'g' | 'G', precision: number): string {
  let d: Decimal;
  let prec = precision;
  const shortest = precision < 0;
  if (shortest) {
    d = shortestDecimal(x);
    if (fmt === 'e' || fmt === 'E') prec = d.digits.length - 1;
    else if (fmt === 'f') prec = Math.max(d.digits.length - d.dp, 0);
    else prec = d.digits.length;
  } else {
    d = exactDecimal(x);
    if (fmt === 'e' || fmt === 'E') d = round(d, 1 + prec);
    else if (fmt === 'f') d = round(d, d.dp + prec);
    else {
      if (prec === 0) prec = 1;
      d = round(d, prec);
    }
  }
  if (fmt === 'e' || fmt === 'E') return formatE(d, prec, fmt);
  if (fmt === 'f') return formatF(d, prec);
  // %g: %e for large and small exponents, else %f.
  const nd = d.digits.length;
  let eprec = prec;
  if (eprec > nd && nd >= d.dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = d.dp - 1;
  if (exp < -4 || exp >= eprec) return formatE(d, Math.min(prec, nd) - 1, fmt === 'g' ? 'e' : 'E');
  return formatF(d, Math.max((prec > d.dp ? nd : prec) - d.dp, 0));
}

function formatE(d: Decimal, prec: number, e: string): string {
  let out = d.digits[0] ?? '0';
  if (prec > 0) out += `.${d.digits.slice(1, prec + 1).padEnd(prec, '0')}`;
  let exp = d.digits.length === 0 ? 0 : d.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return `${out}${e}${sign}${String(exp).padStart(2, '0')}`;
}

function formatF(d: Decimal, prec: number): string {
  let out = d.dp > 0 ? d.digits.slice(0, d.dp).padEnd(d.dp, '0') : '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      out += j >= 0 && j < d.digits.length ? d.digits[j] : '0';
    }
  }
  return out;
}

function shortestDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', dp: 0 };
  const [mantissa = '0', exponent = '0'] = x.toExponential().split('e');
  const digits = mantissa.replace('.', '').replace(/0+$/, '');
  return { digits, dp: Number(exponent) + 1 };
}

// The exact decimal value of a double (every double is a finite decimal), so rounding can be
// done as Go does it: half to even on the exact value.
function exactDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  const biased = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  let exponent = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  let digits: string;
  let dp: number;
  if (exponent >= 0) {
    digits = (mantissa << BigInt(exponent)).toString();
    dp = digits.length;
  } else {
    digits = (mantissa * 5n ** BigInt(-exponent)).toString();
    dp = digits.length + exponent;
  }
  return { digits: digits.replace(/0+$/, ''), dp };
}

function round(d: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= d.digits.length) return d;
  const next = d.digits[nd] ?? '0';
  const rest = d.digits.slice(nd + 1);
  let up = next > '5';
  if (next === '5') up = rest.length > 0 || (nd > 0 && Number(d.digits[nd - 1]) % 2 === 1);
  const kept = d.digits.slice(0, nd);
  if (!up) return { digits: kept.replace(/0+$/, ''), dp: d.dp };
  let i = kept.length - 1;
  while (i >= 0 && kept[i] === '9') i--;
  if (i < 0) return { digits: '1', dp: d.dp + 1 };
  return { digits: kept.slice(0, i) + String(Number(kept[i]) + 1), dp: d.dp };
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Whether Go's unicode.IsPrint holds: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrint(c: string): boolean {
  return PRINTABLE.test(c);
}

/** strconv.Quote (or QuoteToASCII): a double-quoted Go string literal. */
export function goQuote(s: string, asciiOnly = false): string {
  return `"${escape(s, '"', asciiOnly)}"`;
}

function quoteRune(c: string): string {
  return `'${escape(c, "'", false)}'`;
}

function escape(s: string, quote: string, asciiOnly: boolean): string {
  let out = '';
  for (const c of s) {
    const code = c.codePointAt(0) ?? 0;
    if (c === quote || c === '\\') {
      out += `\\${c}`;
    } else if (code >= 0xd800 && code < 0xe000) {
      out += '\\ufffd';
    } else if (isPrint(c) && (!asciiOnly || code < 0x80)) {
      out += c;
    } else {
      const named: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
      const hex = code.toString(16);
      out += named[c] ?? (code < 0x20 || code === 0x7f ? `\\x${hex.padStart(2, '0')}` : code < 0x10000 ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`);
    }
  }
  return out;
}

function canBackquote(s: string): boolean {
  for (const c of s) {
    const code = c.codePointAt(0) ?? 0;
    if (c === '`' || code === 0xfeff || (code < 0x20 && c !== '\t') || code === 0x7f) return false;
  }
  return true;
}
