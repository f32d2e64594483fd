import { formatDuration } from './format.js';

/** How one value of a server record reads: lists joined, maps as "k=v", durations in seconds made readable. */
function show(key: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ') : '—';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length ? entries.map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ') : '—';
  }
  if (typeof value === 'number' && /(^|_)(ttl|period)$/.test(key) && value > 0) return `${formatDuration(value)} (${value}s)`;
  return String(value);
}

/** A server record (a role, a config, a token lookup) as a definition list, keys sorted or in the order given. */
export function RecordList({ record, keys, testId }: { record: Record<string, unknown>; keys?: readonly string[]; testId?: string }) {
  const shown = keys ?? Object.keys(record).sort();
  return (
    <dl data-testid={testId}>
      {shown.map((key) => (
        <>
          <dt>{key}</dt>
          <dd>{show(key, record[key])}</dd>
        </>
      ))}
    </dl>
  );
}
