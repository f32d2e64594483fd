import { randomInt } from 'node:crypto';
import { invalidRequest } from '../../framework/errors.js';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const ALPHANUMERIC = LOWER + UPPER + DIGITS;

/**
 * Vault's default password policy: 20 characters from [a-zA-Z0-9-], at least one lowercase letter,
 * one uppercase letter, one digit and one dash. Drawn from the CSPRNG; redrawn until every rule holds.
 */
export function generatePassword(length = 20): string {
  const charset = ALPHANUMERIC + '-';
  for (;;) {
    let out = '';
    for (let i = 0; i < length; i++) out += charset[randomInt(charset.length)];
    if (/[a-z]/.test(out) && /[A-Z]/.test(out) && /\d/.test(out) && out.includes('-')) return out;
  }
}

/** Vault's `random N` template function: N alphanumeric characters. */
function randomAlphanumeric(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/** The PostgreSQL plugin's default username template (Vault's), in the Go template language. */
export const DEFAULT_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}';

/** What a username template sees. */
export interface UsernameInput {
  DisplayName: string;
  RoleName: string;
}

/**
 * Renders a username template: the subset of Go's text/template Vault's templates use: `{{ .Field }}`,
 * literal text, pipelines (`x | f arg`), parenthesised sub-expressions, string and number
 * literals, and Vault's functions `truncate`, `random`, `unix_time`, `unix_time_millis`,
 * `timestamp`, `uppercase`, `lowercase`, `replace`, `printf` (%s only), `uuid`.
 */
export function renderUsername(template: string, input: UsernameInput, now = Date.now()): string {
  return template.replace(/\{\{(.*?)\}\}/gs, (_, body: string) => String(evaluatePipeline(tokenize(body), input, now)));
}

/** Checks a template at config time, so a bad one is a 400 there rather than a failed credential later. */
export function checkUsernameTemplate(template: string): void {
  renderUsername(template, { DisplayName: 'token', RoleName: 'role' });
}

type Token = { kind: 'field' | 'ident' | 'string' | 'number' | 'pipe' | 'open' | 'close'; text: string };

function tokenize(body: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\.[A-Za-z_]\w*)|([A-Za-z_]\w*)|"((?:[^"\\]|\\.)*)"|(-?\d+)|(\|)|(\()|(\)))/y;
  let at = 0;
  while (at < body.length) {
    if (/^\s*$/.test(body.slice(at))) break;
    pattern.lastIndex = at;
    const m = pattern.exec(body);
    if (!m) throw invalidRequest(`unable to parse username template: unexpected "${body.slice(at).trim().slice(0, 20)}"`);
    at = pattern.lastIndex;
    if (m[1]) tokens.push({ kind: 'field', text: m[1].slice(1) });
    else if (m[2]) tokens.push({ kind: 'ident', text: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: 'string', text: JSON.parse(`"${m[3]}"`) as string });
    else if (m[4]) tokens.push({ kind: 'number', text: m[4] });
    else if (m[5]) tokens.push({ kind: 'pipe', text: '|' });
    else if (m[6]) tokens.push({ kind: 'open', text: '(' });
    else tokens.push({ kind: 'close', text: ')' });
  }
  return tokens;
}

type Value = string | number;

/** A pipeline: commands separated by `|`, each command's result passed as the next one's last argument. */
function evaluatePipeline(tokens: Token[], input: UsernameInput, now: number): Value {
  const commands: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'open') depth++;
    if (t.kind === 'close') depth--;
    if (t.kind === 'pipe' && depth === 0) commands.push([]);
    else commands[commands.length - 1]!.push(t);
  }
  let piped: Value | undefined;
  for (const command of commands) piped = evaluateCommand(command, input, now, piped);
  if (piped === undefined) throw invalidRequest('unable to parse username template: empty action');
  return piped;
}

function evaluateCommand(tokens: Token[], input: UsernameInput, now: number, piped: Value | undefined): Value {
  const args: Value[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'open') {
      let depth = 1;
      let j = i + 1;
      for (; j < tokens.length && depth > 0; j++) depth += tokens[j]!.kind === 'open' ? 1 : tokens[j]!.kind === 'close' ? -1 : 0;
      args.push(evaluatePipeline(tokens.slice(i + 1, j - 1), input, now));
      i = j - 1;
    } else if (t.kind === 'field') {
      if (!(t.text in input)) throw invalidRequest(`unable to parse username template: unknown field ".${t.text}"`);
      args.push(input[t.text as keyof UsernameInput]);
    } else if (t.kind === 'string') args.push(t.text);
    else if (t.kind === 'number') args.push(Number(t.text));
    else if (t.kind === 'ident') args.push(t.text as never);
    else throw invalidRequest('unable to parse username template: unexpected ")"');
  }
  if (piped !== undefined) args.push(piped);
  const [head, ...rest] = args;
  const first = tokens[0];
  if (first?.kind === 'ident') return callFunction(first.text, rest, now);
  if (args.length !== 1) throw invalidRequest('unable to parse username template: a value cannot take arguments');
  return head!;
}

function callFunction(name: string, args: Value[], now: number): Value {
  const str = (v: Value | undefined) => String(v ?? '');
  switch (name) {
    case 'truncate': {
      const [n, s] = args;
      if (typeof n !== 'number' || n < 0) throw invalidRequest('unable to parse username template: truncate takes a length');
      return str(s).slice(0, n);
    }
    case 'random': {
      const [n] = args;
      if (typeof n !== 'number' || n < 1 || n > 100) throw invalidRequest('unable to parse username template: random takes a length');
      return randomAlphanumeric(n);
    }
    case 'unix_time':
      return Math.floor(now / 1000);
    case 'unix_time_millis':
      return now;
    case 'timestamp':
      return new Date(now).toISOString();
    case 'uppercase':
      return str(args[0]).toUpperCase();
    case 'lowercase':
      return str(args[0]).toLowerCase();
    case 'replace': {
      const [from, to, s] = args;
      return str(s).split(str(from)).join(str(to));
    }
    case 'uuid':
      return crypto.randomUUID();
    case 'printf': {
      const [format, ...values] = args;
      let i = 0;
      return str(format).replace(/%[sdv]/g, () => str(values[i++]));
    }
    default:
      throw invalidRequest(`unable to parse username template: function "${name}" not defined`);
  }
}
