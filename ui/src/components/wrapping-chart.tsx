/** The wrapping counters of sys/metrics (src/core/metrics.ts), as the home page charts them. */
export interface WrappingCounts {
  created: number;
  unwrapped: number;
  failed: Record<string, number>;
  expiredUnused: number;
}

interface CounterEntry {
  Name: string;
  Count: number;
  Labels?: Record<string, string>;
}

/** Reads the wrapping counters out of sys/metrics' JSON (Vault's go-metrics shape). */
export function wrappingCounts(metrics: unknown): WrappingCounts {
  const counters = ((metrics as { Counters?: CounterEntry[] } | null)?.Counters ?? []) as CounterEntry[];
  const total = (name: string) => counters.filter((c) => c.Name === name).reduce((sum, c) => sum + c.Count, 0);
  const failed: Record<string, number> = {};
  for (const c of counters) if (c.Name === 'coffer_wrapping_unwraps_failed_total') failed[c.Labels?.reason ?? 'other'] = c.Count;
  return {
    created: total('coffer_wrapping_tokens_created_total'),
    unwrapped: total('coffer_wrapping_unwraps_succeeded_total'),
    failed,
    expiredUnused: total('coffer_wrapping_tokens_expired_unused_total'),
  };
}

const REASON_TEXT: Record<string, string> = { invalid: 'failed: invalid token', expired: 'failed: expired', already_used: 'failed: already used' };

/** A small horizontal bar chart in SVG; the numbers are also in a table for screen readers. */
export function WrappingChart({ counts }: { counts: WrappingCounts }) {
  const bars: [string, number][] = [
    ['created', counts.created],
    ['unwrapped', counts.unwrapped],
    ...Object.entries(counts.failed).map(([reason, n]): [string, number] => [REASON_TEXT[reason] ?? `failed: ${reason}`, n]),
    ['expired unused', counts.expiredUnused],
  ];
  const max = Math.max(1, ...bars.map(([, n]) => n));
  const rowHeight = 24;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 400 ${bars.length * rowHeight}`} role="img" aria-labelledby="wrapping-chart-caption" width="100%">
        {bars.map(([label, n], i) => (
          <g transform={`translate(0 ${i * rowHeight})`}>
            <text x="0" y="16" class="chart-label">
              {label}
            </text>
            <rect x="140" y="4" height="16" width={Math.max(1, (n / max) * 220)} class={label.startsWith('failed') ? 'bar bad' : 'bar'} />
            <text x={148 + (n / max) * 220} y="16" class="chart-value">
              {n}
            </text>
          </g>
        ))}
      </svg>
      <figcaption id="wrapping-chart-caption">
        Wrapping tokens since the server started: {bars.map(([label, n]) => `${label} ${n}`).join(', ')}.
      </figcaption>
    </figure>
  );
}
