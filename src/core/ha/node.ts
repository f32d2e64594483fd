import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Campaign, Election, ElectionObserver, Etcd3, Watcher } from 'etcd3';
import type { Logger } from 'pino';

/** Seconds an active node's etcd lease lives without a keep-alive: how long a crashed active node holds leadership. */
export const HA_LEASE_TTL_SECONDS = 5;
/** Wait before campaigning again after a campaign failed (lease lost, etcd unreachable). */
const RETRY_MS = 1_000;

/** What the status and sys endpoints read of this node's HA state. */
export interface HaView {
  /** This node holds leadership and has loaded the store's current state: it serves and runs background work. */
  readonly active: boolean;
  /** This node takes part in the election (it is unsealed). */
  readonly participating: boolean;
  readonly apiAddr: string;
  /** The active node as the election shows it (its api_addr, cluster_addr, whether standbys forward to it); undefined while there is none. */
  leader(): Candidacy | undefined;
  /** When this node last became active. */
  readonly activeSince?: Date;
  /** Every candidate (unsealed node) in the election, the active one first. */
  nodes(): Promise<{ hostname?: string; api_address: string; cluster_address: string; active_node: boolean }[]>;
  /** Gives up leadership; the node then campaigns again behind the other candidates. */
  stepDown(): Promise<void>;
}

export interface HaNodeOptions {
  client: Etcd3;
  /** The storage prefix: nodes sharing it share one election. */
  prefix: string;
  apiAddr: string;
  logger: Logger;
  /** Runs when this node won, before it reports itself active (reloads what the former active node changed). */
  onElected: () => Promise<void>;
  leaseTtlSeconds?: number;
  /** cluster_addr, announced with the api_addr (reported only: there is no cluster port). */
  clusterAddr?: string;
  /** False with disable_clustering: while this node is active, standbys redirect clients to it instead of forwarding. */
  acceptsForwarding?: boolean;
  /** Runs on a standby when the active node announced it replaced the store (snapshot restore). */
  onRestoredElsewhere?: () => Promise<void>;
  /** HA fencing: given this node's election key while it is active, undefined otherwise (EtcdStorage.fenceWith). */
  fence?: (fence: { key: string; createRevision: string; onFenced: () => void } | undefined) => void;
}

/** What a candidate announces in the election (its campaign value, JSON). */
export interface Candidacy {
  apiAddr: string;
  clusterAddr?: string;
  /** Standbys forward requests to it (else they answer 307 to its api_addr). */
  forwarding: boolean;
}

function announce(candidacy: Candidacy): string {
  return JSON.stringify({ api_addr: candidacy.apiAddr, cluster_addr: candidacy.clusterAddr, forwarding: candidacy.forwarding });
}

function candidacyOf(value: string): Candidacy | undefined {
  try {
    const parsed = JSON.parse(value) as { api_addr?: unknown; cluster_addr?: unknown; forwarding?: unknown };
    if (typeof parsed.api_addr === 'string') {
      return { apiAddr: parsed.api_addr, ...(typeof parsed.cluster_addr === 'string' ? { clusterAddr: parsed.cluster_addr } : {}), forwarding: parsed.forwarding !== false };
    }
  } catch {
    // not one of ours
  }
  return undefined;
}

/**
 * One Coffer node in an etcd election (etcd's concurrency recipe: each candidate holds a key under a
 * lease; the oldest key leads). The campaign value is the node's api_addr (and whether it takes
 * forwarded requests), so standbys know where to forward or redirect. A node campaigns only while
 * unsealed; losing its lease (crash, partition) ends its leadership as soon as etcd expires the
 * lease, and this process steps down when told so.
 */
export class HaNode implements HaView {
  readonly apiAddr: string;
  private readonly candidacy: Candidacy;
  private readonly election: Election;
  private readonly electionPrefix: string;
  private readonly restoreKey: string;
  private restoreWatcher?: Watcher;
  private observer?: ElectionObserver;
  private campaign?: Campaign;
  private isActive = false;
  private since?: Date;
  private joined = false;
  private closed = false;
  private retry?: NodeJS.Timeout;

  constructor(private readonly options: HaNodeOptions) {
    this.apiAddr = options.apiAddr;
    this.candidacy = { apiAddr: options.apiAddr, ...(options.clusterAddr ? { clusterAddr: options.clusterAddr } : {}), forwarding: options.acceptsForwarding ?? true };
    const name = `${options.prefix}ha-leader`;
    this.election = options.client.election(name, options.leaseTtlSeconds ?? HA_LEASE_TTL_SECONDS);
    // Where etcd3's Election keeps its candidates' keys (Election.prefix + name).
    this.electionPrefix = `election/${name}/`;
    // Outside the storage prefix, so no snapshot carries it and no restore deletes it.
    this.restoreKey = `coffer-ha${options.prefix}store-replaced`;
  }

  get active(): boolean {
    return this.isActive;
  }
  get participating(): boolean {
    return this.joined;
  }
  get activeSince(): Date | undefined {
    return this.isActive ? this.since : undefined;
  }

  leader(): Candidacy | undefined {
    if (this.isActive) return this.candidacy;
    const value = this.observer?.leader();
    return value === undefined ? undefined : candidacyOf(value);
  }

  /** Starts watching who leads (for sys/leader and forwarding), sealed or not, and for restores. */
  async start(): Promise<void> {
    await this.observe();
    if (this.options.onRestoredElsewhere) {
      const onRestored = this.options.onRestoredElsewhere;
      this.restoreWatcher = await this.options.client.watch().key(this.restoreKey).create();
      this.restoreWatcher.on('put', () => {
        if (this.isActive) return; // the node that restored
        onRestored().catch((err: Error) => this.options.logger.error({ error: err.message }, 'HA: could not load the restored store'));
      });
    }
  }

  /** The active node replaced the store (snapshot restore): every standby is to unseal again from it. */
  async announceStoreReplaced(): Promise<void> {
    await this.options.client.put(this.restoreKey).value(randomUUID());
  }

  private async observe(): Promise<void> {
    if (this.closed) return;
    try {
      const observer = await this.election.observe();
      observer.on('error', (err) => this.observerFailed(observer, err));
      observer.on('disconnected', (err) => this.observerFailed(observer, err));
      this.observer = observer;
    } catch (err) {
      this.options.logger.warn({ error: (err as Error).message }, 'HA: cannot watch the election; retrying');
      setTimeout(() => void this.observe(), RETRY_MS).unref();
    }
  }

  private observerFailed(observer: ElectionObserver, err: Error): void {
    if (this.observer !== observer) return;
    this.observer = undefined;
    observer.cancel().catch(() => undefined);
    this.options.logger.warn({ error: err.message }, 'HA: lost the election watch; retrying');
    setTimeout(() => void this.observe(), RETRY_MS).unref();
  }

  /** The node is unsealed: it campaigns for leadership. */
  join(): void {
    if (this.joined || this.closed) return;
    this.joined = true;
    this.runCampaign();
  }

  /** The node sealed: it leaves the election (resigning if it led). */
  async leave(): Promise<void> {
    this.joined = false;
    clearTimeout(this.retry);
    await this.resign();
  }

  async stepDown(): Promise<void> {
    this.options.logger.info('HA: stepping down (sys/step-down)');
    await this.resign();
    if (this.joined && !this.closed) this.runCampaign();
  }

  async nodes(): Promise<{ hostname?: string; api_address: string; cluster_address: string; active_node: boolean }[]> {
    const { kvs } = await this.options.client.namespace(this.electionPrefix).getAll().sort('Create', 'Ascend').exec();
    return kvs.flatMap((kv, i) => {
      const candidacy = candidacyOf(kv.value.toString('utf8'));
      if (candidacy === undefined) return [];
      const self = candidacy.apiAddr === this.apiAddr ? { hostname: hostname() } : {};
      return [{ ...self, api_address: candidacy.apiAddr, cluster_address: candidacy.clusterAddr ?? '', active_node: i === 0 }];
    });
  }

  private runCampaign(): void {
    const campaign = this.election.campaign(announce(this.candidacy));
    this.campaign = campaign;
    campaign.on('elected', () => {
      if (this.campaign !== campaign) return;
      void this.becomeActive(campaign);
    });
    campaign.on('error', (err) => {
      if (this.campaign !== campaign) return;
      this.options.logger.warn({ error: err.message }, this.isActive ? 'HA: lost leadership (etcd lease); now standby' : 'HA: campaign failed; retrying');
      this.campaign = undefined;
      this.isActive = false;
      this.options.fence?.(undefined);
      campaign.resign().catch(() => undefined);
      if (this.joined && !this.closed) this.retry = setTimeout(() => this.runCampaign(), RETRY_MS);
    });
  }

  private async becomeActive(campaign: Campaign): Promise<void> {
    try {
      await this.options.onElected();
    } catch (err) {
      this.options.logger.error({ error: (err as Error).message }, 'HA: could not take over as active node; resigning');
      if (this.campaign === campaign) await this.stepDown();
      return;
    }
    // It may have resigned or lost the lease meanwhile.
    if (this.campaign !== campaign) return;
    if (this.options.fence) {
      try {
        const key = await campaign.getCampaignKey();
        const held = (await this.options.client.get(key).exec()).kvs[0];
        if (!held) throw new Error('the election key is gone');
        if (this.campaign !== campaign) return;
        this.options.fence({ key, createRevision: String(held.create_revision), onFenced: () => this.fencedOut(campaign) });
      } catch (err) {
        this.options.logger.error({ error: (err as Error).message }, 'HA: could not fence this node as active; resigning');
        if (this.campaign === campaign) await this.stepDown();
        return;
      }
    }
    this.isActive = true;
    this.since = new Date();
    this.options.logger.info({ api_addr: this.apiAddr }, 'HA: this node is now the active node');
  }

  /** A write was refused because this node's election key is gone: it is no longer the leader. */
  private fencedOut(campaign: Campaign): void {
    if (this.campaign !== campaign) return;
    this.options.logger.warn('HA: a write was fenced off (leadership lost); now standby');
    this.options.fence?.(undefined);
    this.campaign = undefined;
    this.isActive = false;
    campaign.resign().catch(() => undefined);
    if (this.joined && !this.closed) this.retry = setTimeout(() => this.runCampaign(), RETRY_MS);
  }

  private async resign(): Promise<void> {
    const campaign = this.campaign;
    this.campaign = undefined;
    this.options.fence?.(undefined);
    if (this.isActive) this.options.logger.info('HA: no longer the active node; now standby');
    this.isActive = false;
    await campaign?.resign().catch((err: Error) => this.options.logger.warn({ error: err.message }, 'HA: resign failed; the lease will expire'));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.resign();
    await this.observer?.cancel().catch(() => undefined);
    await this.restoreWatcher?.cancel().catch(() => undefined);
  }
}
