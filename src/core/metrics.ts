import { Counter, Registry } from 'prom-client';

/** Why an unwrap failed; the labels the "multiple failed unwrap attempts" alert watches. */
export type UnwrapFailure = 'invalid' | 'expired' | 'already_used';

/**
 * The server's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * several servers in one process (tests) keep separate counts.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly wrapsCreated = this.counter('coffer_wrapping_tokens_created_total', 'Responses wrapped (wrapping tokens issued).');
  readonly unwrapsSucceeded = this.counter('coffer_wrapping_unwraps_succeeded_total', 'Wrapping tokens unwrapped successfully.');
  readonly unwrapsFailed = new Counter({
    name: 'coffer_wrapping_unwraps_failed_total',
    help: 'Unwrap attempts refused, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly auditFailures = this.counter(
    'coffer_audit_failures_total',
    'Audit entries no enabled device could record (each refused its request).',
  );
  readonly wrappingTokensExpiredUnused = this.counter(
    'coffer_wrapping_tokens_expired_unused_total',
    'Wrapping tokens that expired before anyone unwrapped them.',
  );

  constructor() {
    // Every reason appears from the start at 0, so an alert on rate() has a series to watch.
    for (const reason of ['invalid', 'expired', 'already_used'] as const) this.unwrapsFailed.inc({ reason }, 0);
  }

  /** The Prometheus text exposition. */
  prometheus(): Promise<string> {
    return this.registry.metrics();
  }

  get prometheusContentType(): string {
    return this.registry.contentType;
  }

  /** Vault's JSON shape for sys/metrics: counters with their labels. */
  async json(): Promise<Record<string, unknown>> {
    const metrics = await this.registry.getMetricsAsJSON();
    const counters = metrics.flatMap((metric) =>
      metric.values.map((value) => ({ Name: metric.name, Count: value.value, Labels: value.labels })),
    );
    return { Timestamp: new Date().toISOString(), Gauges: [], Counters: counters, Samples: [] };
  }

  private counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }
}
