// Go's literal syntax, as text/template reads constants: strconv.Unquote for strings and
// characters, and the integer and floating-point forms of the Go spec for numbers.

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  '\\': 0x5c,
};

const utf8 = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/**
 * The value of a "…", `…` or '…' literal, or undefined if its syntax is wrong. A character
 * literal's value is its code point, as Go's rune constants are integers.
 */
export function unquote(literal: string): string | number | undefined {
  const quote = literal[0];
  if (literal.length < 2 || literal[literal.length - 1] !== quote) return undefined;
  const body = literal.slice(1, -1);
  // Go drops carriage returns from raw strings.
  if (quote === '`') return body.includes('`') ? undefined : body.replaceAll('\r', '');
  if (quote !== '"' && quote !== "'") return undefined;

  const bytes: number[] = [];
  let runes = 0;
  let lastRune = -1;
  for (let i = 0; i < body.length; ) {
    const code = body.codePointAt(i) ?? 0;
    const c = String.fromCodePoint(code);
    if (c === quote || c === '\n') return undefined;
    if (c !== '\\') {
      bytes.push(...utf8.encode(c));
      i += c.length;
      runes++;
      lastRune = code;
      continue;
    }
    const escape = body[i + 1];
    if (escape === undefined) return undefined;
    i += 2;
    runes++;
    const simple = SIMPLE_ESCAPES[escape];
    if (simple !== undefined) {
      bytes.push(simple);
      lastRune = simple;
    } else if (escape === quote) {
      bytes.push(quote.charCodeAt(0));
      lastRune = quote.charCodeAt(0);
    } else if (escape === 'x' || (escape >= '0' && escape <= '7')) {
      // \xhh and \ooo are single bytes, which need not form UTF-8.
      const octal = escape !== 'x';
      const digits = octal ? body.slice(i - 1, i + 2) : body.slice(i, i + 2);
      if (!(octal ? /^[0-7]{3}$/ : /^[0-9a-fA-F]{2}$/).test(digits)) return undefined;
      const value = parseInt(digits, octal ? 8 : 16);
      if (value > 255) return undefined;
      bytes.push(value);
      lastRune = value;
      i += 2;
    } else if (escape === 'u' || escape === 'U') {
      const length = escape === 'u' ? 4 : 8;
      const digits = body.slice(i, i + length);
      if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(digits)) return undefined;
      const value = parseInt(digits, 16);
      if (value > 0x10ffff || (value >= 0xd800 && value < 0xe000)) return undefined;
      bytes.push(...utf8.encode(String.fromCodePoint(value)));
      lastRune = value;
      i += length;
    } else {
      return undefined;
    }
  }
  if (quote === "'") return runes === 1 ? lastRune : undefined;
  return decoder.decode(new Uint8Array(bytes));
}

/** The value of a Go number literal (decimal, 0x, 0o, 0b, legacy octal, float, hex float), or undefined. */
export function parseNumber(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s[0] === '+' || s[0] === '-') {
    sign = s[0] === '-' ? -1 : 1;
    s = s.slice(1);
  }
  if (!underscoreOK(s)) return undefined;
  s = s.replaceAll('_', '');
  let value: number | undefined;
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) value = Number(BigInt(s));
  else if (/^0[oO][0-7]+$/.test(s)) value = Number(BigInt(`0o${s.slice(2)}`));
  else if (/^0[bB][01]+$/.test(s)) value = Number(BigInt(s));
  else if (/^0[0-7]*$/.test(s)) value = s.length > 1 ? Number(BigInt(`0o${s.slice(1)}`)) : 0;
  else if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) value = Number(s);
  else {
    const hex = /^0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(s);
    if (hex && (hex[1] || hex[2])) {
      const mantissa = parseInt(`${hex[1] ?? ''}${hex[2] ?? ''}` || '0', 16);
      value = mantissa * 2 ** (Number(hex[3]) - 4 * (hex[2] ?? '').length);
    }
  }
  return value === undefined ? undefined : sign * value;
}

// Go's strconv.underscoreOK: an underscore must sit between digits (a base prefix counts as one).
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1] ?? '')) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i] ?? '';
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}
