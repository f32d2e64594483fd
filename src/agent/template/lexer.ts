// The scanner of Go's text/template (text/template/parse/lex.go), rewritten: it turns the template
// text into tokens in one pass. Trim markers are applied here, as in Go, so the parser never sees them.

import { goQuote } from './format.js';

export type TokenType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'assign' // =
  | 'declare' // :=
  | 'pipe'
  | 'string' // "quoted", quotes included
  | 'rawString' // `raw`, quotes included
  | 'charConstant' // 'c', quotes included
  | 'number'
  | 'bool'
  | 'field' // .Name
  | 'variable' // $ or $name
  | 'identifier'
  | 'dot'
  | 'nil'
  | 'keyword'
  | 'leftParen'
  | 'rightParen'
  | 'char' // any other printable ASCII character, such as ','
  | 'eof'
  | 'error';

export interface Token {
  readonly type: TokenType;
  /** The token's text; for an error, the message. */
  readonly value: string;
  /** Index of the token in the template text. */
  readonly pos: number;
}

export const KEYWORDS: ReadonlySet<string> = new Set([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'template',
  'with',
]);

const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const ALPHANUMERIC = /^[\p{L}\p{Nd}_]$/u;
const isAlphaNumeric = (c: string | undefined): boolean => c !== undefined && ALPHANUMERIC.test(c);

/** Go's %#U of a character: U+0023 '#'. */
export function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  return /\p{C}/u.test(c) ? `U+${hex}` : `U+${hex} '${c}'`;
}

/** Scans the whole template. The last token is `eof`, or `error` if the text cannot be scanned. */
export function lex(text: string, leftDelim: string, rightDelim: string): Token[] {
  const tokens: Token[] = [];
  const emit = (type: TokenType, start: number, end: number): void => {
    tokens.push({ type, value: text.slice(start, end), pos: start });
  };
  const fail = (pos: number, message: string): Token[] => {
    tokens.push({ type: 'error', value: message, pos });
    return tokens;
  };
  // A trim marker is a '-' with a space character on the delimiter's far side: "{{- " and " -}}".
  const hasLeftTrim = (at: number): boolean => text[at] === '-' && isSpace(text[at + 1]);
  const atRightDelim = (at: number): { delim: boolean; trim: boolean } => {
    if (isSpace(text[at]) && text[at + 1] === '-' && text.startsWith(rightDelim, at + 2)) return { delim: true, trim: true };
    return { delim: text.startsWith(rightDelim, at), trim: false };
  };
  const skipSpaceForward = (at: number): number => {
    while (isSpace(text[at])) at++;
    return at;
  };
  // Identifiers, fields and variables must end at one of these, so ".X.Y" splits and "$x+2" fails.
  const atTerminator = (at: number): boolean => {
    const c = text[at];
    if (c === undefined || isSpace(c)) return true;
    if ('.,|:()'.includes(c)) return true;
    return rightDelim.length > 0 && c === String.fromCodePoint(rightDelim.codePointAt(0) ?? 0);
  };
  const charAt = (at: number): string => String.fromCodePoint(text.codePointAt(at) ?? 0);
  const scanAlphaNumeric = (at: number): number => {
    while (at < text.length) {
      const c = charAt(at);
      if (!isAlphaNumeric(c)) break;
      at += c.length;
    }
    return at;
  };

  let pos = 0;
  for (;;) {
    const delimAt = text.indexOf(leftDelim, pos);
    if (delimAt < 0) {
      if (pos < text.length) emit('text', pos, text.length);
      tokens.push({ type: 'eof', value: '', pos: text.length });
      return tokens;
    }
    const afterDelim = delimAt + leftDelim.length;
    const trimBefore = hasLeftTrim(afterDelim);
    let textEnd = delimAt;
    if (trimBefore) while (textEnd > pos && isSpace(text[textEnd - 1])) textEnd--;
    if (textEnd > pos) emit('text', pos, textEnd);
    let at = afterDelim + (trimBefore ? 2 : 0);

    if (text.startsWith(LEFT_COMMENT, at)) {
      const close = text.indexOf(RIGHT_COMMENT, at + LEFT_COMMENT.length);
      if (close < 0) return fail(delimAt, 'unclosed comment');
      at = close + RIGHT_COMMENT.length;
      const { delim, trim } = atRightDelim(at);
      if (!delim) return fail(delimAt, 'comment ends before closing delimiter');
      at += (trim ? 2 : 0) + rightDelim.length;
      pos = trim ? skipSpaceForward(at) : at;
      continue;
    }

    tokens.push({ type: 'leftDelim', value: leftDelim, pos: delimAt });
    let parenDepth = 0;
    for (;;) {
      const { delim, trim } = atRightDelim(at);
      if (delim) {
        if (parenDepth > 0) return fail(delimAt, 'unclosed left paren');
        tokens.push({ type: 'rightDelim', value: rightDelim, pos: at });
        at += (trim ? 2 : 0) + rightDelim.length;
        pos = trim ? skipSpaceForward(at) : at;
        break;
      }
      if (at >= text.length) return fail(delimAt, 'unclosed action');
      const start = at;
      const c = charAt(at);
      if (isSpace(c)) {
        let end = skipSpaceForward(at);
        // The last space may begin a trim-marked right delimiter (" -}}"): leave it for the delimiter.
        if (text[end] === '-' && text.startsWith(rightDelim, end + 1)) end--;
        if (end > start) emit('space', start, end);
        at = end;
        continue;
      }
      switch (c) {
        case '=':
          emit('assign', start, ++at);
          continue;
        case ':':
          if (text[at + 1] !== '=') return fail(start, 'expected :=');
          at += 2;
          emit('declare', start, at);
          continue;
        case '|':
          emit('pipe', start, ++at);
          continue;
        case '(':
          parenDepth++;
          emit('leftParen', start, ++at);
          continue;
        case ')':
          if (--parenDepth < 0) return fail(start, `unexpected right paren ${describeChar(')')}`);
          emit('rightParen', start, ++at);
          continue;
        case '"':
        case "'": {
          const end = scanQuoted(text, at, c);
          if (end < 0) return fail(start, c === '"' ? 'unterminated quoted string' : 'unterminated character constant');
          emit(c === '"' ? 'string' : 'charConstant', start, end);
          at = end;
          continue;
        }
        case '`': {
          const close = text.indexOf('`', at + 1);
          if (close < 0) return fail(start, 'unterminated raw quoted string');
          at = close + 1;
          emit('rawString', start, at);
          continue;
        }
        case '$': {
          at = scanAlphaNumeric(at + 1);
          if (!atTerminator(at)) return fail(start, `bad character ${describeChar(charAt(at))}`);
          emit('variable', start, at);
          continue;
        }
      }
      if (c === '.' && !isDigit(text[at + 1])) {
        at = scanAlphaNumeric(at + 1);
        if (!atTerminator(at)) return fail(start, `bad character ${describeChar(charAt(at))}`);
        emit(at === start + 1 ? 'dot' : 'field', start, at);
        continue;
      }
      if (c === '.' || c === '+' || c === '-' || isDigit(c)) {
        let end = scanNumber(text, at);
        if (end < 0) return fail(start, `bad number syntax: ${goQuote(text.slice(start, -end))}`);
        if (text[end] === '+' || text[end] === '-') {
          // A complex constant such as 1+2i: no spaces, and it must end in 'i'.
          const imaginary = scanNumber(text, end);
          if (imaginary < 0 || text[imaginary - 1] !== 'i') {
            return fail(start, `bad number syntax: ${goQuote(text.slice(start, Math.abs(imaginary)))}`);
          }
          end = imaginary;
        }
        emit('number', start, end);
        at = end;
        continue;
      }
      if (isAlphaNumeric(c)) {
        at = scanAlphaNumeric(at);
        if (!atTerminator(at)) return fail(start, `bad character ${describeChar(charAt(at))}`);
        const word = text.slice(start, at);
        if (KEYWORDS.has(word)) emit('keyword', start, at);
        else if (word === 'nil') emit('nil', start, at);
        else if (word === 'true' || word === 'false') emit('bool', start, at);
        else emit('identifier', start, at);
        continue;
      }
      const code = c.codePointAt(0) ?? 0;
      if (code > 0x20 && code < 0x7f) {
        emit('char', start, ++at);
        continue;
      }
      return fail(start, `unrecognized character in action: ${describeChar(c)}`);
    }
  }
}

/** The end of a "…" or '…' literal starting at `at`, or -1 if it is not terminated on its line. */
function scanQuoted(text: string, at: number, quote: string): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      if (i >= text.length || text[i] === '\n') return -1;
    } else if (c === '\n') {
      return -1;
    } else if (c === quote) {
      return i + 1;
    }
  }
  return -1;
}

/**
 * The end of the number starting at `at`, scanned as loosely as Go does (the parser checks it),
 * or minus the end of the bad text if an alphanumeric character follows it.
 */
function scanNumber(text: string, at: number): number {
  let i = at;
  const accept = (valid: string): boolean => {
    const c = text[i];
    if (c !== undefined && valid.includes(c)) {
      i++;
      return true;
    }
    return false;
  };
  const acceptRun = (valid: string): void => {
    while (accept(valid));
  };
  accept('+-');
  let digits = '0123456789_';
  if (accept('0')) {
    if (accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (accept('oO')) digits = '01234567_';
    else if (accept('bB')) digits = '01_';
  }
  acceptRun(digits);
  if (accept('.')) acceptRun(digits);
  if (digits.length === 11 && accept('eE')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  if (digits.length === 23 && accept('pP')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  accept('i');
  if (i < text.length && isAlphaNumeric(String.fromCodePoint(text.codePointAt(i) ?? 0))) return -(i + 1);
  return i;
}
