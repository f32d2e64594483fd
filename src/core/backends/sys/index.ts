import type { Core } from '../../core.js';
import type { Backend, PathDef } from '../../../framework/types.js';
import { auditPaths } from './audit.js';
import { capabilityPaths } from './capabilities.js';
import { loggerPaths, type LoggerLevels } from './loggers.js';
import { metricsPaths } from './metrics.js';
import { mountPaths } from './mounts.js';
import { namespacePaths } from './namespaces.js';
import { policyPaths } from './policies.js';
import { quotaPaths } from './quotas.js';
import { sealPaths } from './seal.js';
import { rotatePaths } from './rotate.js';
import { kmsRewrapPaths } from './kms-rewrap.js';
import { rekeyPaths } from './rekey.js';
import { generateRootPaths } from './generate-root.js';
import { remountPaths } from './remount.js';
import { snapshotPaths } from './snapshot.js';
import { uiMountPaths } from './ui-mounts.js';
import { wrappingPaths } from './wrapping.js';
import { haPaths } from './ha.js';
import { leasePaths } from './leases.js';
import type { HaView } from '../../ha/node.js';
import { SYSTEM_MOUNT } from '../../builtin-mounts.js';

export { statusBackend } from './status.js';
export type { LoggerLevels } from './loggers.js';

/**
 * The system backend mounted at sys/: mounts, auth methods, policies, capabilities, wrapping, metrics, audit.
 * `tools` are sys/tools/hash and sys/tools/random, handed in by the server (they are transit's
 * handlers, and core/ imports no engine).
 */
export function sysBackend(core: Core, options: { loggers?: LoggerLevels; ha?: HaView; tools?: PathDef[] } = {}): Backend {
  return {
    type: SYSTEM_MOUNT.type,
    paths: [
      ...mountPaths(core, 'secret'),
      ...mountPaths(core, 'auth'),
      ...policyPaths(core),
      ...namespacePaths(core),
      ...capabilityPaths(core),
      ...uiMountPaths(core),
      ...wrappingPaths(core),
      ...leasePaths(core),
      ...metricsPaths(core),
      ...auditPaths(core),
      ...quotaPaths(core),
      ...sealPaths(core),
      ...rotatePaths(core),
      ...kmsRewrapPaths(core),
      ...rekeyPaths(core),
      ...generateRootPaths(core),
      ...remountPaths(core),
      ...snapshotPaths(core),
      ...(options.loggers ? loggerPaths(options.loggers) : []),
      ...(options.ha ? haPaths(options.ha) : []),
      ...(options.tools ?? []),
    ],
  };
}
