import type { Core } from '../../core.js';
import { field } from '../../../framework/fields.js';
import { definePath, type PathDef } from '../../../framework/types.js';

/**
 * sys/metrics: Vault's JSON shape by default (the summary itself as the body, not in `data`, as
 * Vault answers it), Prometheus text with ?format=prometheus. Needs a token with read here; a
 * listener with telemetry.unauthenticated_metrics_access serves it before the pipeline instead.
 */
export function metricsPaths(core: Core): PathDef[] {
  return [
    definePath({
      pattern: 'metrics',
      fields: { format: field.string({ description: 'json (default) or prometheus.' }) },
      operations: {
        read: async (req) => ({ raw: await core.metrics.render(req.fields.format) }),
      },
    }),
  ];
}
