import type { Core } from '../../core.js';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, ok, type PathDef } from '../../../framework/types.js';

/** sys/audit (list, enable, disable) and sys/audit-hash, all sudo as in Vault. */
export function auditPaths(core: Core): PathDef[] {
  return [
    definePath({
      pattern: 'audit',
      fields: {},
      sudo: true,
      operations: {
        read: async () =>
          ok(Object.fromEntries(core.audit.list().map((d) => [d.path, { type: d.type, description: d.description, options: d.options, local: d.local, path: d.path }]))),
      },
      description: 'List the enabled audit devices.',
    }),
    definePath({
      pattern: 'audit/:path*',
      fields: {
        path: field.string({ required: true }),
        type: field.string({ description: 'Device type: file, socket or syslog.' }),
        description: field.string(),
        options: field.stringMap({ description: 'Device options (file_path, address, log_raw, hmac_accessor, prefix...).' }),
        local: field.bool(),
      },
      sudo: true,
      operations: {
        update: async (req) => {
          const { path, type, description, options, local } = req.fields;
          if (type === '') throw invalidRequest('type is required');
          await core.audit.enable({ path, type, description, options, local });
          return noContent();
        },
        delete: async (req) => {
          await core.audit.disable(req.fields.path);
          return noContent();
        },
      },
      description: 'Enable or disable an audit device.',
    }),
    definePath({
      pattern: 'audit-hash/:path*',
      fields: { path: field.string({ required: true }), input: field.string({ required: true, description: 'The value to hash.' }) },
      sudo: true,
      operations: { update: async (req) => ok({ hash: core.audit.hash(req.fields.path, req.fields.input) }) },
      description: "Hash a value as an audit device does, to search its log for it.",
    }),
  ];
}
