import { stringify as toYaml } from 'yaml';
import type { Secret } from '../client/index.js';

/** Output formats accepted by `-format`. `yml` is Vault's alias for yaml. */
export type OutputFormat = 'table' | 'json' | 'yaml';

/** Checks a `-format` value; undefined when it is not one Coffer knows. */
export function parseFormat(raw: string | undefined): OutputFormat | undefined {
  const value = (raw ?? 'table').toLowerCase();
  if (value === 'yml') return 'yaml';
  return value === 'table' || value === 'json' || value === 'yaml' ? value : undefined;
}

/** What Vault prints for an empty table cell (columnize's Empty). */
const EMPTY_CELL = 'n/a';
/** Space between columns, as in Vault's columnOutput. */
const GLUE = '    ';

/**
 * Lays rows out in columns the way Vault does through ryanuber/columnize: cells trimmed, empty
 * cells shown as n/a, every column but the last padded to its widest cell, joined by four spaces.
 */
export function columns(rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => row.map((cell) => cell.trim() || EMPTY_CELL));
  const widths: number[] = [];
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell))));
  return cells
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - displayWidth(cell)) + GLUE)).join(''))
    .join('\n');
}

function displayWidth(text: string): number {
  return [...text].length;
}

/** A table with a header row underlined by dashes (Vault's tableOutput). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return columns([header, header.map((h) => '-'.repeat(h.length)), ...rows]);
}

/** A two-column `Key  Value` table. */
export function keyValueTable(rows: readonly (readonly [string, string])[]): string {
  return table(['Key', 'Value'], rows);
}

/** A Go duration string for whole seconds, trimmed as Vault trims it ("768h", "1m30s", "0s"). */
export function humanDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds === 0) return '0s';
  const sign = totalSeconds < 0 ? '-' : '';
  let rest = Math.abs(Math.trunc(totalSeconds));
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  let text = hours > 0 ? `${hours}h${minutes}m${seconds}s` : minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
  if (text.endsWith('m0s')) text = text.slice(0, -2);
  text = text.replace(/h0m$/, 'h');
  return sign + text;
}

/** Vault prints fields whose names look like durations as durations (ttl, *_ttl, period, ...). */
export function looksLikeDuration(key: string): boolean {
  return (
    key === 'period' || key.endsWith('_period') || key === 'ttl' || key.endsWith('_ttl') ||
    key === 'duration' || key.endsWith('_duration') || key === 'lease_max' || key === 'ttl_max'
  );
}

function durationValue(value: unknown): unknown {
  if (typeof value === 'number') return humanDuration(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return humanDuration(Number(value));
  return value;
}

/** Formats a value as Go's `%v` does for decoded JSON: `<nil>`, `[a b]`, `map[k:v]`. */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, v]) => `${k}:${goValue(v)}`).join(' ')}]`;
  }
  return String(value);
}

/** Go's `%q` on a string slice: `["default" "root"]`. */
function goQuotedList(list: readonly string[] | null | undefined): string {
  return `[${(list ?? []).map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** Go's time.Time String() for an RFC 3339 timestamp: "2024-05-01 10:00:00.123 +0000 UTC". */
export function goTime(rfc3339: string): string {
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339);
  if (!match) return rfc3339;
  const [, date, time, fraction, zone] = match;
  const frac = fraction?.replace(/0+$/, '') ? `.${fraction.replace(/0+$/, '')}` : '';
  const offset = zone === 'Z' ? '+0000' : (zone as string).replace(':', '');
  return `${date} ${time}${frac} ${offset} ${zone === 'Z' ? 'UTC' : offset}`;
}

function sortedEntries(data: Record<string, unknown>): [string, unknown][] {
  return Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Rows for a map of values, sorted by key, durations humanised (Vault's OutputMap). */
export function mapRows(data: Record<string, unknown>): [string, string][] {
  return sortedEntries(data).map(([key, value]) => [key, goValue(looksLikeDuration(key) ? durationValue(value) : value)]);
}

/** A map as a Key/Value table; empty string when there is nothing to show. */
export function mapTable(data: Record<string, unknown>): string {
  const rows = mapRows(data);
  return rows.length === 0 ? '' : keyValueTable(rows);
}

/** The rows Vault's table formatter prints for a whole response: lease, auth, wrap_info, then data. */
export function secretRows(secret: Secret): [string, string][] {
  const rows: [string, string][] = [];
  if (secret.lease_duration > 0) {
    if (secret.lease_id) {
      rows.push(['lease_id', secret.lease_id], ['lease_duration', humanDuration(secret.lease_duration)], ['lease_renewable', String(secret.renewable)]);
    } else {
      // Vault shows a KV secret's TTL hint as refresh_interval, since there is no lease to renew.
      rows.push(['refresh_interval', humanDuration(secret.lease_duration)]);
    }
  }
  const auth = secret.auth;
  if (auth) {
    rows.push(['token', auth.client_token], ['token_accessor', auth.accessor]);
    // A zero lease on a token means it never expires (a root token): Vault prints infinity.
    rows.push(['token_duration', auth.lease_duration === 0 ? '∞' : humanDuration(auth.lease_duration)]);
    rows.push(['token_renewable', String(auth.renewable)]);
    rows.push(['token_policies', goQuotedList(auth.token_policies)]);
    rows.push(['identity_policies', goQuotedList(auth.identity_policies)]);
    rows.push(['policies', goQuotedList(auth.policies)]);
    for (const [key, value] of sortedEntries(auth.metadata ?? {})) rows.push([`token_meta_${key}`, goValue(value)]);
  }
  const wrap = secret.wrap_info;
  if (wrap) {
    rows.push(['wrapping_token:', wrap.token], ['wrapping_accessor:', wrap.accessor]);
    rows.push(['wrapping_token_ttl:', humanDuration(wrap.ttl)]);
    rows.push(['wrapping_token_creation_time:', goTime(wrap.creation_time)]);
    rows.push(['wrapping_token_creation_path:', wrap.creation_path]);
    if (wrap.wrapped_accessor) rows.push(['wrapped_accessor:', wrap.wrapped_accessor]);
  }
  if (secret.data) rows.push(...mapRows(secret.data));
  return rows;
}

/** A whole response as Vault's Key/Value table; empty string when there is nothing to show. */
export function secretTable(secret: Secret): string {
  const rows = secretRows(secret);
  return rows.length === 0 ? '' : keyValueTable(rows);
}

/** A list of keys as Vault prints it: a sorted `Keys` column. */
export function listTable(keys: readonly string[]): string {
  return table(['Keys'], [...keys].sort().map((k) => [k]));
}

/** Vault's section header: the title centred in `=` signs, sized to `totalLength`. */
export function padEqualSigns(title: string, totalLength: number): string {
  let signs = totalLength - (title.length + 2);
  if (signs <= 0) signs = 4;
  if (signs % 2 !== 0) signs += 1;
  const side = '='.repeat(signs / 2);
  return `${side} ${title} ${side}`;
}

/** A section header sized to a Key/Value table of `data` (widest key + 4 spaces + "Value"). */
export function headerForMap(title: string, data: Record<string, unknown>): string {
  const widest = Math.max(0, ...Object.keys(data).map((k) => k.length));
  return padEqualSigns(title, widest + 4 + 5);
}

/** A "Secret Path"-style header followed by the path and a blank line. */
export function pathSection(title: string, path: string): string {
  return `${padEqualSigns(title, path.length)}\n${path}\n`;
}

/** JSON as Vault's CLI prints it: two-space indentation. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** YAML with keys sorted, as Vault's (ghodss/yaml) output has them. */
export function toYamlText(value: unknown): string {
  return toYaml(value, { sortMapEntries: true }).trim();
}

/** Any value in a structured format. */
export function structured(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? toJson(value) : toYamlText(value);
}

/**
 * The value of `-field=NAME` in a response, as Vault's RawField finds it: token fields from the
 * auth block, wrapping fields from wrap_info, refresh_interval from the lease, else a data key.
 */
export function secretField(secret: Secret, name: string): unknown {
  const auth = secret.auth;
  if (auth) {
    const fromAuth: Record<string, unknown> = {
      token: auth.client_token,
      token_accessor: auth.accessor,
      token_duration: auth.lease_duration,
      token_renewable: auth.renewable,
      token_policies: auth.token_policies,
      identity_policies: auth.identity_policies,
      policies: auth.policies,
    };
    if (name in fromAuth) return fromAuth[name];
  } else if (secret.wrap_info) {
    const wrap = secret.wrap_info;
    const fromWrap: Record<string, unknown> = {
      wrapping_token: wrap.token,
      wrapping_accessor: wrap.accessor,
      wrapping_token_ttl: wrap.ttl,
      wrapping_token_creation_time: wrap.creation_time,
      wrapping_token_creation_path: wrap.creation_path,
      wrapped_accessor: wrap.wrapped_accessor,
    };
    if (name in fromWrap) return fromWrap[name];
  } else if (name === 'refresh_interval') {
    return secret.lease_duration;
  }
  return secret.data?.[name];
}

/** A `-field` value as printed: raw (`%v`) for table, else in the structured format. */
export function fieldText(value: unknown, format: OutputFormat): string {
  return format === 'table' ? goValue(value) : structured(value, format);
}
