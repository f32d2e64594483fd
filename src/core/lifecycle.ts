import { randomBytes, randomUUID } from 'node:crypto';
import type { Barrier } from '../barrier/barrier.js';
import { invalidRequest, sealedError } from '../framework/errors.js';
import type { Core } from './core.js';
import type { CoreOptions } from './core-options.js';
import { loadState, type CoreState, type StateWiring } from './load-state.js';
import { AREA } from './storage-layout.js';

/** sys/init's choices: the seal that wraps the root key (default: the barrier's KMS) and, for Shamir, the split. */
export interface InitializeOptions {
  rootTokenId?: string;
  seal?: Parameters<Barrier['initialize']>[0];
  shamir?: Parameters<Barrier['initialize']>[1];
  /** A KMS seal's recovery key split and verifier. */
  recovery?: Parameters<Barrier['initialize']>[2];
}

/**
 * The order things start and stop in: initialize, unseal, seal, HA reload (a standby becoming
 * active), snapshot restore, close. Holds the loaded state while the core is unsealed.
 * Starting: backends, then the expiration manager (it revokes through them), tidy, re-wrap.
 * Stopping: tidy and re-wrap, the expiration manager, then the backends, then audit.
 */
export class CoreLifecycle {
  private loaded?: CoreState;
  private clusterInfo?: { name: string; id: string };
  private tidyTimer?: NodeJS.Timeout;

  constructor(
    private readonly core: Core,
    private readonly options: CoreOptions,
    private readonly wiring: StateWiring,
  ) {}

  /** The loaded state; undefined while sealed. */
  get state(): CoreState | undefined {
    return this.loaded;
  }
  /** The cluster name and id written at initialization. */
  get cluster(): { name: string; id: string } | undefined {
    return this.clusterInfo;
  }

  /**
   * First start of a new store (sys/init): creates the barrier keyring, the builtin mounts, the
   * default policy and the first root token.
   */
  async initializeStore({ rootTokenId, seal, shamir, recovery }: InitializeOptions = {}): Promise<{ rootToken: string }> {
    const core = this.core;
    if (await core.isInitialized()) throw invalidRequest('Vault is already initialized');
    await core.barrier.initialize(seal, shamir, recovery);
    await core.rootStorage.put(AREA.tokenSalt, randomBytes(32).toString('base64'));
    const id = randomUUID();
    await core.rootStorage.put(AREA.cluster, { name: `coffer-cluster-${id.slice(0, 8)}`, id });
    await this.postUnseal();
    await core.policies.ensureDefault();
    const { token } = await core.tokens.createRoot(rootTokenId);
    await this.options.onUnsealed?.(core);
    return { rootToken: token };
  }

  /** Opens the barrier with the configured KMS and loads the core's state. */
  async unseal(seal?: InitializeOptions['seal']): Promise<void> {
    await this.core.barrier.unseal(seal);
    await this.postUnseal();
    await this.options.onUnsealed?.(this.core);
  }

  /** Seals: stops background work, forgets the loaded state, zeroizes barrier keys. */
  async seal(): Promise<void> {
    await this.dropState();
    await this.core.barrier.seal();
    await this.options.onSealed?.();
  }

  /**
   * Snapshot restore: seals around `replace` (which swaps the whole store) and unseals from the
   * restored data. With HA this node keeps its leadership meanwhile, so no standby takes over a
   * half-restored store, and its fence keeps guarding the writes; the standbys are then told to
   * unseal again (onStoreReplaced). A store the seal cannot open leaves the node sealed, out of the
   * election.
   */
  async replaceStore(replace: () => Promise<void>): Promise<void> {
    await this.dropState();
    await this.core.barrier.seal();
    try {
      await replace();
      await this.options.onStoreReplaced?.().catch((err: unknown) => this.core.logger.error({ err }, 'could not tell the other nodes about the restored store'));
      await this.unseal();
    } catch (err) {
      await this.options.onSealed?.();
      throw err;
    }
  }

  /**
   * HA: a standby that becomes active reloads what the former active node may have changed since
   * this node unsealed (mounts, policies, identity, audit devices, the barrier's keyring after a
   * rotation). The barrier stays open.
   */
  async reload(): Promise<void> {
    if (this.core.sealed) throw sealedError();
    try {
      await this.dropState();
      await this.core.barrier.reloadKeyring();
      await this.postUnseal();
    } catch (err) {
      // Half-loaded is worse than sealed: a node that cannot load the store must not serve it.
      await this.seal();
      throw err;
    }
  }

  /** Server shutdown: stops background work and closes backends and audit devices; the state stays. */
  async close(): Promise<void> {
    clearInterval(this.tidyTimer);
    await this.loaded?.rewrap.stop();
    await this.stopBackends();
    this.loaded?.dataKeys.clear();
    await this.loaded?.audit.close();
  }

  /** Loads the core's state once the barrier is open, then starts it. */
  private async postUnseal(): Promise<void> {
    this.clusterInfo = await this.core.rootStorage.get(AREA.cluster);
    const state = await loadState(this.core, this.options, this.wiring);
    this.loaded = state;
    for (const entry of [...state.mounts.list('secret'), ...state.mounts.list('auth')]) state.router.start(entry);
    state.leases.start();
    // Deletions of namespaces run where background work runs: on the active node.
    if (this.wiring.isActive()) this.core.namespaceDeletion.resume();
    this.scheduleTidy();
    await state.rewrap.start();
  }

  /** Stops background work and forgets the loaded state (mounts, tokens, caches, audit devices). */
  private async dropState(): Promise<void> {
    clearInterval(this.tidyTimer);
    await this.loaded?.rewrap.stop();
    await this.stopBackends();
    const audit = this.loaded?.audit;
    this.loaded?.dataKeys.clear();
    this.loaded = undefined;
    await audit?.close();
  }

  /** The expiration manager stops before the backends whose secrets it revokes, then the backends close (pools, timers). */
  private async stopBackends(): Promise<void> {
    await this.core.namespaceDeletion.stop();
    await this.loaded?.leases.stop();
    await this.loaded?.router.closeAll();
  }

  private scheduleTidy(): void {
    const seconds = this.options.tidyInterval ?? 60;
    // Reaps expired tokens, wrapping tokens and their cubbyholes among them.
    this.tidyTimer = setInterval(() => {
      if (this.options.isActive && !this.options.isActive()) return;
      this.core.tokens.tidy().catch((err: unknown) => this.core.logger.error({ err }, 'tidy failed'));
    }, seconds * 1000);
    this.tidyTimer.unref();
  }
}
