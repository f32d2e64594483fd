import { field } from '../../../framework/fields.js';
import { definePath, ok, type PathDef } from '../../../framework/types.js';
import type { TokenBackendContext } from './context.js';

/** auth/token/accessors (LIST, sudo) and auth/token/tidy. */
export function maintenancePaths({ store }: TokenBackendContext): PathDef[] {
  return [
    definePath({
      // ":suffix*" lets both "accessors" and "accessors/" (how LIST requests arrive) match.
      pattern: 'accessors/:suffix*',
      fields: { suffix: field.string() },
      sudo: true,
      operations: {
        list: async () => ok({ keys: await store.listAccessors() }),
      },
      description: 'List the accessors of all tokens.',
    }),
    definePath({
      pattern: 'tidy',
      fields: {},
      operations: {
        update: async () => {
          if (store.tidyRunning) return { status: 202, data: null, warnings: ['Tidy operation already in progress.'] };
          const counts = await store.tidy();
          // Vault answers 202 and runs tidy in the background; ours is done by now, so say what it did.
          return {
            status: 202,
            data: null,
            warnings: [
              `Tidy operation finished: revoked ${counts.expired} expired, ${counts.danglingChildren} parentless and ` +
                `${counts.abandoned} abandoned tokens, and ${counts.loginMountGone} from disabled auth methods; removed ${counts.danglingAccessors} accessor and ` +
                `${counts.danglingParentLinks} parent index entries.`,
            ],
          };
        },
      },
      description: 'Clean up expired tokens and index entries that point at nothing.',
    }),
  ];
}
