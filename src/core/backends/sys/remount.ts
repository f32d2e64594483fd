import type { Core } from '../../core.js';
import { field } from '../../../framework/fields.js';
import { definePath, notFound, ok, type PathDef } from '../../../framework/types.js';

/**
 * sys/remount and sys/remount/status/:migration_id (Vault ≥ 1.10): move a secrets engine or an
 * auth method to another path, and follow the move. The move itself is core/remount.ts.
 */
export function remountPaths(core: Core): PathDef[] {
  return [
    definePath({
      pattern: 'remount',
      fields: {
        from: field.string({ description: 'The mount to move, e.g. "secret" or "auth/userpass".' }),
        to: field.string({ description: 'Its new path; an auth method stays under "auth/".' }),
      },
      // Vault lists "remount" among the system backend's root paths: update and sudo.
      sudo: true,
      operations: {
        update: async (req) => {
          const id = await core.remounts.start(req.fields.from, req.fields.to);
          return {
            data: { migration_id: id },
            warnings: ["Mount move has been queued. Progress will be reported in Coffer's server log, tagged with the returned migration_id"],
          };
        },
      },
      description: 'Moves a mounted secrets engine or auth method to a new path, keeping its data.',
    }),
    definePath({
      pattern: 'remount/status/:migration_id',
      fields: { migration_id: field.string({ description: 'The id sys/remount answered.' }) },
      operations: {
        read: async (req) => {
          const info = core.remounts.status(req.fields.migration_id);
          return info ? ok({ migration_id: req.fields.migration_id, migration_info: info }) : notFound();
        },
      },
      description: "A mount move's source, target and status (in-progress, success or failure).",
    }),
  ];
}
