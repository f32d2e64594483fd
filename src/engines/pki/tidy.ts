import type { Logger } from 'pino';
import { field } from '../../framework/fields.js';
import type { MountStorage } from '../../framework/types.js';
import { KEYS, type CertEntry, type RevokedEntry } from './model.js';

/** What a tidy run does (Vault's tidy parameters that Coffer has; durations in seconds). */
export interface TidyParams {
  tidy_cert_store: boolean;
  tidy_revoked_certs: boolean;
  tidy_revoked_cert_issuer_associations: boolean;
  safety_buffer: number;
  pause_duration: number;
}

/** config/auto-tidy: a tidy run every interval_duration when enabled. */
export interface AutoTidyConfig extends TidyParams {
  enabled: boolean;
  interval_duration: number;
}

export const tidyFields = {
  tidy_cert_store: field.bool({ description: 'Remove expired certificates from the store.' }),
  tidy_revoked_certs: field.bool({ description: 'Remove expired revoked certificates (and rebuild the CRLs).' }),
  tidy_revoked_cert_issuer_associations: field.bool({ description: 'Accepted; revocations always carry their issuer here.' }),
  safety_buffer: field.duration({ default: 72 * 3600, description: 'How long past expiry a certificate is kept.' }),
  pause_duration: field.duration({ description: 'Pause between certificates.' }),
};

export const DEFAULT_AUTO_TIDY: AutoTidyConfig = {
  enabled: false,
  interval_duration: 12 * 3600,
  tidy_cert_store: false,
  tidy_revoked_certs: false,
  tidy_revoked_cert_issuer_associations: false,
  safety_buffer: 72 * 3600,
  pause_duration: 0,
};

type State = 'Inactive' | 'Running' | 'Finished' | 'Error' | 'Cancelling' | 'Cancelled';

interface Status {
  state: State;
  params: TidyParams | undefined;
  error: string | null;
  message: string;
  timeStarted: number | undefined;
  timeFinished: number | undefined;
  certStoreDeleted: number;
  revokedDeleted: number;
}

/**
 * The mount's tidy: one run at a time, in the background, removing certificates (and revocations)
 * whose notAfter plus safety_buffer has passed; the status is this node's, in memory, as Vault's.
 */
export class Tidy {
  private status: Status = { state: 'Inactive', params: undefined, error: null, message: '', timeStarted: undefined, timeFinished: undefined, certStoreDeleted: 0, revokedDeleted: 0 };
  private cancelled = false;
  /** When the last automatic run ended (unix ms); the mount's start counts as one, as in Vault. */
  lastAutoTidyFinished: number;

  constructor(
    private readonly logger: Logger,
    now: number,
  ) {
    this.lastAutoTidyFinished = now;
  }

  get running(): boolean {
    return this.status.state === 'Running' || this.status.state === 'Cancelling';
  }

  /** Starts a run; false when one is already running. `rebuild` runs when revocations were removed. */
  start(store: MountStorage, params: TidyParams, now: () => number, rebuild: () => Promise<void>, auto = false): boolean {
    if (this.running) return false;
    this.cancelled = false;
    this.status = { state: 'Running', params, error: null, message: 'Tidying certificate store', timeStarted: now(), timeFinished: undefined, certStoreDeleted: 0, revokedDeleted: 0 };
    void this.run(store, params, now, rebuild).then(
      () => {
        this.status.state = this.cancelled ? 'Cancelled' : 'Finished';
        this.finish(now(), auto);
      },
      (err: unknown) => {
        this.status.state = 'Error';
        this.status.error = (err as Error).message;
        this.logger.warn({ error: (err as Error).message }, 'pki: tidy failed');
        this.finish(now(), auto);
      },
    );
    return true;
  }

  cancel(): void {
    if (this.status.state === 'Running') {
      this.cancelled = true;
      this.status.state = 'Cancelling';
    }
  }

  private finish(at: number, auto: boolean): void {
    this.status.timeFinished = at;
    this.status.message = '';
    if (auto) this.lastAutoTidyFinished = at;
  }

  private async run(store: MountStorage, params: TidyParams, now: () => number, rebuild: () => Promise<void>): Promise<void> {
    const expired = (notAfter: number) => notAfter * 1000 + params.safety_buffer * 1000 < now();
    const pause = () => (params.pause_duration > 0 ? new Promise((r) => setTimeout(r, params.pause_duration * 1000)) : Promise.resolve());
    if (params.tidy_cert_store) {
      const serials = await store.list(KEYS.certs);
      for (const [i, serial] of serials.entries()) {
        if (this.cancelled) return;
        this.status.message = `Tidying certificate store: checking entry ${i + 1} of ${serials.length}`;
        const entry = await store.get<CertEntry>(`${KEYS.certs}${serial}`);
        if (entry && expired(entry.notAfter)) {
          await store.delete(`${KEYS.certs}${serial}`);
          this.status.certStoreDeleted++;
        }
        await pause();
      }
    }
    if (params.tidy_revoked_certs) {
      const serials = await store.list(KEYS.revokedList);
      for (const [i, serial] of serials.entries()) {
        if (this.cancelled) break;
        this.status.message = `Tidying revoked certificates: checking certificate ${i + 1} of ${serials.length}`;
        const entry = await store.get<RevokedEntry>(`${KEYS.revokedList}${serial}`);
        if (entry && expired(entry.notAfter)) {
          await store.transaction([
            { type: 'delete', key: `${KEYS.revokedList}${serial}` },
            { type: 'delete', key: `${KEYS.certs}${serial}` },
          ]);
          this.status.revokedDeleted++;
        }
        await pause();
      }
      if (this.status.revokedDeleted > 0) await rebuild();
    }
  }

  /** tidy-status as Vault answers it. */
  describe(): Record<string, unknown> {
    const s = this.status;
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      state: s.state,
      error: s.error,
      message: s.message,
      time_started: iso(s.timeStarted),
      time_finished: iso(s.timeFinished),
      safety_buffer: s.params?.safety_buffer ?? null,
      pause_duration: s.params ? `${s.params.pause_duration}s` : null,
      tidy_cert_store: s.params?.tidy_cert_store ?? null,
      tidy_revoked_certs: s.params?.tidy_revoked_certs ?? null,
      tidy_revoked_cert_issuer_associations: s.params?.tidy_revoked_cert_issuer_associations ?? null,
      tidy_expired_issuers: null,
      tidy_move_legacy_ca_bundle: null,
      cert_store_deleted_count: s.certStoreDeleted,
      revoked_cert_deleted_count: s.revokedDeleted,
      missing_issuer_cert_count: 0,
      last_auto_tidy_finished: new Date(this.lastAutoTidyFinished).toISOString(),
    };
  }
}
