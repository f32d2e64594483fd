import type { Logger } from 'pino';
import { isSealedVersion, type DataKeys, type SealedVersion } from '../data-keys.js';
import { ConditionFailed, type MountStorage, type SealedEntryRef } from '../../framework/types.js';

/** `kms_rewrap { enabled, max_per_sec, interval }` in the server config. */
export interface RewrapSettings {
  /** Watch the KMS for key rotations and re-wrap on its own; a forced pass works either way. */
  enabled: boolean;
  /** At most this many data keys re-wrapped (KMS calls) per second. */
  maxPerSec: number;
  /** How often to ask the KMS for its current key version. */
  intervalMs: number;
}

export const DEFAULT_REWRAP: RewrapSettings = { enabled: false, maxPerSec: 50, intervalMs: 60_000 };

/** Where data-key-wrapped entries live: one per mount whose backend declares them (KV v2). */
export interface SealedEntrySource {
  mount: string;
  store: MountStorage;
  entries: (store: MountStorage) => AsyncIterable<SealedEntryRef>;
}

export interface RewrapWorkerOptions {
  dataKeys: DataKeys;
  /** The worker's own state entry area in the barrier (core/kms-rewrap/). */
  state: MountStorage;
  /** The mounts to sweep, asked at the start of every pass (mounts come and go). */
  sources: () => SealedEntrySource[];
  settings: RewrapSettings;
  logger: Logger;
  /**
   * Whether this node is the active one. Only the active node re-wraps (a standby answers false);
   * a pass that finds the node no longer active stops at its next version.
   */
  isActive: () => boolean;
  /** Re-wraps the barrier's root key onto the KMS's current key (true when it changed), at the start of each pass. */
  rewrapRootKey?: () => Promise<boolean>;
  now?: () => number;
}

/** What is stored at core/kms-rewrap/state. */
interface StoredState {
  /** Whether the worker was enabled when last started: enabling (false → true) adopts the baseline. */
  enabled: boolean;
  /** The KMS key version every version was last brought onto; null until adopted or a pass completes. */
  baseline_key_version: string | null;
  rewrapped_total: number;
  last_pass_started: string | null;
  last_pass_finished: string | null;
}

/** Counts of one pass. */
export interface PassCounts {
  rewrapped: number;
  /** Already on the current key, or not a sealed entry. */
  skipped_current: number;
  /** Destroyed, pruned or deleted before (or while) it was re-wrapped. */
  skipped_gone: number;
  failed: number;
  /** Stopped before the end (shutdown, seal, standby, or a KMS outage): the next pass resumes. */
  interrupted: boolean;
}

export interface RewrapStatus {
  enabled: boolean;
  baseline_key_version: string | null;
  current_key_version: string;
  current_key_id: string;
  pending_versions: number;
  rewrapped_total: number;
  last_pass_started: string | null;
  last_pass_finished: string | null;
  last_pass: PassCounts | null;
  last_error: string | null;
  running: boolean;
  max_per_sec: number;
}

const STATE_KEY = 'state';
/** Consecutive failures that end a pass: the KMS is likely down, not one version bad. */
const MAX_CONSECUTIVE_FAILURES = 3;
/** Attempts at one version when a concurrent change keeps winning its conditioned put. */
const MAX_ATTEMPTS = 3;

type Outcome = 'rewrapped' | 'current' | 'gone' | 'stopped';

/**
 * Re-wraps the DEK of every live data-key-wrapped entry (KV v2 version) onto the KMS's current key
 * after a key rotation. Progress is the entries themselves: one already wrapped by the current key
 * (its kms_key_id) is skipped, so a pass is idempotent and an interrupted one resumes where it
 * stopped. Each entry is replaced by a put conditioned on the entry's storage version, so a
 * concurrent destroy or write wins. Passes are paced (`maxPerSec` KMS calls per second) and run one
 * at a time. Enabling adopts the KMS's current version as the baseline without a pass; a later
 * rotation (current version ≠ baseline) starts one, and the baseline moves once a pass completes.
 */
export class RewrapWorker {
  private readonly now: () => number;
  private state: StoredState = { enabled: false, baseline_key_version: null, rewrapped_total: 0, last_pass_started: null, last_pass_finished: null };
  private queue: Promise<void> = Promise.resolve();
  /** A pass is queued or running (status `running`); only the pass itself clears it. */
  private passPending = false;
  /** A rotation check is queued: slow KMS answers do not pile up checks. */
  private checkQueued = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private lastPass: PassCounts | null = null;
  private lastError: string | null = null;
  /** Wakes a paced wait early on stop. */
  private wake?: () => void;

  constructor(private readonly options: RewrapWorkerOptions) {
    this.now = options.now ?? Date.now;
  }

  get settings(): RewrapSettings {
    return this.options.settings;
  }

  /** Loads the stored state and, when enabled, checks for a rotation now and every interval. */
  async start(): Promise<void> {
    this.state = { ...this.state, ...(await this.options.state.get<StoredState>(STATE_KEY)) };
    if (!this.settings.enabled) {
      // Remember the worker is off, so enabling it later adopts the then-current key as baseline.
      if (this.state.enabled) await this.save({ enabled: false });
      return;
    }
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.settings.intervalMs);
    this.timer.unref();
  }

  /** Stops watching, interrupts a running pass at its next version and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.wake?.();
    await this.queue;
    this.passPending = false;
  }

  /** Starts a pass now unless one is already queued or running (sys/kms/rewrap). */
  force(): void {
    if (this.passPending || this.stopped) return;
    this.passPending = true;
    this.enqueue(() => this.runPass());
  }

  /** The worker's state; counts pending versions by reading entries (no KMS call but the version check). */
  async status(): Promise<RewrapStatus> {
    const current = await this.currentKeyVersion();
    const keyId = this.options.dataKeys.kms.keyId;
    let pending = 0;
    for (const source of this.options.sources()) {
      for await (const ref of source.entries(source.store)) {
        const stored = await source.store.get<unknown>(ref.key);
        if (isSealedVersion(stored) && stored.kms_key_id !== keyId) pending++;
      }
    }
    return {
      enabled: this.settings.enabled,
      baseline_key_version: this.state.baseline_key_version,
      current_key_version: current,
      current_key_id: keyId,
      pending_versions: pending,
      rewrapped_total: this.state.rewrapped_total,
      last_pass_started: this.state.last_pass_started,
      last_pass_finished: this.state.last_pass_finished,
      last_pass: this.lastPass,
      last_error: this.lastError,
      running: this.passPending,
      max_per_sec: this.settings.maxPerSec,
    };
  }

  /** One look at the KMS: adopt a baseline when just enabled, start a pass after a rotation. */
  private async tick(): Promise<void> {
    if (this.stopped || this.passPending || this.checkQueued || !this.options.isActive()) return;
    this.checkQueued = true;
    this.enqueue(async () => {
      this.checkQueued = false;
      const current = await this.currentKeyVersion();
      if (!this.state.enabled || this.state.baseline_key_version === null) {
        await this.save({ enabled: true, baseline_key_version: current });
        this.options.logger.info({ key_version: current }, 'KMS re-wrap enabled: the current key version is the baseline (no pass)');
        return;
      }
      if (current !== this.state.baseline_key_version && !this.passPending) {
        this.options.logger.info({ from: this.state.baseline_key_version, to: current }, 'KMS key rotated: re-wrapping data keys');
        this.passPending = true;
        await this.runPass();
      }
    });
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.stopped) return;
      try {
        await work();
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.options.logger.error({ error: this.lastError }, 'KMS re-wrap failed');
      }
    });
  }

  private async runPass(): Promise<void> {
    try {
      await this.pass();
    } finally {
      this.passPending = false;
    }
  }

  /** The KMS's current key version (its keyId follows it); its keyId when it has no versions to ask about. */
  private async currentKeyVersion(): Promise<string> {
    const kms = this.options.dataKeys.kms;
    return kms.currentKeyVersion ? kms.currentKeyVersion() : kms.keyId;
  }

  private async pass(): Promise<void> {
    const version = await this.currentKeyVersion();
    const target = this.options.dataKeys.kms.keyId;
    const startedAt = this.now();
    const counts: PassCounts = { rewrapped: 0, skipped_current: 0, skipped_gone: 0, failed: 0, interrupted: false };
    this.lastPass = counts;
    this.lastError = null;
    await this.save({ last_pass_started: new Date(startedAt).toISOString() });
    // The root key too, or the old KMS key version could never be retired.
    if (await this.options.rewrapRootKey?.()) this.options.logger.info({ key_id: target }, 'barrier root key re-wrapped onto the current KMS key');
    let paced = 0;
    // The n-th KMS call of the pass starts no earlier than n / max_per_sec seconds after the first.
    const pace = async () => {
      const due = startedAt + (paced++ * 1000) / this.settings.maxPerSec;
      await this.sleepUntil(due);
    };
    let consecutiveFailures = 0;
    outer: for (const source of this.options.sources()) {
      for await (const ref of source.entries(source.store)) {
        if (this.stopped || !this.options.isActive()) {
          counts.interrupted = true;
          break outer;
        }
        try {
          const outcome = await this.rewrapOne(source.store, ref, target, pace);
          consecutiveFailures = 0;
          if (outcome === 'stopped') {
            counts.interrupted = true;
            break outer;
          }
          if (outcome === 'rewrapped') {
            counts.rewrapped++;
            await this.save({ rewrapped_total: this.state.rewrapped_total + 1 });
          } else if (outcome === 'current') counts.skipped_current++;
          else counts.skipped_gone++;
        } catch (err) {
          counts.failed++;
          this.lastError = `${source.mount}${ref.key}: ${err instanceof Error ? err.message : String(err)}`;
          this.options.logger.error({ mount: source.mount, error: this.lastError }, 'KMS re-wrap of a data key failed');
          if (++consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
            counts.interrupted = true;
            break outer;
          }
        }
      }
    }
    if (counts.interrupted || counts.failed > 0) {
      this.options.logger.warn({ ...counts }, 'KMS re-wrap pass incomplete; the next pass resumes');
      return;
    }
    // Complete: every live version is on `target`; a worker that is watching moves its baseline.
    await this.save({
      last_pass_finished: new Date(this.now()).toISOString(),
      ...(this.settings.enabled ? { enabled: true, baseline_key_version: version } : {}),
    });
    this.options.logger.info({ ...counts, key_version: version }, 'KMS re-wrap pass complete');
  }

  /** Re-wraps one entry unless it is already on `target` or gone; a concurrent change wins, then it is looked at again. */
  private async rewrapOne(store: MountStorage, ref: SealedEntryRef, target: string, pace: () => Promise<void>): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      const entry = await store.getVersioned<unknown>(ref.key);
      if (!entry) return 'gone';
      if (!isSealedVersion(entry.value) || entry.value.kms_key_id === target) return 'current';
      await pace();
      if (this.stopped) return 'stopped';
      const rewrapped: SealedVersion = await this.options.dataKeys.rewrap(entry.value, ref.aad);
      try {
        await store.transaction([{ type: 'put', key: ref.key, value: { ...entry.value, ...rewrapped } }], [{ type: 'version', key: ref.key, version: entry.version }]);
        return 'rewrapped';
      } catch (err) {
        if (!(err instanceof ConditionFailed) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  private sleepUntil(due: number): Promise<void> {
    const wait = due - this.now();
    if (wait <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, wait);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async save(change: Partial<StoredState>): Promise<void> {
    this.state = { ...this.state, ...change };
    await this.options.state.put(STATE_KEY, this.state);
  }
}
