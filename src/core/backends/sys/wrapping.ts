import type { Core } from '../../core.js';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type PathDef } from '../../../framework/types.js';

const tokenField = { token: field.string({ description: 'The wrapping token; or send it as X-Vault-Token with no body.' }) };

/**
 * sys/wrapping/{wrap,unwrap,lookup,rewrap}. Wrapping itself is a pipeline step (core/wrapping.ts);
 * these paths only expose its operations.
 */
export function wrappingPaths(core: Core): PathDef[] {
  return [
    definePath({
      pattern: 'wrapping/wrap',
      fields: {},
      arbitraryData: true,
      storedData: 'whole',
      operations: {
        // The answer is the body itself, which the pipeline then wraps; unwrapped it would be an echo.
        // An empty body wraps an empty payload, as in Vault (unwrap then answers `"data": {}`; Vault
        // says `null` when no body at all was sent, which our HTTP layer does not tell from `{}`).
        update: async (req) => {
          if (!req.wrapTtl) throw invalidRequest('must specify a wrap TTL (X-Vault-Wrap-TTL)');
          return ok({ ...req.raw });
        },
      },
    }),
    definePath({
      pattern: 'wrapping/unwrap',
      fields: tokenField,
      // It hands out the wrapped response, whatever it is.
      returnsSecret: ['update'],
      storedData: 'whole',
      operations: {
        update: async (req) => {
          const { requestId, mountType, resp } = await core.wrapping.unwrap(req.fields.token, req.mount.namespace);
          return { ...resp, origin: { requestId, mountType } };
        },
      },
    }),
    definePath({
      pattern: 'wrapping/lookup',
      fields: tokenField,
      unauthenticated: true,
      operations: {
        update: async (req) => ok({ ...(await core.wrapping.lookup(req.fields.token, req.mount.namespace)) }),
        read: async (req) => ok({ ...(await core.wrapping.lookup(req.fields.token, req.mount.namespace)) }),
      },
    }),
    definePath({
      pattern: 'wrapping/rewrap',
      fields: tokenField,
      operations: {
        update: async (req) => {
          return { wrapInfo: await core.wrapping.rewrap(req.fields.token, req.mount.namespace) };
        },
      },
    }),
  ];
}
