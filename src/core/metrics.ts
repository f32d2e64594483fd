import { Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { invalidRequest } from '../framework/errors.js';

/** Why an unwrap failed; the labels the "multiple failed unwrap attempts" alert watches. */
export type UnwrapFailure = 'invalid' | 'expired' | 'already_used';

/**
 * What the gauges read when they are scraped (the server wires it to its core): read on scrape,
 * not kept up to date on every change, so no request path pays for them.
 */
export interface GaugeSource {
  sealed(): boolean;
  /** Tokens in the store now, or undefined while sealed (the gauge then keeps no value). */
  liveTokens(): Promise<number | undefined>;
}

/** A rendered scrape: what the HTTP layer sends as the body. */
export interface MetricsBody {
  contentType: string;
  body: string;
}

/** Latency buckets, seconds: from a cached read (~0.1 ms) to a slow KMS or storage (10 s). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

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
  /**
   * Requests through the pipeline: mount type ("none" when no mount matched), operation, status
   * class ("2xx"...) and namespace (Vault's label: "root", or the namespace's path "team-a/").
   */
  readonly requests = new Counter({
    name: 'coffer_requests_total',
    help: 'Requests handled, by mount type, operation, status class and namespace.',
    labelNames: ['mount_type', 'operation', 'status', 'namespace'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'coffer_request_duration_seconds',
    help: 'Time to handle a request in the core (routing, ACL, audit, handler, wrapping), by mount type, operation and namespace.',
    labelNames: ['mount_type', 'operation', 'namespace'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  /** The request counter and histogram children of each label set seen so far (see recordRequest). */
  private readonly requestSeries = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<string> }>();
  /** Vault's vault.token.creation: auth_method is the issuing mount's type ("token" for auth/token/create). */
  readonly tokenCreations = new Counter({
    name: 'coffer_token_creations_total',
    help: 'Tokens created, by auth method (mount type), mount path and namespace.',
    labelNames: ['auth_method', 'mount_point', 'namespace'] as const,
    registers: [this.registry],
  });
  private source?: GaugeSource;

  constructor() {
    // Every reason appears from the start at 0, so an alert on rate() has a series to watch.
    for (const reason of ['invalid', 'expired', 'already_used'] as const) this.unwrapsFailed.inc({ reason }, 0);
    const metrics = this;
    new Gauge({
      name: 'coffer_core_sealed',
      help: '1 while the server is sealed, 0 once unsealed.',
      registers: [this.registry],
      collect() {
        if (metrics.source) this.set(metrics.source.sealed() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'coffer_tokens_live',
      help: 'Tokens in the token store (service tokens, wrapping tokens included), counted when scraped.',
      registers: [this.registry],
      async collect() {
        const count = await metrics.source?.liveTokens();
        if (count === undefined) this.reset();
        else this.set(count);
      },
    });
  }

  /** Where the gauges read the server's state on each scrape. */
  observe(source: GaugeSource): void {
    this.source = source;
  }

  /** One request through the pipeline, counted and timed; `namespace` is its namespace's path ("" for the root). */
  recordRequest(mountType: string, operation: string, status: number, seconds: number, namespace = ''): void {
    const statusClass = `${Math.floor(status / 100)}xx`;
    const key = `${mountType}\n${operation}\n${statusClass}\n${namespace}`;
    let series = this.requestSeries.get(key);
    if (!series) {
      // prom-client validates label sets on every call; a series' children are resolved once.
      const labels = { mount_type: mountType || 'none', operation, namespace: namespaceLabel(namespace) };
      series = { count: this.requests.labels({ ...labels, status: statusClass }), duration: this.requestDuration.labels(labels) };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
  }

  /** One token made: by a login (auth_method = the method's type) or by auth/token/create ("token"). */
  tokenCreated(authMethod: string, mountPoint: string, namespace = ''): void {
    this.tokenCreations.inc({ auth_method: authMethod, mount_point: mountPoint, namespace: namespaceLabel(namespace) });
  }

  /** sys/metrics in the format asked for: "" or "json" (Vault's shape), or "prometheus"; 400 otherwise. */
  async render(format: string): Promise<MetricsBody> {
    if (format === 'prometheus') return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    if (format !== '' && format !== 'json') throw invalidRequest(`unknown metrics format "${format}"`);
    return { contentType: 'application/json', body: JSON.stringify(await this.json()) };
  }

  /**
   * Vault's JSON shape for sys/metrics (go-metrics' inmem summary): Gauges {Name, Value, Labels},
   * Counters and Samples {Name, Count, Sum, Min, Max, Mean, Stddev, Rate, Labels}. Prometheus
   * counters are totals since start, so Count and Sum are that total; a histogram becomes a sample
   * with its count, sum and mean (prom-client keeps no min, max or deviation: those are null).
   */
  async json(): Promise<Record<string, unknown>> {
    const metrics = (await this.registry.getMetricsAsJSON()) as MetricObjectWithValues<MetricValue<string>>[];
    const gauges: unknown[] = [];
    const counters: unknown[] = [];
    const samples: unknown[] = [];
    for (const metric of metrics) {
      const type = String(metric.type);
      if (type === 'gauge') {
        for (const value of metric.values) gauges.push({ Name: metric.name, Value: value.value, Labels: value.labels });
      } else if (type === 'counter') {
        for (const value of metric.values) counters.push(summary(metric.name, value.value, value.value, value.labels));
      } else if (type === 'histogram') {
        samples.push(...histogramSamples(metric));
      }
    }
    return { Timestamp: new Date().toISOString(), Gauges: gauges, Points: [], Counters: counters, Samples: samples };
  }

  private counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }
}

/** Vault's namespace label: "root" for the root namespace, a namespace's path otherwise. */
function namespaceLabel(path: string): string {
  return path === '' ? 'root' : path;
}

function summary(name: string, count: number, sum: number, labels: Partial<Record<string, string | number>>) {
  return { Name: name, Count: count, Rate: null, Sum: sum, Min: null, Max: null, Mean: count > 0 ? sum / count : 0, Stddev: null, Labels: labels };
}

/** prom-client answers a histogram as _bucket, _sum and _count series; one sample per label set. */
function histogramSamples(metric: MetricObjectWithValues<MetricValue<string>>): unknown[] {
  const byLabels = new Map<string, { labels: Partial<Record<string, string | number>>; count: number; sum: number }>();
  for (const value of metric.values) {
    const name = (value as { metricName?: string }).metricName ?? '';
    if (!name.endsWith('_sum') && !name.endsWith('_count')) continue;
    const key = JSON.stringify(value.labels);
    const entry = byLabels.get(key) ?? { labels: value.labels, count: 0, sum: 0 };
    if (name.endsWith('_sum')) entry.sum = value.value;
    else entry.count = value.value;
    byLabels.set(key, entry);
  }
  return [...byLabels.values()].map((s) => summary(metric.name, s.count, s.sum, s.labels));
}
