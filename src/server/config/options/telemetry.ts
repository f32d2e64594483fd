import type { ConfigBlock } from '../../config-options.js';

/** The top-level `telemetry` stanza (a listener's is in listener.ts). */
export const TELEMETRY_BLOCK: ConfigBlock = {
  id: 'telemetry',
  summary:
    "Vault's top-level telemetry stanza. Coffer always serves its metrics in Prometheus form at `sys/metrics` and forwards them nowhere, so the options below are accepted for compatibility and change nothing; Vault's sink options (statsd, statsite, Circonus, DogStatsD, Stackdriver) are refused.",
  options: [
    { name: 'usage_gauge_period', type: 'duration', default: '"10m"', description: 'Accepted; no effect.', example: '"5m"' },
    { name: 'maximum_gauge_cardinality', type: 'int', default: '500', description: 'Accepted; no effect.', example: '100' },
    { name: 'disable_hostname', type: 'bool', default: 'false', description: 'Accepted; no effect (metric names never carry the host name).', example: 'true' },
    { name: 'enable_hostname_label', type: 'bool', default: 'false', description: 'Accepted; no effect.', example: 'true' },
    { name: 'metrics_prefix', type: 'string', default: '"vault"', description: 'Accepted; no effect: metric names always begin with `coffer_`.', example: '"coffer"' },
    { name: 'lease_metrics_epsilon', type: 'duration', default: '"1h"', description: 'Accepted; no effect.', example: '"30m"' },
    { name: 'num_lease_metrics_buckets', type: 'int', default: '168', description: 'Accepted; no effect.', example: '24' },
    { name: 'add_lease_metrics_namespace_labels', type: 'bool', default: 'false', description: 'Accepted; no effect.', example: 'true' },
    { name: 'filter_default', type: 'bool', default: 'true', description: 'Accepted; no effect.', example: 'false' },
    { name: 'prefix_filter', type: 'string list', description: 'Accepted; no effect.', example: '["-vault.expire"]' },
    { name: 'prometheus_retention_time', type: 'duration', default: '"24h"', description: 'Accepted; no effect (`sys/metrics` always answers with current values).', example: '"30s"' },
  ],
  unknownHint: ' (Coffer forwards metrics to no sink: scrape sys/metrics instead)',
};
