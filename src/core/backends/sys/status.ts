import type { Core } from '../../core.js';
import { definePath, type Backend } from '../../../framework/types.js';
import { field } from '../../../framework/fields.js';
import { COFFER_VERSION } from '../../version.js';
import { invalidRequest } from '../../../framework/errors.js';
import { UnsealProgress } from '../../unseal-progress.js';
import { initializeWithKeyShares } from '../../init-keys.js';
import type { SealMigration } from '../../seal-migration.js';
import type { HaView } from '../../ha/node.js';
import { SYSTEM_MOUNT } from '../../builtin-mounts.js';

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

/**
 * The paths that answer whether the core is sealed or not (sys/health, sys/seal-status, sys/init,
 * sys/unseal, sys/leader). `shamir`: the server's seal is "shamir", so sys/init splits an unseal key.
 * `ephemeral`: the seal's key dies with the process (-dev, seal "local" with ephemeral = true);
 * sys/seal-status then says `ephemeral: true`, a Coffer field Vault clients ignore.
 */
export function statusBackend(core: Core, options: { shamir?: boolean; ephemeral?: boolean; migration?: SealMigration; ha?: HaView } = {}): Backend {
  const { ha } = options;
  const clusterInfo = () => ({ cluster_name: core.clusterName, cluster_id: core.clusterId });
  const unsealProgress = new UnsealProgress(core);
  const sealStatusBody = async () => {
    const initialized = await core.isInitialized();
    const config = initialized ? await core.barrier.sealConfig() : undefined;
    // A KMS seal with recovery keys reports their split as t/n, as Vault does.
    const shamir = config ? (config.shamir ?? config.recovery) : options.shamir ? { shares: 0, threshold: 0 } : undefined;
    const sealed = core.sealed;
    const recoverySeal = config ? config.shamir === undefined : !options.shamir;
    return {
      type: config?.sealType ?? (options.shamir ? 'shamir' : core.sealType),
      // Vault's field for a KMS seal: its recovery key is split with Shamir.
      ...(recoverySeal ? { recovery_seal_type: 'shamir' } : {}),
      ...(options.ephemeral ? { ephemeral: true } : {}),
      initialized,
      sealed,
      t: shamir ? shamir.threshold : 1,
      n: shamir ? shamir.shares : 1,
      ...(sealed ? (options.migration?.inProgress ? options.migration.status() : unsealProgress.status()) : { progress: 0, nonce: '' }),
      version: COFFER_VERSION,
      build_date: '',
      migration: options.migration?.inProgress ?? false,
      recovery_seal: recoverySeal,
      storage_type: core.storageType,
      ...(sealed ? {} : clusterInfo()),
    };
  };

  const health = definePath({
    pattern: 'health',
    fields: healthFields,
    unauthenticated: true,
    operations: {
      read: async (req) => {
        const initialized = await core.isInitialized();
        const sealed = core.sealed;
        const { fields: f } = req;
        // Without HA every unsealed node is active; with it, a standby answers standbycode unless standbyok.
        const standby = !!ha && initialized && !sealed && !ha.active;
        const status = !initialized ? f.uninitcode : sealed ? f.sealedcode : standby && !f.standbyok ? f.standbycode : f.activecode;
        return {
          status,
          bare: {
            initialized,
            sealed,
            standby,
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
      read: async () => ({ bare: await sealStatusBody() }),
    },
  });

  // Vault's sys/unseal: one share per request; answers the seal status. A KMS-sealed store unseals through its KMS.
  const unseal = definePath({
    pattern: 'unseal',
    fields: { key: field.string(), reset: field.bool(), migrate: field.bool() },
    unauthenticated: true,
    operations: {
      update: async (req) => {
        const { key, reset, migrate } = req.fields;
        const migration = options.migration?.inProgress ? options.migration : undefined;
        if (migration && !reset && !migrate) throw invalidRequest('seal migration is pending: submit the shares with migrate=true (coffer operator unseal -migrate)');
        if (!migration && migrate) throw invalidRequest('migrate was given but no seal migration is pending (it needs the old seal stanza with disabled = "true")');
        if (reset) {
          unsealProgress.reset();
          migration?.reset();
        } else if (!key) throw invalidRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
        else if (migration) await migration.submit(core, key);
        else await unsealProgress.submit(key);
        return { bare: await sealStatusBody() };
      },
    },
  });

  const init = definePath({
    pattern: 'init',
    fields: {
      secret_shares: field.int(),
      secret_threshold: field.int(),
      recovery_shares: field.int({ default: 5 }),
      recovery_threshold: field.int({ default: 3 }),
      recovery_pgp_keys: field.any(),
      pgp_keys: field.any(),
      root_token_pgp_key: field.string(),
    },
    unauthenticated: true,
    operations: {
      read: async () => ({ bare: { initialized: await core.isInitialized() } }),
      update: async (req) => {
        const { secret_shares: shares, secret_threshold: threshold, pgp_keys: pgpKeys, root_token_pgp_key: rootTokenPgpKey } = req.fields;
        if ((Array.isArray(pgpKeys) && pgpKeys.length > 0) || (typeof pgpKeys === 'string' && pgpKeys !== '') || rootTokenPgpKey) {
          throw invalidRequest('pgp_keys and root_token_pgp_key are not supported yet: initialize without them');
        }
        // With a KMS seal there are no unseal key shares: a recovery key is split instead (Vault's 5/3 default).
        if (!options.shamir) {
          const pgp = req.fields.recovery_pgp_keys;
          if ((Array.isArray(pgp) && pgp.length > 0) || (typeof pgp === 'string' && pgp !== '')) {
            throw invalidRequest('recovery_pgp_keys is not supported yet: initialize without it');
          }
        }
        const keys = await initializeWithKeyShares(core, options.shamir
          ? { seal: 'shamir', shares, threshold }
          : { seal: 'kms', shares: req.fields.recovery_shares, threshold: req.fields.recovery_threshold });
        return { bare: { ...keys } };
      },
    },
  });

  const leader = definePath({
    pattern: 'leader',
    fields: {},
    unauthenticated: true,
    operations: {
      read: async () => ({
        bare: ha ? haLeader(ha) : {
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

  return { type: SYSTEM_MOUNT.type, paths: [health, sealStatus, init, unseal, leader] };
}

/** sys/leader with HA: who leads, as the etcd election shows it. */
function haLeader(ha: HaView): Record<string, unknown> {
  const leader = ha.leader();
  return {
    ha_enabled: true,
    is_self: ha.active,
    active_time: ha.activeSince?.toISOString() ?? '0001-01-01T00:00:00Z',
    leader_address: leader?.apiAddr ?? '',
    leader_cluster_address: leader?.clusterAddr ?? '',
    performance_standby: false,
    performance_standby_last_remote_wal: 0,
  };
}
