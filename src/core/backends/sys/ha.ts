import type { HaView } from '../../ha/node.js';
import { definePath, type PathDef } from '../../../framework/types.js';

/**
 * HA endpoints (storage "etcd" with ha_enabled): sys/ha-status lists the nodes in the election;
 * sys/step-down (sudo) makes the active node give up leadership. A standby forwards step-down to
 * the active node and answers ha-status itself.
 */
export function haPaths(ha: HaView): PathDef[] {
  return [
    definePath({
      pattern: 'ha-status',
      fields: {},
      operations: {
        read: async () => ({ data: { nodes: await ha.nodes() } }),
      },
    }),
    definePath({
      pattern: 'step-down',
      fields: {},
      sudo: true,
      operations: {
        // After the response is audited: the next request may already go to another node.
        update: async () => ({ afterResponse: () => ha.stepDown() }),
      },
    }),
  ];
}
