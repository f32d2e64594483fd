import { invalidRequest } from './errors.js';
import { parseBoolText } from './bool.js';
import { parseDurationSeconds } from './duration.js';

/**
 * Field types, after Vault's framework: weakly typed input ("5" is an int, "true" a bool,
 * "a,b" a list of strings) is accepted the way Vault's clients send it.
 */
export type FieldKind = 'string' | 'int' | 'bool' | 'duration' | 'strings' | 'map' | 'stringMap' | 'any';

interface KindValue {
  string: string;
  int: number;
  bool: boolean;
  duration: number;
  strings: string[];
  map: Record<string, unknown>;
  stringMap: Record<string, string>;
  any: unknown;
}

export interface FieldSpec<K extends FieldKind = FieldKind> {
  kind: K;
  required?: boolean;
  default?: KindValue[K];
  description?: string;
}

type Options<K extends FieldKind> = Omit<FieldSpec<K>, 'kind'>;
const make =
  <K extends FieldKind>(kind: K) =>
  (options: Options<K> = {}): FieldSpec<K> => ({ kind, ...options });

/** Field constructors used in path tables. */
export const field = {
  string: make('string'),
  int: make('int'),
  bool: make('bool'),
  /** Seconds; accepts 300, "300" or "5m". */
  duration: make('duration'),
  /** A list of strings; accepts ["a","b"] or "a,b". */
  strings: make('strings'),
  map: make('map'),
  /** An object whose values are all strings (token meta, custom_metadata). */
  stringMap: make('stringMap'),
  any: make('any'),
};

export type Fields = Record<string, FieldSpec>;
export type Parsed<F extends Fields> = { [N in keyof F]: KindValue[F[N]['kind']] };

const ZERO: { [K in FieldKind]: () => KindValue[K] } = {
  string: () => '',
  int: () => 0,
  bool: () => false,
  duration: () => 0,
  strings: () => [],
  map: () => ({}),
  stringMap: () => ({}),
  any: () => undefined,
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function convert(kind: FieldKind, raw: unknown): { ok: true; value: unknown } | { ok: false } {
  switch (kind) {
    case 'string':
      if (typeof raw === 'string') return { ok: true, value: raw };
      if (typeof raw === 'number' || typeof raw === 'boolean') return { ok: true, value: String(raw) };
      return { ok: false };
    case 'int': {
      const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      return typeof n === 'number' && Number.isSafeInteger(n) ? { ok: true, value: n } : { ok: false };
    }
    case 'bool':
      // Vault's framework decodes weakly: text as strconv.ParseBool ("" is false), a number by != 0.
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (typeof raw === 'number') return Number.isFinite(raw) ? { ok: true, value: raw !== 0 } : { ok: false };
      if (raw === '') return { ok: true, value: false };
      if (typeof raw === 'string') {
        const value = parseBoolText(raw);
        return value === undefined ? { ok: false } : { ok: true, value };
      }
      return { ok: false };
    case 'duration': {
      const seconds = parseDurationSeconds(raw);
      return seconds === undefined ? { ok: false } : { ok: true, value: seconds };
    }
    case 'strings':
      if (typeof raw === 'string') return { ok: true, value: raw.split(',').map((s) => s.trim()).filter(Boolean) };
      if (Array.isArray(raw) && raw.every((s) => typeof s === 'string' || typeof s === 'number'))
        return { ok: true, value: raw.map(String).map((s) => s.trim()).filter(Boolean) };
      return { ok: false };
    case 'map':
      return isPlainObject(raw) ? { ok: true, value: raw } : { ok: false };
    case 'stringMap':
      if (!isPlainObject(raw)) return { ok: false };
      if (!Object.values(raw).every((v) => typeof v === 'string')) return { ok: false };
      return { ok: true, value: raw };
    case 'any':
      return { ok: true, value: raw };
  }
}

/**
 * Parses raw request data against a field table. Returns the typed values (zero value or
 * default when absent), the set of names the caller actually sent, and the names it sent
 * that the table does not know (Vault ignores those with a warning).
 */
export function parseFields<F extends Fields>(
  fields: F,
  raw: Record<string, unknown>,
): { values: Parsed<F>; provided: Set<string>; unknown: string[] } {
  const values: Record<string, unknown> = {};
  const provided = new Set<string>();
  for (const [name, spec] of Object.entries(fields)) {
    const input = raw[name];
    if (input === undefined || input === null) {
      if (spec.required) throw invalidRequest(`missing required field "${name}"`);
      values[name] = spec.default !== undefined ? structuredClone(spec.default) : ZERO[spec.kind]();
      continue;
    }
    const converted = convert(spec.kind, input);
    if (!converted.ok) {
      throw invalidRequest(`error converting input ${JSON.stringify(input)} for field "${name}": expected ${spec.kind}`);
    }
    values[name] = converted.value;
    provided.add(name);
  }
  const unknown = Object.keys(raw).filter((name) => !(name in fields));
  return { values: values as Parsed<F>, provided, unknown };
}
