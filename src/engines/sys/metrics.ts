import type { Core } from '../../core/core.js';
import { invalidRequest } from '../../core/errors.js';
import { field } from '../../core/framework/fields.js';
import { definePath, ok, type PathDef } from '../../core/framework/types.js';

/** sys/metrics: Vault's JSON shape by default, Prometheus text with ?format=prometheus. */
export function metricsPaths(core: Core): PathDef[] {
  return [
    definePath({
      pattern: 'metrics',
      fields: { format: field.string() },
      operations: {
        read: async (req) => {
          const { format } = req.fields;
          if (format === 'prometheus') {
            return { raw: { contentType: core.metrics.prometheusContentType, body: await core.metrics.prometheus() } };
          }
          if (format !== '' && format !== 'json') throw invalidRequest(`unknown metrics format "${format}"`);
          return ok(await core.metrics.json());
        },
      },
    }),
  ];
}
