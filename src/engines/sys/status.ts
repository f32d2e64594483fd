import type { Core } from '../../core/core.js';
import { definePath, type Backend } from '../../core/framework/types.js';
import { field } from '../../core/framework/fields.js';
import { COFFER_VERSION } from '../../core/version.js';

/** Vault's sys/health status codes, each overridable by a query parameter of the same meaning. */
const healthFields = {
  standbyok: field.bool(),
  perfstandbyok: field.bool(),
  activecode: field.int({ default: 200 }),
  standbycode: field.int({ default: 429 }),
  drsecondarycode: field.int({ default: 472 }),
  performancestandbycode: field.int({ default: 473 }),
  sealedcode: field.int({ default: 503 }),
  uninitcode: field.int({ default: 501 }),
};

/** The paths that answer whether the core is sealed or not (sys/health, sys/seal-status, sys/init, sys/leader). */
export function statusBackend(core: Core): Backend {
  const clusterInfo = () => ({ cluster_name: core.clusterName, cluster_id: core.clusterId });

  const health = definePath({
    pattern: 'health',
    fields: healthFields,
    unauthenticated: true,
    operations: {
      read: async (req) => {
        const initialized = await core.isInitialized();
        const sealed = core.sealed;
        const { fields: f } = req;
        // Only an active node exists until HA arrives (issue 7); standby codes are parsed for compatibility.
        const status = !initialized ? f.uninitcode : sealed ? f.sealedcode : f.activecode;
        return {
          status,
          bare: {
            initialized,
            sealed,
            standby: false,
            performance_standby: false,
            replication_performance_mode: 'disabled',
            replication_dr_mode: 'disabled',
            server_time_utc: Math.floor(Date.now() / 1000),
            version: COFFER_VERSION,
            enterprise: false,
            ...(initialized && !sealed ? clusterInfo() : {}),
            echo_duration_ms: 0,
            clock_skew_ms: 0,
          },
        };
      },
    },
  });

  const sealStatus = definePath({
    pattern: 'seal-status',
    fields: {},
    unauthenticated: true,
    operations: {
      read: async () => ({
        bare: {
          type: core.sealType,
          initialized: await core.isInitialized(),
          sealed: core.sealed,
          t: 1,
          n: 1,
          progress: 0,
          nonce: '',
          version: COFFER_VERSION,
          build_date: '',
          migration: false,
          recovery_seal: false,
          storage_type: core.storageType,
          ...(core.sealed ? {} : clusterInfo()),
        },
      }),
    },
  });

  const init = definePath({
    pattern: 'init',
    fields: {},
    unauthenticated: true,
    operations: {
      read: async () => ({ bare: { initialized: await core.isInitialized() } }),
      // With a KMS seal there are no unseal key shares: the answer is the first root token.
      update: async () => {
        const { rootToken } = await core.initializeStore();
        return { bare: { keys: [], keys_base64: [], recovery_keys: [], recovery_keys_base64: [], root_token: rootToken } };
      },
    },
  });

  const leader = definePath({
    pattern: 'leader',
    fields: {},
    unauthenticated: true,
    operations: {
      read: async () => ({
        bare: {
          ha_enabled: false,
          is_self: false,
          active_time: '0001-01-01T00:00:00Z',
          leader_address: '',
          leader_cluster_address: '',
          performance_standby: false,
          performance_standby_last_remote_wal: 0,
        },
      }),
    },
  });

  return { type: 'system', paths: [health, sealStatus, init, leader] };
}

