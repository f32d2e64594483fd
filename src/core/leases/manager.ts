import type { Logger } from 'pino';
import { CofferError, invalidRequest } from '../../framework/errors.js';
import type { LeasedSecret, LeasedSecretState, MountInfo, MountStorage, SecretType } from '../../framework/types.js';
import { randomBase62 } from '../token/ids.js';
import { calculateTtl } from '../token/ttl.js';
import type { LeaseEntry } from './entry.js';
import { LeaseStore } from './store.js';

/** What the expiration manager needs from the core: the backends, the mounts' TTLs, the tokens. */
export interface LeaseHost {
  /** The lease's secret type with its mount's storage; undefined when the mount or the type is gone. */
  secretOf(lease: LeaseEntry): { type: SecretType; store: MountStorage; mount: MountInfo } | undefined;
  /** The mount's lease TTLs in seconds, tuned or the system's. */
  mountTtls(mountUuid: string): { defaultTtl: number; maxTtl: number };
  /** Unix ms at which the token ends (undefined: it never does, or it is gone). */
  tokenEnd(tokenId: string): Promise<number | undefined>;
  /** HA: only the active node expires leases. */
  isActive(): boolean;
  logger: Logger;
}

export interface ExpirationSettings {
  /** Revocation attempts before a lease is marked irrevocable (OpenBao: 6). */
  maxRevokeAttempts: number;
  /** The first retry's delay; each next one doubles, with jitter, up to `maxRetryMs`. */
  retryBaseMs: number;
  maxRetryMs: number;
  /** Revocations run at once by one expiry pass, and leases taken per pass. */
  concurrency: number;
  batch: number;
}

export const DEFAULT_EXPIRATION: ExpirationSettings = { maxRevokeAttempts: 6, retryBaseMs: 10_000, maxRetryMs: 10 * 60_000, concurrency: 16, batch: 1_000 };

/** What a registration, or a renewal, answers: the lease as the response carries it. */
export interface LeaseAnswer {
  lease: { id: string; duration: number; renewable: boolean };
  warnings: string[];
}

const IDLE_RECHECK_MS = 60_000;
const STANDBY_RECHECK_MS = 1_000;

/**
 * Vault's expiration manager: registers the leases the pipeline finds in responses, renews and
 * revokes them on request, and revokes each when it expires by calling its backend's secret type.
 * One timer, set for the earliest expiry read from the time index; a failed revocation is retried
 * with exponential backoff and jitter, then the lease is marked irrevocable (never dropped).
 */
export class ExpirationManager {
  private readonly store: LeaseStore;
  private readonly settings: ExpirationSettings;
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private running = false;
  private passing?: Promise<void>;
  private passAgain = false;
  /** Revocations under way, so the timer and a request never revoke one lease twice at once. */
  private readonly revoking = new Map<string, Promise<void>>();

  constructor(
    storage: MountStorage,
    private readonly host: LeaseHost,
    settings: Partial<ExpirationSettings> = {},
    now: () => number = Date.now,
  ) {
    this.store = new LeaseStore(storage);
    this.settings = { ...DEFAULT_EXPIRATION, ...settings };
    this.now = now;
  }

  start(): void {
    this.running = true;
    this.schedule(this.now());
  }

  /** Stops the timer and waits for the pass under way. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    await this.passing;
    await Promise.allSettled(this.revoking.values());
  }

  /** Puts a response's secret under a new lease, owned by the token that asked for it. */
  async register(params: { mount: MountInfo; path: string; secret: LeasedSecret; tokenId: string }): Promise<LeaseAnswer> {
    const { mount, path, secret, tokenId } = params;
    const now = this.now();
    const ttls = this.host.mountTtls(mount.uuid);
    const maxTtl = secret.maxTtl ? Math.min(secret.maxTtl, ttls.maxTtl) : ttls.maxTtl;
    const computed = calculateTtl({ increment: 0, ttl: secret.ttl ?? 0, period: 0, explicitMaxTtl: 0, defaultTtl: ttls.defaultTtl, maxTtl, start: Math.floor(now / 1000), now: Math.floor(now / 1000) });
    const ttl = await this.cappedByToken(Math.floor(computed.ttl), tokenId, now, computed.warnings);
    const entry: LeaseEntry = {
      id: `${path}/${randomBase62(24)}`,
      path,
      mountUuid: mount.uuid,
      mountAccessor: mount.accessor,
      mountPath: mount.path,
      ...(mount.namespace && mount.namespace.path !== '' ? { namespaceId: mount.namespace.id } : {}),
      secretType: secret.type,
      internal: secret.internal,
      tokenId,
      issueTime: now,
      expireTime: now + ttl * 1000,
      renewable: secret.renewable ?? true,
    };
    await this.store.put(entry);
    this.schedule(entry.expireTime);
    return { lease: { id: entry.id, duration: ttl, renewable: this.isRenewable(entry) }, warnings: computed.warnings };
  }

  lookup(id: string): Promise<LeaseEntry | undefined> {
    return this.store.get(id);
  }

  /** The children of a lease-id prefix ("database/creds/" → ["readonly/"]). */
  list(prefix: string): Promise<string[]> {
    return this.store.list(prefix);
  }

  /** Vault's renew: `increment` seconds from now (0: the role's or mount's default), within the max TTL and the token's life. */
  async renew(id: string, increment: number): Promise<LeaseAnswer> {
    const entry = await this.store.get(id);
    if (!entry) throw invalidRequest('lease not found');
    const target = this.host.secretOf(entry);
    if (!this.isRenewable(entry) || !target?.type.renewLimits || !target.type.extend) throw invalidRequest('lease is not renewable');
    const state = stateOf(entry);
    const limits = await target.type.renewLimits(state, target.store, target.mount);
    const ttls = this.host.mountTtls(entry.mountUuid);
    const maxTtl = limits.maxTtl ? Math.min(limits.maxTtl, ttls.maxTtl) : ttls.maxTtl;
    const now = this.now();
    const computed = calculateTtl({ increment, ttl: limits.ttl ?? 0, period: 0, explicitMaxTtl: 0, defaultTtl: ttls.defaultTtl, maxTtl, start: Math.floor(entry.issueTime / 1000), now: Math.floor(now / 1000) });
    const ttl = await this.cappedByToken(Math.floor(computed.ttl), entry.tokenId, now, computed.warnings);
    const expireTime = now + ttl * 1000;
    await target.type.extend(state, new Date(expireTime), target.store, target.mount);
    await this.store.put({ ...entry, expireTime, lastRenewalTime: now }, entry);
    this.schedule(expireTime);
    return { lease: { id, duration: ttl, renewable: true }, warnings: computed.warnings };
  }

  /**
   * Revokes one lease: now, answering the backend's failure (`sync`), or by making it due and
   * letting the expiry pass revoke it, with its retries. An unknown lease is not an error, as in Vault.
   */
  async revoke(id: string, sync = true): Promise<void> {
    const entry = await this.store.get(id);
    if (!entry) return;
    if (sync) await this.revokeNow(entry);
    else await this.expireNow(entry);
  }

  /** Every lease under `prefix` (revoke-prefix). `force` drops each even when its backend fails (revoke-force). */
  async revokePrefix(prefix: string, options: { sync?: boolean; force?: boolean } = {}): Promise<void> {
    for await (const id of this.store.idsUnder(prefix)) {
      const entry = await this.store.get(id);
      if (!entry) continue;
      if (options.force) await this.revokeNow(entry, true);
      else if (options.sync ?? true) await this.revokeNow(entry);
      else await this.expireNow(entry);
    }
  }

  /** A token is revoked (or expired): its leases become due now and the expiry pass revokes them. */
  async revokeToken(tokenId: string): Promise<void> {
    for (const id of await this.store.idsOfToken(tokenId)) {
      const entry = await this.store.get(id);
      if (entry) await this.expireNow(entry);
    }
  }

  /** Leases whose token no longer exists become due (Vault's sys/leases/tidy). Answers how many. */
  async tidy(tokenExists: (tokenId: string) => Promise<boolean>): Promise<number> {
    let orphans = 0;
    for await (const id of this.store.idsUnder('')) {
      const entry = await this.store.get(id);
      if (!entry || (await tokenExists(entry.tokenId))) continue;
      orphans++;
      await this.expireNow(entry);
    }
    return orphans;
  }

  /** Every irrevocable lease (sys/leases and sys/leases/count). */
  irrevocable(): Promise<LeaseEntry[]> {
    return this.store.irrevocable();
  }

  private isRenewable(entry: LeaseEntry): boolean {
    if (!entry.renewable || entry.irrevocable) return false;
    const type = this.host.secretOf(entry)?.type;
    return !!type?.renewLimits && !!type.extend;
  }

  /** A lease never outlives its token: the TTL stops where the token ends. */
  private async cappedByToken(ttl: number, tokenId: string, now: number, warnings: string[]): Promise<number> {
    const end = await this.host.tokenEnd(tokenId);
    if (end === undefined || now + ttl * 1000 <= end) return ttl;
    const capped = Math.max(0, Math.floor((end - now) / 1000));
    warnings.push(`TTL of "${ttl}s" exceeded the token's remaining TTL of "${capped}s"; TTL value is capped accordingly`);
    return capped;
  }

  private async expireNow(entry: LeaseEntry): Promise<void> {
    const now = this.now();
    if (entry.expireTime > now) await this.store.put({ ...entry, expireTime: now }, entry);
    this.schedule(now);
  }

  /** Calls the backend and deletes the lease; one revocation per lease at a time. */
  private revokeNow(entry: LeaseEntry, force = false): Promise<void> {
    const running = this.revoking.get(entry.id);
    if (running) return running;
    const work = this.callRevoke(entry, force).finally(() => this.revoking.delete(entry.id));
    this.revoking.set(entry.id, work);
    return work;
  }

  private async callRevoke(entry: LeaseEntry, force: boolean): Promise<void> {
    const target = this.host.secretOf(entry);
    try {
      if (!target) throw new CofferError('lease_backend_gone', undefined, { detail: `no backend serves lease ${entry.id}` });
      await target.type.revoke(stateOf(entry), target.store, target.mount);
    } catch (err) {
      if (!force) throw err;
      this.host.logger.warn({ lease_id: entry.id, error: publicText(err) }, 'lease revocation failed; removed anyway (revoke-force)');
    }
    await this.store.delete(entry);
    this.host.logger.info({ lease_id: entry.id }, 'lease revoked');
  }

  /** One due lease: revoked, or after a failure rescheduled with backoff, or marked irrevocable. */
  private async expire(due: { id: string; at: number }): Promise<void> {
    const entry = await this.store.get(due.id);
    if (!entry || entry.expireTime !== due.at || entry.irrevocable) {
      await this.store.dropTimeKey(due.at, due.id); // stale index key
      return;
    }
    try {
      await this.revokeNow(entry);
    } catch (err) {
      await this.revocationFailed(entry, err);
    }
  }

  private async revocationFailed(entry: LeaseEntry, err: unknown): Promise<void> {
    const attempts = (entry.revokeAttempts ?? 0) + 1;
    const error = publicText(err);
    const now = this.now();
    if (attempts >= this.settings.maxRevokeAttempts) {
      this.host.logger.error({ lease_id: entry.id, attempts, error }, 'lease revocation failed; the lease is now irrevocable');
      await this.store.put({ ...entry, revokeAttempts: attempts, irrevocable: { since: now, error } }, entry);
      return;
    }
    // Exponential backoff with full jitter over the upper half: failing leases never retry in lockstep.
    const ceiling = Math.min(this.settings.maxRetryMs, this.settings.retryBaseMs * 2 ** (attempts - 1));
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.host.logger.warn({ lease_id: entry.id, attempts, retry_in_ms: delay, error }, 'lease revocation failed; will retry');
    await this.store.put({ ...entry, revokeAttempts: attempts, expireTime: now + delay }, entry);
    this.schedule(now + delay);
  }

  /** Sets the one timer for `at`, unless it is already set sooner. */
  private schedule(at: number): void {
    if (!this.running || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.pass(), Math.min(Math.max(0, at - this.now()), IDLE_RECHECK_MS));
    this.timer.unref();
  }

  private pass(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    // A wake-up during a pass (a lease registered meanwhile) runs one more pass after it.
    if (this.passing) {
      this.passAgain = true;
      return;
    }
    this.passing = this.runPass()
      .catch((err: unknown) => {
        this.host.logger.error({ err }, 'lease expiry pass failed');
        this.schedule(this.now() + STANDBY_RECHECK_MS);
      })
      .finally(() => {
        this.passing = undefined;
        if (this.passAgain) {
          this.passAgain = false;
          this.schedule(this.now());
        }
      });
  }

  private async runPass(): Promise<void> {
    if (!this.running) return;
    if (!this.host.isActive()) return this.schedule(this.now() + STANDBY_RECHECK_MS);
    const now = this.now();
    const { due, next } = await this.store.due(now, this.settings.batch);
    for (let i = 0; i < due.length; i += this.settings.concurrency) {
      await Promise.all(due.slice(i, i + this.settings.concurrency).map((d) => this.expire(d)));
    }
    this.schedule(due.length >= this.settings.batch ? this.now() : (next ?? now + IDLE_RECHECK_MS));
  }
}

/**
 * What a failed revocation is recorded and logged as: a CofferError's public message (a backend
 * writes it free of secrets), never the cause beneath it, which may quote a statement.
 */
function publicText(err: unknown): string {
  return err instanceof CofferError ? err.message : 'internal error';
}

function stateOf(entry: LeaseEntry): LeasedSecretState {
  return { leaseId: entry.id, internal: entry.internal, issueTime: new Date(entry.issueTime), expireTime: new Date(entry.expireTime) };
}
