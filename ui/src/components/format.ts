/** Seconds as Vault writes them in the CLI: 768h, 1h30m, 45s; 0 is "never". */
export function formatDuration(seconds: number): string {
  if (!seconds) return 'never';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

/** A timestamp in the reader's locale (Vault's RFC 3339 strings and ms numbers both). */
export function formatTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}
