import { Counter, Registry } from 'prom-client';

/** The injector's Prometheus metrics, served at /metrics. */
export class InjectorMetrics {
  readonly registry = new Registry();
  readonly reviews = new Counter({
    name: 'coffer_injector_admission_reviews_total',
    help: 'AdmissionReviews answered, by outcome (mutated, unchanged, refused).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly mutated = new Counter({ name: 'coffer_injector_pods_mutated_total', help: 'Pods injected, by mode.', labelNames: ['mode'], registers: [this.registry] });
  readonly failures = new Counter({
    name: 'coffer_injector_failures_total',
    help: 'Pods that asked for injection and were refused, by reason (bad_annotations, not_allowed, coffer_unavailable, coffer_refused, not_wrapped), malformed reviews (bad_request) and callers without a client certificate (unauthenticated).',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly wraps = new Counter({ name: 'coffer_injector_wraps_issued_total', help: 'Wrapping tokens minted for wrapped-token pods.', registers: [this.registry] });
}
