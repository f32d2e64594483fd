// How JavaScript values stand in for Go's. `undefined` is Go's "no value" (a missing map key, an
// invalid reflect.Value); `null` is nil. A plain object or a Map is a map[string]interface{}; an
// array is a []interface{}; a Uint8Array is a []byte; any other object is a struct whose fields
// are its properties. A number is an int when it is a whole number, else a float64: JavaScript
// cannot tell 1.0 from 1, so a whole float prints and compares as an int would.

export type Kind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'bytes' | 'slice' | 'map' | 'func' | 'struct';

const INT64_LIMIT = 2 ** 63;

/** Go's reflect.Kind of the value, as far as templates care. */
export function kindOf(value: unknown): Kind {
  switch (typeof value) {
    case 'undefined':
      return 'invalid';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) && Math.abs(value) < INT64_LIMIT ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    case 'symbol':
      return 'struct';
  }
  if (value === null) return 'nil';
  if (Array.isArray(value)) return 'slice';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof Map || isPlainObject(value)) return 'map';
  return 'struct';
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Go's truth: false, 0, nil, no value and empty strings, slices and maps are false. */
export function isTrue(value: unknown): boolean {
  switch (kindOf(value)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return value as boolean;
    case 'int':
    case 'float':
      return typeof value === 'bigint' ? value !== 0n : value !== 0;
    case 'string':
    case 'slice':
    case 'bytes':
      return (value as { length: number }).length > 0;
    case 'map':
      return mapSize(value) > 0;
    default:
      return true;
  }
}

function mapSize(value: unknown): number {
  return value instanceof Map ? value.size : Object.keys(value as object).length;
}

/** The length `len` reports, or undefined for a value that has none. Strings count UTF-8 bytes, as in Go. */
export function lengthOf(value: unknown): number | undefined {
  switch (kindOf(value)) {
    case 'string':
      return Buffer.byteLength(value as string, 'utf8');
    case 'slice':
    case 'bytes':
      return (value as { length: number }).length;
    case 'map':
      return mapSize(value);
    default:
      return undefined;
  }
}

/** A map's entries in Go's order (internal/fmtsort): by key, numbers numerically, strings bytewise. */
export function sortedEntries(value: Map<unknown, unknown> | Record<string, unknown>): [unknown, unknown][] {
  const entries: [unknown, unknown][] = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return entries.sort(([a], [b]) => compareKeys(a, b));
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== tb) return ta < tb ? -1 : 1;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** The value of key `name` of a map (plain object or Map), or undefined when it has none. */
export function mapGet(map: Map<unknown, unknown> | Record<string, unknown>, key: unknown): unknown {
  if (map instanceof Map) return map.get(key);
  if (typeof key !== 'string') return undefined;
  // Own keys only: a template must not reach `constructor` or `__proto__` through a map.
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

const HIDDEN_PROPERTIES = new Set(['constructor', '__proto__', 'prototype']);

/**
 * A field or method of a struct-like object: its own properties and those its class defines,
 * never what every object inherits (Object.prototype) and never `constructor`, so a template
 * cannot climb to the Function constructor.
 */
export function lookupProperty(object: object, name: string): { value: unknown } | undefined {
  if (HIDDEN_PROPERTIES.has(name)) return undefined;
  for (let proto: object | null = object; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    if (Object.prototype.hasOwnProperty.call(proto, name)) return { value: (object as Record<string, unknown>)[name] };
  }
  return undefined;
}

/** Go's name for the value's type, as %T and Go's error messages print it. */
export function goTypeName(value: unknown): string {
  switch (kindOf(value)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'bytes':
      return '[]uint8';
    case 'slice':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    case 'func':
      return 'func(...interface {}) interface {}';
    case 'struct':
      if (value instanceof Date) return 'time.Time';
      if (value instanceof Error) return '*errors.errorString';
      return (value as object).constructor?.name || 'struct {}';
  }
}

/** A value as a Go function with an interface{} parameter receives it: no value becomes nil. */
export function toNil(value: unknown): unknown {
  return value === undefined ? null : value;
}
